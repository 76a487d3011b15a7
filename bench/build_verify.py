"""Build and verify throughput against I/O floors measured in the same run.

Build: `uir build-dataset` (sweep recipe, GN only: noise is what the floor does) on 24 crops (288x288) of
the bundled photos, pairs/s per core, against the I/O floor: read + decode the source, add Gaussian noise
with numpy, encode LQ and GT as PNG, write both, sha256 both. Also 2
workers vs 1 (equal-sized sources, so the comparison measures scaling, not one large photo's tail).
Verify: `uir verify-manifest` (hash + header decode of every file, on two threads a core: `verify_threads()`) against
reading and hashing the same files on one thread. Run: `python -m bench.build_verify` (or `make bench`);
`--verify-only` times verify alone, cases interleaved round-robin over 7 repetitions, with CPU time (all
threads) next to wall time, a root in three splits (where the leakage guard decodes every distinct GT)
and verify pinned to one core.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import dataclasses  # noqa: E402
import hashlib  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from uir_data.build import build_dataset  # noqa: E402
from uir_data.manifest import read_manifest  # noqa: E402
from uir_data.recipe import load_recipe  # noqa: E402
from uir_data.sources.bundled import bundled_items  # noqa: E402
from uir_data.verify import verify_manifest, verify_threads  # noqa: E402

REPEATS = 3


CROPS_PER_PHOTO = 4
CROP = 288  # below the smallest bundled photo side (300)


def make_sources(folder: Path) -> list[Path]:
    """24 equal-sized crops of the bundled photos, written as PNG."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for item in bundled_items():
        photo = cv2.imread(str(item.file), cv2.IMREAD_COLOR)
        height, width = photo.shape[:2]
        for index in range(CROPS_PER_PHOTO):
            top = (height - CROP) * index // max(1, CROPS_PER_PHOTO - 1)
            left = (width - CROP) * (CROPS_PER_PHOTO - 1 - index) // max(1, CROPS_PER_PHOTO - 1)
            path = folder / f"{item.file.stem}-{index}.png"
            cv2.imwrite(str(path), photo[top : top + CROP, left : left + CROP])
            paths.append(path)
    return paths


def io_floor(sources: list[Path], n_pairs: int, work: Path) -> float:
    """Seconds for the floor loop over n_pairs, cycling through the sources."""
    rng = np.random.default_rng(0)
    out = work / "floor"
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    for index in range(n_pairs):
        data = sources[index % len(sources)].read_bytes()
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


def timed_build(
    work: Path, workers: int, pairs_per_task: int | None = None, splits: dict[str, float] | None = None
) -> tuple[float, int]:
    out = work / f"build-{workers}-{pairs_per_task}" if splits is None else work / f"build-{len(splits)}-splits"
    shutil.rmtree(out, ignore_errors=True)
    recipe = "sweep" if splits is None else dataclasses.replace(load_recipe("sweep"), split_fractions=splits)
    started = time.perf_counter()
    summary = build_dataset(
        out, recipe, sources=(str(work / "sources"),), types=("GN",), workers=workers, pairs_per_task=pairs_per_task
    )
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


def verify_only(repeats: int = 7) -> None:
    """Verify against read+sha256 only (one build of each manifest shape, cases interleaved round-robin).

    Verify checks files on verify_threads() threads; read+sha256 is one thread. Both are also reported as CPU
    time (all threads), and verify once more pinned to one core, so the thread pool is not what makes a ratio.
    """
    with tempfile.TemporaryDirectory(prefix="uir-bench-") as tmp:
        work = Path(tmp)
        make_sources(work / "sources")
        timed_build(work, 1)  # 24 parts, all train: the near-duplicate guard has no second split to compare
        timed_build(work, 1, pairs_per_task=1000)  # the same pairs in one part
        timed_build(work, 1, splits=THREE_SPLITS)  # the guard decodes every distinct GT
        roots = {"24 parts": "build-1-None", "1 part": "build-1-1000", "24 parts, 3 splits": "build-3-splits"}
        cases = {f"verify ({name})": (lambda root=root: verify_manifest(work / root)) for name, root in roots.items()}
        # The profile: the guard's decodes (3 splits with and without it) and the thread pool (one core).
        cases["verify (24 parts, 3 splits), no near-dup guard"] = lambda: verify_manifest(
            work / "build-3-splits", near_duplicates=False
        )
        cases["verify (24 parts, 3 splits), one core"] = lambda: _on_one_core(
            lambda: verify_manifest(work / "build-3-splits")
        )
        cases["read+sha256 (one thread)"] = lambda: read_and_hash(work / "build-1-None")
        wall: dict[str, list[float]] = {name: [] for name in cases}
        cpu: dict[str, list[float]] = {name: [] for name in cases}
        for case in cases.values():  # warm-up: page cache, imports
            case()
        for repeat in range(repeats):
            names = list(cases)
            for name in names[repeat % len(names):] + names[: repeat % len(names)]:
                started, cpu_started = time.perf_counter(), time.process_time()
                result = cases[name]()
                assert not hasattr(result, "ok") or result.ok, result.problems[:3]
                wall[name].append(time.perf_counter() - started)
                cpu[name].append(time.process_time() - cpu_started)
        _, total = read_and_hash(work / "build-1-None")  # every root holds the same files
        floor, floor_cpu = (statistics.median(values["read+sha256 (one thread)"]) for values in (wall, cpu))
        threads = verify_threads()
        print(f"# verify benchmark ({total / 1e6:.0f} MB in {_files(work / 'build-1-None')} files, median of {repeats}, "
              f"interleaved; verify checks files on {threads} threads, read+sha256 on one)")
        print("| measure | MB/s | ratio to read+sha256 | CPU-time ratio | target |")
        print("|---|---|---|---|---|")
        for name in cases:
            seconds, cpu_seconds = statistics.median(wall[name]), statistics.median(cpu[name])
            target = ">= 0.8x" if name in ("verify (24 parts)", "verify (1 part)") else ""
            print(f"| {name} | {total / seconds / 1e6:.0f} | {floor / seconds:.2f}x | {floor_cpu / cpu_seconds:.2f}x "
                  f"| {target} |")
        print(f"cores: {os.cpu_count()}; CPU-time ratio: read+sha256 CPU seconds / the case's (all its threads)")


