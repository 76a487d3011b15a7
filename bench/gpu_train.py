"""MaskDCPT pre-training step throughput and peak CUDA memory of the official NAFNet and Restormer configs.

Run: python -m bench.gpu_train [--batch 16] [--size 256] [--steps 10] [--compile] [--fp32]
Paper setting (research/paper.md §2): 256 px crops, batch 16, bf16 autocast here. One step = masked
forward, L1 + focal, backward, AdamW (encoder 3e-4, heads 1e-4) on a synthetic batch already on the GPU,
so this measures the model, not data loading. Baseline per network: a fine-tuning step (plain forward,
L1, no mask, no classifier) in the same run; ratio = pretrain img/s / finetune img/s.
Exits with a clear message (code 2) when no CUDA device is present.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time

import torch
import torch.nn.functional as F

# Official constructor arguments of the released checkpoints (reference/official_state_dicts).
CONFIGS = {
    "nafnet": dict(width=64, enc_blk_nums=[1, 1, 1, 28], middle_blk_num=1, dec_blk_nums=[1, 1, 1, 1]),
    "restormer": dict(),
}
NUM_CLASSES = 5  # the 5D set: H, RS, GN, MB, LL


def run_case(name: str, stage: str, batch: int, size: int, steps: int, warmup: int, compile_model: bool,
             bf16: bool) -> dict:
    from maskdcpt.models import MaskDCPT, create_backbone, focal_loss, random_patch_mask

    device = torch.device("cuda")
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    generator = torch.Generator(device=device).manual_seed(0)
    with torch.random.fork_rng(devices=[device]):
        torch.manual_seed(0)
        backbone = create_backbone(name, **CONFIGS[name])
        model = MaskDCPT(backbone, NUM_CLASSES, mask_ratio=0.5, mask_patch=16) if stage == "pretrain" else backbone
    model.to(device).train()
    if stage == "pretrain":
        groups = [{"params": model.backbone_parameters(), "lr": 3e-4}, {"params": model.head_parameters(), "lr": 1e-4}]
    else:
        groups = [{"params": list(model.parameters()), "lr": 3e-4}]
    optimizer = torch.optim.AdamW(groups, weight_decay=0.0, fused=True)
    step_model = torch.compile(model) if compile_model else model
    lq = torch.rand(batch, 3, size, size, device=device, generator=generator)
    gt = torch.rand(batch, 3, size, size, device=device, generator=generator)
    labels = torch.randint(0, NUM_CLASSES, (batch,), device=device, generator=generator)
    grid = size // 16

    def step() -> None:
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=bf16):
            if stage == "pretrain":
                mask = random_patch_mask(batch, grid, grid, 0.5, generator)
                out = step_model(lq, mask=mask)
                loss = F.l1_loss(out.restored.float(), gt) + focal_loss(out.logits.float(), labels, gamma=2.0)
            else:
                loss = F.l1_loss(step_model(lq).float(), gt)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.01)
        optimizer.step()

    for _ in range(warmup):
        step()
    torch.cuda.synchronize()
    started = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - started) / steps
    result = {"img_per_s": batch / seconds, "ms_per_step": seconds * 1000,
              "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
              "params_m": sum(p.numel() for p in model.parameters()) / 1e6}
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--compile", action="store_true")
    parser.add_argument("--fp32", action="store_true", help="Disable bf16 autocast.")
    parser.add_argument("--models", default="nafnet,restormer")
    args = parser.parse_args()
    if not torch.cuda.is_available():
        print("bench.gpu_train needs a CUDA device and torch sees none; run it on a GPU machine.", file=sys.stderr)
        return 2
    torch.backends.cudnn.benchmark = True
    print(f"{torch.cuda.get_device_name()}, torch {torch.__version__}, batch {args.batch}, {args.size} px, "
          f"{'fp32' if args.fp32 else 'bf16 autocast'}{', torch.compile' if args.compile else ''}, "
          f"{args.steps} timed steps after {args.warmup} warm-up\n")
    print("| network | stage | params (M) | ms/step | img/s | ratio vs finetune | peak CUDA mem (GiB) |")
    print("|---|---|---|---|---|---|---|")
    for name in args.models.split(","):
        results = {}
        for stage in ("finetune", "pretrain"):
            try:
                results[stage] = run_case(name, stage, args.batch, args.size, args.steps, args.warmup,
                                          args.compile, not args.fp32)
            except torch.OutOfMemoryError:
                print(f"| {name} | {stage} | - | out of memory | - | - | - |", flush=True)
                continue
            r = results[stage]
            ratio = r["img_per_s"] / results["finetune"]["img_per_s"] if "finetune" in results else float("nan")
            print(f"| {name} | {stage} | {r['params_m']:.1f} | {r['ms_per_step']:.0f} | {r['img_per_s']:.1f} | "
                  f"{ratio:.2f}x | {r['peak_gib']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
