"""Evaluate a checkpoint per degradation type: PSNR/SSIM (and classification accuracy after pre-training).

Protocol (the paper's: RGB in [0, 1], crop_border 0): each image is reflect-padded to the network's multiple
and cropped back; the float output (clamped to [0, 1]) is scored, not an 8-bit rounding of it. The input's own scores
(`psnr_input`, `ssim_input`) are reported next to them, so a gain over identity is visible at a glance.
A pre-training checkpoint is scored in its training mode (masked input, keyed masks, no +input residual).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from maskdcpt import checkpoint as ckpt
from maskdcpt.config import TrainConfig
from maskdcpt.data import ClassMap, PairIndex, UnreadablePair, center_crop, to_chw_float
from maskdcpt.metrics import psnr, ssim
from maskdcpt.models import (
    MaskDCPT,
    create_backbone,
    load_official_weights,
    pad_to_multiple,
    random_patch_mask,
)
from maskdcpt.sampling import keyed_rng

TAG_EVAL_MASK = 0x454D


@dataclass
class Restorer:
    """A loaded network ready for inference: plain backbone, or MaskDCPT for pre-training checkpoints."""

    model: torch.nn.Module
    stage: str
    classes: ClassMap | None
    source: str
    seed: int = 0

    @property
    def backbone(self) -> torch.nn.Module:
        return self.model.backbone if isinstance(self.model, MaskDCPT) else self.model

    @property
    def multiple(self) -> int:
        base = self.backbone.size_multiple
        return math.lcm(base, self.model.mask_patch) if isinstance(self.model, MaskDCPT) else base

    def to(self, device: torch.device) -> Restorer:
        self.model.to(device).eval()
        return self

    @torch.no_grad()
    def __call__(self, lq: torch.Tensor, key: int = 0, plain: bool = False) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(restored, logits or None) for a (B,3,H,W) batch in [0, 1]; `key` seeds the eval mask."""
        height, width = lq.shape[-2:]
        padded = pad_to_multiple(lq, self.multiple)
        if isinstance(self.model, MaskDCPT) and not plain:
            generator = torch.Generator().manual_seed(int(keyed_rng(self.seed, TAG_EVAL_MASK, key).integers(2**62)))
            grid = (padded.shape[-2] // self.model.mask_patch, padded.shape[-1] // self.model.mask_patch)
            mask = random_patch_mask(padded.shape[0], *grid, self.model.mask_ratio, generator).to(padded.device)
            out = self.model(padded, mask=mask)
            return out.restored[..., :height, :width], out.logits
        return self.backbone(padded)[..., :height, :width], None


def build_model(model_name: str, kwargs: dict[str, Any], stage: str, classes: ClassMap | None,
                mask_ratio: float, mask_patch: int) -> torch.nn.Module:
    """The network of one stage: the backbone, wrapped in MaskDCPT for pre-training."""
    backbone = create_backbone(model_name, **kwargs)
    if stage == "pretrain":
        assert classes is not None
        return MaskDCPT(backbone, num_classes=len(classes), mask_ratio=mask_ratio, mask_patch=mask_patch)
    return backbone


def load_restorer(path: Path | str, weights: str = "ema", config: TrainConfig | None = None) -> Restorer:
    """A Restorer from one of our checkpoints (run dir, step folder, .safetensors) or an official .pth.

    An official BasicSR checkpoint carries no architecture: `config` (a preset) must name the model.
    """
    if ckpt.is_uir_checkpoint(path):
        state, meta = ckpt.load_weights(path, which=weights)
        classes = ClassMap.from_names(meta["classes"]["names"]) if meta.get("classes") else None
        model = build_model(meta["model"]["name"], meta["model"]["kwargs"], meta["stage"], classes,
                            meta.get("mask_ratio", 0.5), meta.get("mask_patch", 16))
        try:
            model.load_state_dict(state, strict=True)
        except RuntimeError as error:
            raise ckpt.CheckpointError(f"{path}: weights do not fit {meta['model']['name']} ({error})") from None
        return Restorer(model, meta["stage"], classes, str(path), seed=int(meta.get("seed", 0)))
    if config is None:
        raise ckpt.CheckpointError(
            f"{path}: not a uir checkpoint; for an official checkpoint pass --preset (e.g. nafnet-5d) or "
            "--config so the architecture is known"
        )
    backbone = create_backbone(config.model.name, **config.model.kwargs)
    load_official_weights(backbone, path, key=None, strict=True)
    return Restorer(backbone, "finetune", None, str(path))


def evaluate(
    restorer: Restorer,
    index: PairIndex,
    device: torch.device,
    crop: int = 0,
    on_pair: Callable[[], None] | None = None,
) -> dict[str, Any]:
    """Per-type mean PSNR/SSIM (restored and input) and, with a classifier, accuracy; plus the type mean."""
    restorer.to(device)
    class_of = restorer.classes.class_of(index.labels) if restorer.classes is not None else None
    sums: dict[str, dict[str, float]] = {}
    skipped: list[str] = []
    for row in range(len(index)):
        try:
            lq_img, gt_img = index.read_pair(row)
        except UnreadablePair as problem:
            skipped.append(str(problem))
            continue
        if crop:
            lq_img, gt_img = center_crop(lq_img, crop), center_crop(gt_img, crop)
        lq = torch.from_numpy(to_chw_float(lq_img))[None].to(device)
        gt = torch.from_numpy(to_chw_float(gt_img))[None].to(device)
        restored, logits = restorer(lq, key=row)
        restored = restored.float().clamp(0, 1)  # the float output, as the network gives it
        entry = sums.setdefault(index.degradations[row], {"count": 0, "psnr": 0.0, "ssim": 0.0,
                                                          "psnr_input": 0.0, "ssim_input": 0.0})
        entry["count"] += 1
        entry["psnr"] += float(psnr(restored, gt)[0].clamp(max=100))
        entry["ssim"] += float(ssim(restored, gt)[0])
        entry["psnr_input"] += float(psnr(lq, gt)[0].clamp(max=100))
        entry["ssim_input"] += float(ssim(lq, gt)[0])
        if logits is not None and class_of is not None and class_of[row] >= 0:
            entry["cls_total"] = entry.get("cls_total", 0) + 1
            entry["cls_correct"] = entry.get("cls_correct", 0) + int(int(logits.argmax(1)[0]) == class_of[row])
        if on_pair is not None:
            on_pair()
    types = {}
    for abbrev, entry in sorted(sums.items()):
        n = entry["count"]
        scores = {"count": n, **{k: entry[k] / n for k in ("psnr", "ssim", "psnr_input", "ssim_input")}}
        if entry.get("cls_total"):
            scores["accuracy"] = entry["cls_correct"] / entry["cls_total"]
        types[abbrev] = scores
    mean = {k: float(np.mean([t[k] for t in types.values()])) for k in ("psnr", "ssim", "psnr_input", "ssim_input")} \
        if types else {}
    accuracies = [t["accuracy"] for t in types.values() if "accuracy" in t]
    if accuracies:
        mean["accuracy"] = float(np.mean(accuracies))
    return {"types": types, "mean": mean, "pairs": sum(t["count"] for t in types.values()), "skipped": skipped,
            "checkpoint": restorer.source, "stage": restorer.stage}
