"""The GPU check, one prepared script: model step speed, data loading, and `uir train` end to end on CUDA.

Run on a machine with a CUDA GPU (about 10 minutes on one H100/H200-class GPU):
    python -m bench.gpu_train [--out DIR] [--quick]
Sections (each one runs even if an earlier one failed; results go to DIR/gpu_train.json and a
markdown report on stdout and in DIR/gpu_train.md):
1. step: NAFNet (official 5D config) and Restormer (defaults) at 256 px, batch 16, bf16 autocast; a
   MaskDCPT pre-training step and a fine-tuning step on a synthetic batch already on the GPU (the model
   alone, no data loading): ms/step, img/s, peak CUDA memory; eager and torch.compile, NCHW and
   channels_last.
2. loader: bench.loader's img/s at 256 px crops with 4 workers, to compare with what one step consumes.
3. uir train: a 200-step pre-training and a 200-step fine-tuning from it through the real CLI, on a
   dataset this script writes (maskdcpt.toydata: GN, GB, J, H, LL at 320-448 px), with evaluation and checkpoints;
   then a 200-step fine-tuning from scratch and `uir evaluate` of both.
4. torchrun: the same pre-training for 20 steps under `torchrun --nproc-per-node 1` (NCCL, DDP), eager
   and compiled.
Exits with code 2 and one sentence when no CUDA device is present. A CPU smoke run of sections 2-4
(the plumbing, not the figures): python -m bench.gpu_train --cli-only --device cpu --preset tiny-cpu --steps 4
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

import torch
import torch.nn.functional as F

REPO = Path(__file__).resolve().parents[1]
# Official constructor arguments of the released checkpoints.
CONFIGS = {
    "nafnet": dict(width=64, enc_blk_nums=[1, 1, 1, 28], middle_blk_num=1, dec_blk_nums=[1, 1, 1, 1]),
    "restormer": dict(),
}
NUM_CLASSES = 5  # the 5D set: H, RS, GN, MB, LL
# The toy dataset's own five types (maskdcpt.toydata), each equally often: the preset's 5D type filter
# and repeat factors are for the real 5D set.
DATA = ("--set", "data.types=[]", "--set", "data.repeat_factors={}")


def step_case(name: str, stage: str, batch: int, size: int, steps: int, compile_model: bool,
              channels_last: bool) -> dict:
    """Time one training step of `name` (synthetic batch on the GPU, bf16 autocast)."""
    from maskdcpt.models import MaskDCPT, create_backbone, focal_loss
    from maskdcpt.train import draw_masks

    device = torch.device("cuda")
    gc.collect()
    torch.cuda.empty_cache()
    torch.cuda.reset_peak_memory_stats()
    torch.manual_seed(0)
    backbone = create_backbone(name, **CONFIGS[name])
    model = MaskDCPT(backbone, NUM_CLASSES, mask_ratio=0.5, mask_patch=16) if stage == "pretrain" else backbone
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    model.to(device, memory_format=memory_format).train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.0, fused=True)
    step_model = torch.compile(model) if compile_model else model
    lq = torch.rand(batch, 3, size, size, device=device).to(memory_format=memory_format)
    gt = torch.rand(batch, 3, size, size, device=device).to(memory_format=memory_format)
    labels = torch.randint(0, NUM_CLASSES, (batch,), device=device)
    position = 0

    def step() -> None:
        nonlocal position
        with torch.autocast("cuda", dtype=torch.bfloat16):
            if stage == "pretrain":
                mask = draw_masks(model, 0, position, batch, (size, size), device)
                out = step_model(lq, mask=mask)
                loss = F.l1_loss(out.restored.float(), gt) + focal_loss(out.logits.float(), labels)
            else:
                loss = F.l1_loss(step_model(lq).float(), gt)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        position += batch

    started = time.perf_counter()
    for _ in range(3):  # warm-up (compilation, cuDNN autotuning)
        step()
    torch.cuda.synchronize()
    warmup_s = time.perf_counter() - started
    started = time.perf_counter()
    for _ in range(steps):
        step()
    torch.cuda.synchronize()
    seconds = (time.perf_counter() - started) / steps
    return {"network": name, "stage": stage, "compile": compile_model, "channels_last": channels_last,
            "ms_per_step": seconds * 1000, "img_per_s": batch / seconds, "warmup_s": warmup_s,
            "peak_gib": torch.cuda.max_memory_allocated() / 2**30,
            "params_m": sum(p.numel() for p in model.parameters()) / 1e6}


def section_steps(quick: bool) -> list[dict]:
    torch.backends.cudnn.benchmark = True
    torch.backends.cuda.matmul.allow_tf32 = True
    torch.backends.cudnn.allow_tf32 = True
    rows = []
    variants = [(False, False), (True, False), (False, True)] if not quick else [(False, False)]
    for name in CONFIGS:
        for compile_model, channels_last in variants:
            for stage in ("finetune", "pretrain"):
                try:
                    rows.append(step_case(name, stage, 16, 256, 10 if quick else 20, compile_model, channels_last))
                except Exception as error:  # OOM or a compile failure: record it, go on
                    rows.append({"network": name, "stage": stage, "compile": compile_model,
                                 "channels_last": channels_last, "error": f"{type(error).__name__}: {error}"[:300]})
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return rows


def run(argv: list[str], timeout: int, env: dict | None = None) -> dict:
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})})
    return {"argv": " ".join(argv[1:]), "returncode": done.returncode, "seconds": time.perf_counter() - started,
            "stdout_tail": done.stdout[-3000:], "stderr_tail": done.stderr[-3000:]}


SETTINGS = {"preset": "nafnet-5d", "device": "cuda", "steps": "200"}


def train_cli(out: Path, dataset: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "cli.main", "train", "--out", str(out), "--preset", SETTINGS["preset"], "--manifest",
            str(dataset), "--device", SETTINGS["device"], *DATA, "--set", "run.log_every=20",
            "--set", "run.eval_every=100", "--set", "data.val_max_images=20", "--set", "data.workers=4", "--json", *extra]


def last_metrics(run_dir: Path) -> dict:
    records = [json.loads(line) for line in (run_dir / "metrics.jsonl").read_text().splitlines() if line.strip()]
    train = [r for r in records if r["kind"] == "train"]
    val = [r for r in records if r["kind"] == "val"]
    return {"img_per_s_last": train[-1]["img_per_s"] if train else None,
            "loss_first": train[0]["loss"] if train else None, "loss_last": train[-1]["loss"] if train else None,
            "val_last": {k: v for k, v in val[-1].items() if k != "types"} if val else None}


def section_cli(work: Path, quick: bool) -> dict:
    from maskdcpt.toydata import write_toy_dataset

    steps = "40" if quick else SETTINGS["steps"]
    dataset = write_toy_dataset(work / "ds", scenes=40, sizes=(320, 448), val_scenes=4)
    results = {"loader": run([sys.executable, "-m", "bench.loader", "--workers", "4", "--batches", "30"], 600)}
    results["pretrain"] = run(train_cli(work / "pre", dataset, "--max-steps", steps), 900)
    results["finetune"] = run(train_cli(work / "ft", dataset, "--init", str(work / "pre"), "--max-steps", steps), 900)
    results["scratch"] = run(train_cli(work / "scratch", dataset, "--stage", "finetune", "--max-steps", steps), 900)
    for arm in ("ft", "scratch"):
        results[f"evaluate_{arm}"] = run([sys.executable, "-m", "cli.main", "evaluate", str(work / arm), "--manifest",
                                          str(dataset), "--split", "val", "--json"], 600)
    for arm in ("pre", "ft", "scratch"):
        if (work / arm / "metrics.jsonl").is_file():
            results[f"metrics_{arm}"] = last_metrics(work / arm)
    torchrun = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "1", "-m",
                "cli.main", "train", "--preset", SETTINGS["preset"], "--manifest", str(dataset), "--device",
                SETTINGS["device"], *DATA, "--set", "run.log_every=5", "--set",
                "run.eval_every=1000", "--max-steps", str(min(20, int(SETTINGS["steps"]))), "--json"]
    results["torchrun_eager"] = run([*torchrun, "--out", str(work / "ddp")], 900)
    results["torchrun_compiled"] = run([*torchrun, "--out", str(work / "ddp_compiled"), "--set", "run.compile=true"], 900)
    return results


def markdown(report: dict) -> str:
    lines = [f"# bench.gpu_train on {report['device']} (torch {report['torch']})", "",
             "| network | stage | compile | channels_last | ms/step | img/s | peak GiB | warm-up s |",
             "|---|---|---|---|---|---|---|---|"]
    for r in report.get("steps", []):
        if "error" in r:
            lines.append(f"| {r['network']} | {r['stage']} | {r['compile']} | {r['channels_last']} | {r['error']} | | | |")
        else:
            lines.append(f"| {r['network']} | {r['stage']} | {r['compile']} | {r['channels_last']} | "
                         f"{r['ms_per_step']:.0f} | {r['img_per_s']:.1f} | {r['peak_gib']:.1f} | {r['warmup_s']:.0f} |")
    for name, result in report.get("cli", {}).items():
        if "returncode" in result:
            lines += ["", f"## {name}: exit {result['returncode']} in {result['seconds']:.0f} s", "```",
                      result["stdout_tail"][-1500:], result["stderr_tail"][-1500:], "```"]
        else:
            lines += ["", f"## {name}", "```", json.dumps(result, indent=1), "```"]
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", "gpu-results")))
    parser.add_argument("--quick", action="store_true", help="fewer variants and steps (a smoke run)")
    parser.add_argument("--cli-only", action="store_true", help="skip the model-step section")
    parser.add_argument("--preset", default="nafnet-5d")
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--steps", default="200")
    args = parser.parse_args()
    SETTINGS.update(preset=args.preset, device=args.device, steps=args.steps)
    if args.device == "cuda" and not torch.cuda.is_available():
        print("bench.gpu_train needs a CUDA device and torch sees none; run it on a GPU machine.", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"device": torch.cuda.get_device_name() if args.device == "cuda" else "cpu",
                    "torch": torch.__version__}

    def save() -> None:
        (args.out / "gpu_train.json").write_text(json.dumps(report, indent=1))
        (args.out / "gpu_train.md").write_text(markdown(report))

    if not args.cli_only:
        try:
            report["steps"] = section_steps(args.quick)
        except Exception:
            report["steps_error"] = traceback.format_exc()[-3000:]
        save()
    with tempfile.TemporaryDirectory() as tmp:
        try:
            report["cli"] = section_cli(Path(tmp), args.quick)
        except Exception:
            report["cli_error"] = traceback.format_exc()[-3000:]
    save()
    print(markdown(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
