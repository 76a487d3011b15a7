"""Data-loader throughput alone (no model): 256 px training crops from a manifest vs from a Hub export.

Run: python -m bench.loader [--scenes N] [--batches N] [--workers N] [--window N]
A generated dataset (scenes x 5 types of 320-448 px PNG pairs) is read three ways through the real
training path (StepSampler -> TrainPairs -> DataLoader): from its manifest (one PNG file per image),
from its Hub export read row group by row group (`data.shuffle_window` row groups mixed at a time, as
training does), and from the export with a full random shuffle (one row-group read per sample, the old
behaviour). img/s counts LQ/GT pairs, after one warm-up batch. Compare with a training step's
consumption: batch 16 at 256 px needs 16 / step_time img/s per rank (see bench.gpu_train).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def measure(index, blocks, window: int, batches: int, workers: int, crop: int) -> float:
    from maskdcpt.data import ClassMap, TrainPairs, make_loader
    from maskdcpt.sampling import StepSampler, repeat_counts

    index.keep_row_groups(window if blocks is not None else 2)
    sampler = StepSampler(repeat_counts(index.degradations, {}), 16, seed=0, end_step=batches + 1,
                          blocks=blocks, window=window)
    loader = iter(make_loader(TrainPairs(index, ClassMap.from_index(index), crop, 0), sampler, workers))
    next(loader)  # warm-up: worker start, first row groups
    started = time.perf_counter()
    images = sum(len(batch["lq"]) for batch in loader)
    return images / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", type=int, default=120)
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--window", type=int, default=8)
    parser.add_argument("--crop", type=int, default=256)
    parser.add_argument("--row-group-rows", type=int, default=100,
                        help="rows per row group of the export (uir push-to-hub writes up to 100)")
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    from maskdcpt.data import open_index
    from maskdcpt.toydata import write_toy_dataset
    from uir_data.hub.export import export_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = write_toy_dataset(Path(tmp) / "ds", scenes=args.scenes, sizes=(320, 448), val_scenes=1)
        export_dataset(root, Path(tmp) / "export", row_group_rows=args.row_group_rows)
        manifest = open_index([root], "train")
        export = open_index([Path(tmp) / "export"], "train")
        rows = {"manifest (PNG files)": measure(manifest, None, args.window, args.batches, args.workers, args.crop),
                f"Hub export, row groups shuffled (window {args.window})":
                    measure(export, export.read_blocks(), args.window, args.batches, args.workers, args.crop),
                "Hub export, full random shuffle": measure(open_index([Path(tmp) / "export"], "train"), None,
                                                           args.window, args.batches, args.workers, args.crop)}
    print(f"{len(manifest)} train pairs of 320-448 px, {args.row_group_rows} rows per row group, {args.crop} px "
          f"crops, batch 16, {args.batches} batches, {args.workers} worker(s)\n")
    print("| source | img/s |")
    print("|---|---|")
    for name, speed in rows.items():
        print(f"| {name} | {speed:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
