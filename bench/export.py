"""Hub export throughput against plain pyarrow writing the same rows, measured in the same run.

Dataset: a synthetic schema-v1 root of incompressible image-sized files (the export never decodes images, so
random bytes behave like PNG payloads): 240 pairs, 4 LQs per shared GT, ~300 KB per file, 3 types x 3 splits.
Cases, interleaved round-robin, median of REPEATS:
- `uir export`: export_dataset as push-to-hub runs it (source size check, CDC, page index, per-type shards).
- `uir export, no CDC`: the same without content-defined chunking (what CDC costs).
- `uir export + source sha256`: the default, re-hashing every source file while reading it.
- `push-to-hub local phase`: the export, then verify_export(quick=True) hashing every embedded image.
- `pyarrow baseline`: read the same files, build the same table (same rows, same shard split, same 100-row
  row groups) and `pq.write_table` it with pyarrow's defaults.
Throughput = embedded image bytes / seconds. Run: `python -m bench.export` (or `make bench`).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from uir_data.hub.export import export_dataset
from uir_data.hub.layout import export_schema
from uir_data.hub.shards import ImageReader, pair_sizes, plan_shards, row_groups
from uir_data.hub.verify_export import verify_export
from uir_data.manifest import read_manifest, rows_to_table, write_table

REPEATS = 5
PAIRS = 240
LQ_PER_GT = 4
FILE_BYTES = 300_000
TYPES = (("GN", 0), ("J", 5), ("MB", 2))
SPLITS = ("train", "train", "train", "val", "test")


def make_root(root: Path) -> None:
    rng = np.random.default_rng(0)
    rows = []
    gt_data = b""
    for index in range(PAIRS):
        degradation, label = TYPES[index % len(TYPES)]
        if index % LQ_PER_GT == 0:
            gt_data = rng.integers(0, 256, FILE_BYTES + index, dtype=np.uint8).tobytes()
            gt_path = f"gt/{index // LQ_PER_GT}.png"
            (root / gt_path).parent.mkdir(parents=True, exist_ok=True)
            (root / gt_path).write_bytes(gt_data)
        lq_data = rng.integers(0, 256, FILE_BYTES - index, dtype=np.uint8).tobytes()
        lq_path = f"lq/{degradation}/{index}.png"
        (root / lq_path).parent.mkdir(parents=True, exist_ok=True)
        (root / lq_path).write_bytes(lq_data)
        rows.append({
            "sample_id": f"bench/{index:05d}", "split": SPLITS[(index // LQ_PER_GT) % len(SPLITS)],
            "degradation": degradation, "label": label, "components": [degradation], "level": 0,
            "params": json.dumps({"i": index}), "origin": "generated", "source_dataset": "bench",
            "source_path": f"{index}.png", "group_id": f"bench/{index // LQ_PER_GT}", "license": "CC0-1.0",
            "lq_path": lq_path, "gt_path": gt_path, "height": 300, "width": 250,
            "lq_sha256": hashlib.sha256(lq_data).hexdigest(), "gt_sha256": hashlib.sha256(gt_data).hexdigest(),
            "lq_bytes": len(lq_data), "gt_bytes": len(gt_data), "seed": index,
        })
    write_table(rows_to_table(rows, "bench", "0" * 16), root / "manifest" / "part-00000.parquet")


def pyarrow_baseline(root: Path, out: Path) -> None:
    """Same rows, same shards, same row groups, written with pq.write_table defaults."""
    table = read_manifest(root)
    reader = ImageReader(root, table, check_hashes=False)
    schema = export_schema()
    sizes = pair_sizes(table)
    out.mkdir(parents=True, exist_ok=True)
    for plan in plan_shards(table, 500 * 10**6):
        groups = [reader.batch(table, schema, group) for group in row_groups(plan.rows, sizes, 100, 64 * 2**20)]
        target = out / plan.path
        target.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.concat_tables(groups), target, row_group_size=100)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="uir-bench-export-"))
    try:
        root = work / "root"
        make_root(root)
        payload = sum(pair_sizes(read_manifest(root)))
        cases = {
            "uir export": lambda out: export_dataset(root, out),
            "uir export, no CDC": lambda out: export_dataset(root, out, cdc=False),
            "uir export + source sha256": lambda out: export_dataset(root, out, check_hashes=True),
            "push-to-hub local phase": lambda out: verify_export(export_dataset(root, out).export_dir, quick=True),
            "pyarrow baseline": lambda out: pyarrow_baseline(root, out),
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for case in cases.values():  # warm-up: page cache, imports
            case(work / "warm")
            shutil.rmtree(work / "warm")
        for repeat in range(REPEATS):
            names = list(cases)
            names = names[repeat % len(names):] + names[: repeat % len(names)]
            for name in names:
                out = work / "out"
                started = time.perf_counter()
                cases[name](out)
                timings[name].append(time.perf_counter() - started)
                shutil.rmtree(out)
        base = statistics.median(timings["pyarrow baseline"])
        print(f"export of {PAIRS} pairs, {payload / 1e6:.0f} MB of embedded image bytes, median of {REPEATS}")
        print(f"{'case':<28} {'seconds':>8} {'MB/s':>8} {'vs pyarrow':>11}")
        for name, values in timings.items():
            seconds = statistics.median(values)
            print(f"{name:<28} {seconds:>8.3f} {payload / 1e6 / seconds:>8.0f} {base / seconds:>10.2f}x")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
