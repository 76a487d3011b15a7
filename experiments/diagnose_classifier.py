"""Why does the pre-training classifier not learn noise? A small diagnostic (docs/experiments.md, Diagnosis).

Trains a degradation classifier on 64 px LQ crops of a `uir build-dataset` folder (class-balanced batches
of 8, AdamW, one thread) and prints the per-class training accuracy of the last 50 steps every 50 steps,
then the accuracy on random 64 px crops of the val split. Three classifiers:

- `maskdcpt`: the tiny-cpu NAFNet wrapped in MaskDCPT (the experiment's model), loss CE + `--l1` x L1;
  `--mask` is the mask ratio (0: no mask), `--mask-patch` its patch size, `--no-ln` drops the classifier's channel LayerNorms;
- `cnn`: conv3x3(3->16)-ReLU-conv3x3(16->32)-ReLU-global mean-linear on the LQ pixels;
- `stats`: softmax regression on three statistics of each crop (grey mean, std, Laplacian std);
- `loader`: no training; 4 batches of the real training loader (TrainPairs + StepSampler, all types),
  checks each crop's class against its row's degradation and prints the grey Laplacian std per class.

    python -m experiments.diagnose_classifier --data /tmp/uir-experiment/data --types GN,LL,J --arch cnn
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import cv2
import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from maskdcpt.data import ClassMap, TrainPairs, make_loader, open_index, paired_random_crop, to_chw_float
from maskdcpt.models import MaskDCPT
from maskdcpt.models.classifier import ConvNorm
from maskdcpt.models.registry import create_backbone
from maskdcpt.sampling import StepSampler, repeat_counts

CROP = 64
BATCH = 8
TINY_CPU = {"img_channel": 3, "width": 16, "middle_blk_num": 1, "enc_blk_nums": [1, 1], "dec_blk_nums": [1, 1]}


def crop_stats(lq: np.ndarray) -> list[float]:
    grey = lq.astype(np.float32).mean(2) / 255
    return [float(grey.mean()), float(grey.std()), float(cv2.Laplacian(grey, cv2.CV_32F).std())]


class SmallCNN(nn.Module):
    def __init__(self, classes: int) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
                                 nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, classes))

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.net(images)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="folder with train/ and val/ dataset roots")
    parser.add_argument("--types", default="GN,LL,J")
    parser.add_argument("--arch", choices=("maskdcpt", "cnn", "stats", "loader"), default="maskdcpt")
    parser.add_argument("--mask", type=float, default=0.5)
    parser.add_argument("--mask-patch", type=int, default=16)
    parser.add_argument("--l1", type=float, default=1.0)
    parser.add_argument("--no-ln", action="store_true")
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--val-crops", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--warmup", type=int, default=0, help="first steps without the mask (maskdcpt only)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    if args.arch == "loader":
        check_loader(args.data / "train", args.seed)
        return
    types = args.types.split(",")
    rng = np.random.default_rng(args.seed)
    train = open_index([args.data / "train"], "train", types)
    val = open_index([args.data / "val"], "val", types)

    def batch(index, count: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows = {t: [i for i, d in enumerate(index.degradations) if d == t] for t in types}
        classes = rng.integers(0, len(types), count)
        lqs, gts = [], []
        for c in classes:
            lq, gt = index.read_pair(int(rng.choice(rows[types[c]])))
            lq, gt = paired_random_crop(lq, gt, CROP, rng)
            lqs.append(lq)
            gts.append(gt)
        return np.stack(lqs), np.stack(gts), classes

    if args.arch == "stats":
        lq, _, y = batch(train, args.steps * BATCH)
        x = np.array([crop_stats(im) for im in lq])
        mean, std = x.mean(0), x.std(0)
        x = (x - mean) / std
        weights, bias = np.zeros((x.shape[1], len(types))), np.zeros(len(types))
        for _ in range(3000):  # full-batch gradient descent on the softmax cross-entropy
            z = x @ weights + bias
            p = np.exp(z - z.max(1, keepdims=True))
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(y)), y] -= 1
            weights -= 0.5 * x.T @ p / len(y)
            bias -= 0.5 * p.mean(0)
        vlq, _, vy = batch(val, args.val_crops)
        pred = ((np.array([crop_stats(im) for im in vlq]) - mean) / std @ weights + bias).argmax(1)
        report("val", types, vy, pred == vy)
        return

    if args.arch == "cnn":
        model: nn.Module = SmallCNN(len(types))
    else:
        model = MaskDCPT(create_backbone("nafnet", **TINY_CPU), len(types), mask_ratio=args.mask, mask_patch=args.mask_patch)
        if args.no_ln:
            for module in model.classifier.modules():
                if isinstance(module, ConvNorm):
                    module.norm = nn.Identity()
    generator = torch.Generator().manual_seed(args.seed)

    def forward(lq: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        if isinstance(model, MaskDCPT):
            out = model(lq, generator=generator)
            return out.logits, out.restored
        return model(lq), None

    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    history: list[tuple[int, bool]] = []
    start = time.time()
    for step in range(1, args.steps + 1):
        if isinstance(model, MaskDCPT):
            model.mask_ratio = 0.0 if step <= args.warmup else args.mask
        lq, gt, y = batch(train, args.batch)
        lq_t = torch.from_numpy(np.stack([to_chw_float(im) for im in lq]))
        labels = torch.from_numpy(y)
        logits, restored = forward(lq_t)
        loss = F.cross_entropy(logits, labels)
        if restored is not None and args.l1:
            loss = loss + args.l1 * F.l1_loss(restored, torch.from_numpy(np.stack([to_chw_float(im) for im in gt])))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        history += list(zip(y.tolist(), (logits.argmax(1) == labels).tolist(), strict=True))
        if step % 50 == 0:
            last = history[-50 * args.batch:]
            report(f"step {step} train", types, np.array([c for c, _ in last]), np.array([ok for _, ok in last]),
                   f"({time.time() - start:.0f} s)")
    with torch.no_grad():
        vlq, _, vy = batch(val, args.val_crops)
        logits, _ = forward(torch.from_numpy(np.stack([to_chw_float(im) for im in vlq])))
    report("val", types, vy, (logits.argmax(1).numpy() == vy))


def check_loader(root: Path, seed: int) -> None:
    index = open_index([root], "train")
    classes = ClassMap.from_index(index)
    sampler = StepSampler(repeat_counts(index.degradations, {}), BATCH, seed=seed, rank=0, world_size=1,
                          start_step=0, end_step=4, blocks=None, window=1)
    spread: dict[str, list[float]] = {}
    for batch in make_loader(TrainPairs(index, classes, CROP, seed), sampler, 0):
        for lq, cls, row in zip(batch["lq"], batch["cls"], batch["row"], strict=True):
            name = classes.names[int(cls)]
            if name != index.degradations[int(row)]:
                raise SystemExit(f"row {int(row)} is {index.degradations[int(row)]} but was labelled {name}")
            spread.setdefault(name, []).append(float(cv2.Laplacian(lq.mean(0).numpy(), cv2.CV_32F).std()))
    print("labels match rows; grey Laplacian std per class: "
          + ", ".join(f"{k} {min(v):.3f}-{max(v):.3f} (n {len(v)})" for k, v in sorted(spread.items())))


def report(what: str, types: list[str], classes: np.ndarray, correct: np.ndarray, suffix: str = "") -> None:
    per_class = " ".join(f"{t} {correct[classes == k].mean():.0%}" for k, t in enumerate(types))
    print(f"{what}: {correct.mean():.1%} | {per_class} {suffix}", flush=True)


if __name__ == "__main__":
    main()
