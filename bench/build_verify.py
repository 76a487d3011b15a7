"""Build and verify throughput against I/O floors measured in the same run.

Build: `uir build-dataset` (sweep recipe, GN only: noise is what the floor does) on the bundled photos,
pairs/s per core, against the I/O floor: read + decode the source, add Gaussian noise with numpy, encode
LQ and GT as PNG, write both, sha256 both (research/perf_baseline.md Table 3). Also 2 workers vs 1.
Verify: `uir verify-manifest` (hash + header decode of every file) against reading and hashing the same
files. Run: `python -m bench.build_verify` (or `make bench`).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import hashlib  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from uir_data.build import build_dataset  # noqa: E402
from uir_data.manifest import read_manifest  # noqa: E402
from uir_data.sources.bundled import bundled_items  # noqa: E402
from uir_data.verify import verify_manifest  # noqa: E402

REPEATS = 3


def io_floor(n_pairs: int, work: Path) -> float:
    """Seconds for the floor loop over n_pairs, cycling through the bundled photos."""
    items = bundled_items()
    rng = np.random.default_rng(0)
    out = work / "floor"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for index in range(n_pairs):
        data = items[index % len(items)].file.read_bytes()
        gt = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        noisy = gt.astype(np.float32) + rng.standard_normal(gt.shape, dtype=np.float32) * 15.0
        lq = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
        lq_png = cv2.imencode(".png", lq)[1].tobytes()
        gt_png = cv2.imencode(".png", gt)[1].tobytes()
        (out / f"{index}-lq.png").write_bytes(lq_png)
        (out / f"{index}-gt.png").write_bytes(gt_png)
        hashlib.sha256(lq_png).hexdigest()
        hashlib.sha256(gt_png).hexdigest()
    return time.perf_counter() - started


def timed_build(work: Path, workers: int) -> tuple[float, int]:
    out = work / f"build-{workers}"
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = build_dataset(out, "sweep", types=("GN",), workers=workers, pairs_per_task=13)
    return time.perf_counter() - started, summary.pairs_written


def read_and_hash(root: Path) -> tuple[float, int]:
    table = read_manifest(root)
    files = sorted(set(table.column("lq_path").to_pylist()) | set(table.column("gt_path").to_pylist()))
    started = time.perf_counter()
    total = 0
    for rel in files:
        data = (root / rel).read_bytes()
        hashlib.sha256(data).hexdigest()
        total += len(data)
    return time.perf_counter() - started, total


def main() -> None:
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="uir-bench-") as tmp:
        work = Path(tmp)
        build_one, build_two, floors, verifies, hashes = [], [], [], [], []
        for _ in range(REPEATS):
            seconds, pairs = timed_build(work, 1)
            build_one.append(pairs / seconds)
            floors.append(pairs / io_floor(pairs, work))
            seconds, _ = timed_build(work, 2)
            build_two.append(pairs / seconds)
            report = verify_manifest(work / "build-1")
            assert report.ok, report.problems[:3]
            verifies.append(report.bytes_hashed / report.seconds / 1e6)
            seconds, total = read_and_hash(work / "build-1")
            hashes.append(total / seconds / 1e6)
        one, two, floor = (statistics.median(v) for v in (build_one, build_two, floors))
        verify, hashing = statistics.median(verifies), statistics.median(hashes)
        print(f"# build/verify benchmark ({pairs} GN pairs from the bundled photos, median of {REPEATS})")
        print("| measure | value | baseline (same run) | ratio | target |")
        print("|---|---|---|---|---|")
        print(f"| build, 1 worker | {one:.1f} pairs/s | I/O floor {floor:.1f} pairs/s | {one / floor:.2f}x | >= 0.7x |")
        print(f"| build, 2 workers | {two:.1f} pairs/s | 1 worker {one:.1f} pairs/s | {two / one:.2f}x | >= 1.8x |")
        print(f"| verify | {verify:.0f} MB/s | read+sha256 {hashing:.0f} MB/s | {verify / hashing:.2f}x | >= 0.8x |")
        print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