THREE_SPLITS = {"train": 0.8, "val": 0.1, "test": 0.1}


def _on_one_core(run):
    """run() with this thread, and the threads it starts, on one core (Linux); elsewhere as is."""
    if not hasattr(os, "sched_setaffinity"):
        return run()
    cores = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(cores)})
    try:
        return run()
    finally:
        os.sched_setaffinity(0, cores)


def _files(root: Path) -> int:
    table = read_manifest(root)
    return len(set(table.column("lq_path").to_pylist()) | set(table.column("gt_path").to_pylist()))


def main() -> None:
    if "--verify-only" in sys.argv[1:]:
        verify_only()
        return
    cv2.setNumThreads(1)
    with tempfile.TemporaryDirectory(prefix="uir-bench-") as tmp:
        work = Path(tmp)
        sources = make_sources(work / "sources")
        build_one, build_two, floors, verifies, hashes, one_part = [], [], [], [], [], []
        timed_build(work, 1, pairs_per_task=1000)  # the same pairs in one manifest part
        for _ in range(REPEATS):
            seconds, pairs = timed_build(work, 1)
            build_one.append(pairs / seconds)
            floors.append(pairs / io_floor(sources, pairs, work))
            seconds, _ = timed_build(work, 2)
            build_two.append(pairs / seconds)
            report = verify_manifest(work / "build-1-None")
            assert report.ok, report.problems[:3]
            verifies.append(report.bytes_hashed / report.seconds / 1e6)
            report = verify_manifest(work / "build-1-1000")
            one_part.append(report.bytes_hashed / report.seconds / 1e6)
            seconds, total = read_and_hash(work / "build-1-None")
            hashes.append(total / seconds / 1e6)
        one, two, floor = (statistics.median(v) for v in (build_one, build_two, floors))
        verify, hashing = statistics.median(verifies), statistics.median(hashes)
        verify_one_part = statistics.median(one_part)
        parts = len(list((work / "build-1-None" / "manifest").glob("*.parquet")))
        print(f"# build/verify benchmark ({pairs} GN pairs from {len(sources)} crops of the bundled photos, "
              f"median of {REPEATS})")
        print("| measure | value | baseline (same run) | ratio | target |")
        print("|---|---|---|---|---|")
        print(f"| build, 1 worker | {one:.1f} pairs/s | I/O floor {floor:.1f} pairs/s | {one / floor:.2f}x | >= 0.7x |")
        print(f"| build, 2 workers | {two:.1f} pairs/s | 1 worker {one:.1f} pairs/s | {two / one:.2f}x | >= 1.8x |")
        threads = verify_threads()
        print(f"| verify ({parts} parts, {threads} threads) | {verify:.0f} MB/s | read+sha256, 1 thread, {hashing:.0f} MB/s | {verify / hashing:.2f}x "
              "| >= 0.8x |")
        print(f"| verify (1 part, {threads} threads) | {verify_one_part:.0f} MB/s | read+sha256, 1 thread, {hashing:.0f} MB/s | "
              f"{verify_one_part / hashing:.2f}x | >= 0.8x |")
        print(f"cores: {os.cpu_count()}")


if __name__ == "__main__":
    main()
