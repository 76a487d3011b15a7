"""Throughput and memory of the `tiny-cpu` preset on CPU: pre-training (MaskDCPT) vs fine-tuning.

Run: python -m bench.train_cpu [--steps N] [--threads N (0: uir's default)] [--workers N]
Each stage runs the real loop (`maskdcpt.train.train`: DataLoader decoding, crops, forward, loss,
backward, AdamW, EMA) in its own process on a generated toy dataset, so peak RSS is per stage.
img/s is the median over log windows after the first (warm-up) one; the ratio column is each stage's
img/s divided by pre-training's, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("pretrain", "finetune")


def child(stage: str, dataset: str, out: str, steps: int, threads: int, workers: int) -> None:
    from maskdcpt.config import apply_overrides, load_preset
    from maskdcpt.runlog import MetricsLog
    from maskdcpt.train import train

    config = load_preset("tiny-cpu")
    config.data.manifests = [dataset]
    config = apply_overrides(config, [f'stage="{stage}"', f"run.steps={steps}", "run.log_every=10",
                                      "run.eval_every=100000", f"run.ckpt_every={steps}", f"data.workers={workers}",
                                      'run.device="cpu"', f"run.threads={threads}"])
    train(config, Path(out))
    windows = [r["img_per_s"] for r in MetricsLog(Path(out)).read() if r["kind"] == "train"][1:]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(json.dumps({"stage": stage, "img_per_s": statistics.median(windows), "windows": len(windows),
                      "peak_rss_mib": peak_mib}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--threads", type=int, default=0, help="torch threads of the main process (0: uir's default)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--child", nargs=3, metavar=("STAGE", "DATASET", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child, args.steps, args.threads, args.workers)
        return 0
    from maskdcpt.toydata import write_toy_dataset

    with tempfile.TemporaryDirectory() as tmp:
        dataset = write_toy_dataset(Path(tmp) / "ds", scenes=24, sizes=(96, 160))
        results = {}
        for stage in STAGES:
            done = subprocess.run(
                [sys.executable, "-m", "bench.train_cpu", "--steps", str(args.steps), "--threads", str(args.threads),
                 "--workers", str(args.workers), "--child", stage, str(dataset), str(Path(tmp) / stage)],
                capture_output=True, text=True, check=True,
            )
            results[stage] = json.loads(done.stdout.strip().splitlines()[-1])
    base = results["pretrain"]["img_per_s"]
    print(f"tiny-cpu preset (NAFNet width 16, 64 px crops, batch 8), {args.steps} steps, "
          f"{args.threads or 'default'} torch thread(s), {args.workers} DataLoader worker(s)\n")
    print("| stage | img/s (median of windows) | ratio vs pretrain | peak RSS (MiB) |")
    print("|---|---|---|---|")
    for stage in STAGES:
        r = results[stage]
        print(f"| {stage} | {r['img_per_s']:.1f} | {r['img_per_s'] / base:.2f}x | {r['peak_rss_mib']:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
