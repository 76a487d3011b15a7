"""Forward throughput and peak memory of the four MaskDCPT backbones in their released configurations.

Run: python -m bench.backbones [--device cpu|cuda] [--size 128] [--batch 1] [--repeats 3] [--threads 2]
     [--backbones nafnet,restormer,swinir,promptir]
CPU (default): 128 px, batch 1. Timings are interleaved (round r runs every backbone once) so machine load
drifts hit all of them alike; the table gives img/s from the median wall time and the process CPU seconds per
image (steadier on a shared machine). Peak memory is measured in a fresh subprocess per backbone: the
process's peak RSS (VmHWM, reset just before the pass through /proc/self/clear_refs) minus its RSS before the
pass, i.e. what one forward adds on top of the loaded weights. On CUDA: torch.cuda.max_memory_allocated
around the pass instead (paper setting: --device cuda --size 256 --batch 16).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

from maskdcpt.models import create_backbone

# The released MaskDCPT configurations (reference/official_state_dicts/*_maskdcpt.json kwargs).
OFFICIAL = {
    "nafnet": dict(width=64, enc_blk_nums=[1, 1, 1, 28], middle_blk_num=1, dec_blk_nums=[1, 1, 1, 1], window_size=16),
    "restormer": dict(window_size=8),
    "swinir": dict(embed_dim=180, depths=[6] * 6, num_heads=[6] * 6, mlp_ratio=2.0, window_size=8, upscale=1),
    "promptir": dict(window_size=8),
}
MIB = 2**20


def build(name: str, device: torch.device) -> torch.nn.Module:
    torch.manual_seed(0)
    return create_backbone(name, **OFFICIAL[name]).to(device).eval()


def proc_status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


def peak_memory_mib(name: str, device: torch.device, size: int, batch: int) -> float:
    """Extra memory of one forward pass (see the module docstring), in MiB."""
    net = build(name, device)
    images = torch.rand(batch, 3, size, size, device=device)
    with torch.inference_mode():
        net(images)  # warm-up: lazily built kernels and buffers are not the pass's own cost
        if device.type == "cuda":
            torch.cuda.synchronize(device)
            torch.cuda.reset_peak_memory_stats(device)
            before = torch.cuda.memory_allocated(device)
            net(images)
            torch.cuda.synchronize(device)
            return (torch.cuda.max_memory_allocated(device) - before) / MIB
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
        before = proc_status_kib("VmRSS")
        net(images)
        return (proc_status_kib("VmHWM") - before) / 1024


def interleaved_timings(
    names: list[str], device: torch.device, size: int, batch: int, repeats: int
) -> dict[str, dict[str, float]]:
    nets = {name: build(name, device) for name in names}
    images = torch.rand(batch, 3, size, size, device=device)
    wall: dict[str, list[float]] = {name: [] for name in names}
    cpu: dict[str, list[float]] = {name: [] for name in names}
    with torch.inference_mode():
        for name in names:
            nets[name](images)  # warm-up
        for _ in range(repeats):
            for name in names:
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                start_wall, start_cpu = time.perf_counter(), time.process_time()
                nets[name](images)
                if device.type == "cuda":
                    torch.cuda.synchronize(device)
                wall[name].append(time.perf_counter() - start_wall)
                cpu[name].append(time.process_time() - start_cpu)
    return {
        name: {
            "params_m": sum(p.numel() for p in nets[name].parameters()) / 1e6,
            "img_per_s": batch / statistics.median(wall[name]),
            "cpu_s_per_img": statistics.median(cpu[name]) / batch,
        }
        for name in names
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--backbones", default=",".join(OFFICIAL))
    parser.add_argument("--memory-of", help=argparse.SUPPRESS)  # internal: one subprocess per backbone
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    if args.memory_of:
        print(json.dumps(peak_memory_mib(args.memory_of, device, args.size, args.batch)))
        return
    names = [name for name in args.backbones.split(",") if name]
    unknown = sorted(set(names) - set(OFFICIAL))
    if unknown:
        parser.error(f"unknown backbone(s) {', '.join(unknown)}; choose from {', '.join(OFFICIAL)}")
    results = interleaved_timings(names, device, args.size, args.batch, args.repeats)
    for name in names:
        done = subprocess.run(
            [sys.executable, "-m", "bench.backbones", "--memory-of", name, "--device", args.device,
             "--size", str(args.size), "--batch", str(args.batch), "--threads", str(args.threads)],
            capture_output=True, text=True, check=True,
        )
        results[name]["peak_mib"] = json.loads(done.stdout)
    memory = "peak CUDA MiB" if device.type == "cuda" else "peak RSS MiB"
    print(f"{args.device}, {args.size} px, batch {args.batch}, {args.threads} threads, median of {args.repeats}")
    print(f"| backbone | params (M) | img/s | CPU s/img | {memory} |")
    print("|---|---|---|---|---|")
    for name in names:
        row = results[name]
        print(f"| {name} | {row['params_m']:.2f} | {row['img_per_s']:.2f} | {row['cpu_s_per_img']:.2f} | "
              f"{row['peak_mib']:.0f} |")


if __name__ == "__main__":
    main()
