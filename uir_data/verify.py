"""Every check behind `uir verify-manifest`, for a dataset root, a manifest folder or one Parquet file.

Checks: schema and metadata; unique sample ids; labels, names and components agree with the taxonomy;
split/origin vocabularies; paths relative, POSIX and inside the root; files exist; byte sizes; sha256;
images decode and their size matches the row (so LQ and GT sizes agree); no group in two splits; and the
split-leakage guard (same or near-duplicate clean image in two splits or in a named test set).

Decoding: every file's header is decoded (format and size). Pixels are fully decoded for third-party
files (paired datasets copied byte for byte, whose source may be corrupt) and, with `full=True`, for every
file. For engine-generated files a matching sha256 already proves the bytes are those of a successful
encode, and a full decode would cost ~20x the hash (bench/build_verify.py measures it).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from uir_data.dataset_root import RUN_FILE, build_status
from uir_data.errors import UsageError
from uir_data.hub import verify_export
from uir_data.hub.layout import export_shards
from uir_data.image_io import decode_rgb, image_size
from uir_data.leakage import Fingerprint, find_leaks, perceptual_hashes, split_rows
from uir_data.manifest import (
    COLUMNS,
    META_TAXONOMY,
    ORIGINS,
    SPLITS,
    ManifestError,
    dataset_root_of,
    part_files,
    path_problem,
    schema_problems,
)
from uir_data.member_io import MemberFileError, RootFiles, read_fd
from uir_data.problems import Problem
from uir_data.taxonomy import BY_ABBREV, label_map

HASH_CHUNK = 1 << 20


def verify_threads() -> int:
    """Threads verify reads, hashes and decodes on: two a core, at most 32 (each may hold a 16 MiB file)."""
    # Reading, hashing and decoding release the GIL, the bookkeeping around them does not: with two threads a
    # core, one keeps the core busy while the other waits for the GIL (on a shared 2-core machine, 4 threads
    # ran 1.5x as fast as 2 for the same CPU time).
    return min(32, 2 * (os.cpu_count() or 1))


@dataclass
class VerifyReport:
    path: str
    rows: int = 0
    files_checked: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)
    incomplete: str = ""  # the build's own account of an unfinished root ("incomplete: 190 of 684 pairs; ...")

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {
            "path": self.path,
            "ok": self.ok,
            "rows": self.rows,
            "files_checked": self.files_checked,
            "bytes_hashed": self.bytes_hashed,
            "seconds": round(self.seconds, 3),
            "complete": not self.incomplete,
            "problems": [p.to_dict() for p in self.problems],
        }


def _read_part(part: Path) -> pa.Table | str:
    try:
        # ParquetFile.read: 3x less overhead than read_table for small parts. Parts are already read on a few
        # threads; Arrow's own pool on top costs more than it saves (0.85 vs 1.4 ms for a 26-row part).
        return pq.ParquetFile(part).read(use_threads=False)
    except (OSError, pa.ArrowInvalid) as error:
        return f"not a readable Parquet file ({error})"


def _read_parts(path: Path, report: VerifyReport, pool: ThreadPoolExecutor) -> list[pa.Table]:
    """Every part that follows the schema, in order, reporting unreadable parts and schema problems per file."""
    parts = part_files(path)
    expected_taxonomy = label_map()
    tables = []
    # Part reads release the GIL; a build of small tasks has many parts, each ~1 ms of fixed cost.
    for part, table in zip(parts, pool.map(_read_part, parts), strict=True):
        if isinstance(table, str):
            report.problems.append(Problem("parquet", table, file=str(part)))
            continue
        problems = schema_problems(table.schema)
        for message in problems:
            report.problems.append(Problem("schema", message, file=str(part)))
        taxonomy = (table.schema.metadata or {}).get(META_TAXONOMY)
        if taxonomy is not None and json.loads(taxonomy) != expected_taxonomy:
            report.problems.append(
                Problem("metadata", "taxonomy in metadata differs from this engine's labels", file=str(part))
            )
        if not problems:
            tables.append(table)
    return tables


def _row_problems(rows: list[dict], report: VerifyReport) -> None:
    seen: dict[str, int] = {}
    group_splits: dict[str, set[str]] = defaultdict(set)
    group_example: dict[tuple[str, str], str] = {}
    for row in rows:
        sample_id = row["sample_id"]
        seen[sample_id] = seen.get(sample_id, 0) + 1
        kind = BY_ABBREV.get(row["degradation"])
        if kind is None:
            report.problems.append(Problem("taxonomy", f"unknown degradation {row['degradation']!r}", sample_id))
        else:
            if row["label"] != kind.label:
                report.problems.append(
                    Problem("label", f"label {row['label']} but {kind.abbrev} is class {kind.label}", sample_id)
                )
            if tuple(row["components"] or ()) != kind.components:
                report.problems.append(
                    Problem("components", f"components {row['components']} != {list(kind.components)}", sample_id)
                )
        if row["split"] not in SPLITS:
            report.problems.append(Problem("split", f"split {row['split']!r} is not one of {SPLITS}", sample_id))
        if row["origin"] not in ORIGINS:
            report.problems.append(Problem("origin", f"origin {row['origin']!r} is not one of {ORIGINS}", sample_id))
        try:
            json.loads(row["params"])
        except (TypeError, json.JSONDecodeError):
            report.problems.append(Problem("params", "params is not valid JSON", sample_id))
        for column in ("lq_path", "gt_path"):
            reason = path_problem(row[column])
            if reason:
                report.problems.append(Problem("path", reason, sample_id, row[column]))
        group_splits[row["group_id"]].add(row["split"])
        group_example.setdefault((row["group_id"], row["split"]), sample_id)
    for sample_id, count in seen.items():
        if count > 1:
            report.problems.append(Problem("duplicate-id", f"sample_id appears {count} times", sample_id))
    for group, splits in group_splits.items():
        if len(splits) > 1:
            examples = ", ".join(f"{s}: {group_example[(group, s)]}" for s in sorted(splits))
            report.problems.append(
                Problem("group-split", f"group {group!r} appears in splits {sorted(splits)} ({examples})")
            )


# Files up to this size are read in one call (the fastest way to hash small images); larger ones are
# hashed in chunks so a huge file never sits in memory whole.
WHOLE_READ_BYTES = 16 * 2**20
# image_size looks at the header and, for PNG, the 12-byte IEND chunk at the end.
TAIL_BYTES = 12


@dataclass(frozen=True)
class FileCheck:
    """One distinct file to check, with what the manifest says about it."""

    rel: str
    sha256: str
    size: int
    height_width: tuple[int, int]
    sample_id: str
    decode_pixels: bool
    fingerprint: bool = False  # a GT the near-duplicate guard needs: fingerprinted from the bytes read here


def _hash_in_chunks(fd: int, size: int) -> tuple[str, bytes, int]:
    """(sha256, head + tail for the header check, bytes read) of a large file, HASH_CHUNK at a time."""
    digest = hashlib.sha256()
    buffer = bytearray(HASH_CHUNK)
    view = memoryview(buffer)
    head = b""
    tail = b""
    total = 0
    while count := os.readv(fd, [buffer]):
        digest.update(view[:count])
        if not head:
            head = bytes(view[:count])
        tail = (tail + bytes(view[max(0, count - TAIL_BYTES):count]))[-TAIL_BYTES:]
        total += count
    return digest.hexdigest(), head + tail, total


def _check_file(
    files: RootFiles, item: FileCheck, quick: bool, fingerprints: dict[str, Fingerprint]
) -> tuple[list[Problem], int]:
    """Problems of one file and the bytes hashed (-1: not readable); files are checked on several threads.

    A file with `fingerprint` set gets its perceptual hashes into `fingerprints` from the bytes already read
    for the digest, so the leakage guard does not open and read it a second time.
    """
    rel, sample_id = item.rel, item.sample_id
    try:
        fd, info = files.open(rel)
    except MemberFileError as error:
        return [Problem(error.check, error.message, sample_id, rel)], -1
    try:
        if info.st_size != item.size:
            # Never hash (or load) a file that cannot be the one the build wrote: another size is another
            # content, so its digest differs too without reading it.
            problems = [Problem("bytes", f"size {info.st_size} bytes, manifest says {item.size}", sample_id, rel)]
            if not quick:
                problems.append(Problem("sha256", "content differs from the manifest (its size does)", sample_id, rel))
            return problems, 0
        if quick:
            return [], 0
        if item.size <= WHOLE_READ_BYTES:
            data = read_fd(fd, item.size)
            digest, header, hashed = hashlib.sha256(data).hexdigest(), data, len(data)
        else:
            digest, header, hashed = _hash_in_chunks(fd, item.size)
            data = None
    except OSError as error:
        return [Problem("unreadable", f"cannot read the file ({error.strerror})", sample_id, rel)], -1
    finally:
        os.close(fd)
    if item.fingerprint and data is not None:
        fingerprints[rel] = perceptual_hashes(data, min(item.height_width))  # dict stores are atomic
    problems = []
    if hashed != item.size:
        problems.append(Problem("bytes", f"read {hashed} bytes, manifest says {item.size}", sample_id, rel))
    if digest != item.sha256:
        problems.append(Problem("sha256", "content digest differs from the manifest", sample_id, rel))
    if item.decode_pixels:
        if data is None:  # pixels need the whole file; only third-party files (or --full) get here
            try:
                data = files.read(rel)
            except MemberFileError as error:
                return [*problems, Problem(error.check, error.message, sample_id, rel)], hashed
        pixels = decode_rgb(data)
        size_hw = None if pixels is None else pixels.shape[:2]
    else:
        size_hw = image_size(header)
    expected_hw = item.height_width
    if size_hw is None:
        problems.append(Problem("decode", "file does not decode as an image", sample_id, rel))
    elif tuple(size_hw) != expected_hw:
        problems.append(
            Problem(
                "image-size",
                f"image is {size_hw[1]}x{size_hw[0]}, manifest says {expected_hw[1]}x{expected_hw[0]}",
                sample_id,
                rel,
            )
        )
    return problems, hashed


def _files_to_check(rows: list[dict], report: VerifyReport, *, full: bool, to_fingerprint: set[str]) -> list[FileCheck]:
    """Each distinct file once, in row order; rows that disagree about a shared file are a problem."""
    checked: dict[str, tuple[str, int, tuple[int, int]]] = {}
    files: list[FileCheck] = []
    for row in rows:
        hw = (row["height"], row["width"])
        third_party = row["origin"] != "generated"
        for side in ("lq", "gt"):
            rel = row[f"{side}_path"]
            if path_problem(rel):
                continue
            expected = (row[f"{side}_sha256"], row[f"{side}_bytes"], hw)
            if rel in checked:  # a GT shared by several LQs is checked once, but must agree everywhere
                if checked[rel] != expected:
                    report.problems.append(
                        Problem("shared-file", "rows disagree about this file's digest, size or shape", row["sample_id"], rel)
                    )
                continue
            checked[rel] = expected
            files.append(FileCheck(rel, *expected, row["sample_id"], full or third_party, rel in to_fingerprint))
    return files


def _recipe_test_sets(root: Path) -> tuple[str, ...]:
    try:
        recipe = json.loads((root / "recipe.json").read_text())
    except (OSError, json.JSONDecodeError):
        return ()
    return tuple(recipe.get("test_sets", ()))


def _completeness(root: Path) -> tuple[str, list[Problem]]:
    """Compare what is there with what the build planned (run record and task markers): (incomplete, problems)."""
    try:
        status = build_status(root)
    except ManifestError as error:
        return "", [Problem("run-record", str(error), file=str(root / RUN_FILE))]
    if status is not None and not status.complete:
        return status.message(), [Problem("incomplete", status.message())]
    return "", []


def verify_manifest(
    path: Path,
    *,
    quick: bool = False,
    full: bool = False,
    near_duplicates: bool | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Run every check on a dataset root, manifest folder, Parquet file or Hub export folder.

    `near_duplicates` (default: not quick) runs the perceptual-hash half of the leakage guard, which decodes
    every distinct GT; exact duplicates (same sha256 in two splits) are always checked.
    """
    started = time.perf_counter()
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no such file or folder")
    report = VerifyReport(str(path))
    if path.is_dir() and verify_export.is_export_folder(path):
        report.problems.extend(verify_export.verify_export(path, quick=quick, progress=on_progress))
        # a missing or broken record is already one of the problems
        with contextlib.suppress(OSError, ValueError, TypeError):
            report.rows = int(json.loads((path / "uir-export.json").read_text()).get("rows", 0))
        shards = [shard.path for shard in export_shards(path)]
        report.files_checked = len(shards)
        report.bytes_hashed = 0 if quick else sum(shard.stat().st_size for shard in shards)  # embedded images
        report.seconds = time.perf_counter() - started
        return report
    root = dataset_root_of(path)
    workers = verify_threads()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # One part file is a deliberate subset; a folder must hold everything the build planned. The markers
        # are read while the parts are.
        completeness = pool.submit(_completeness, root) if path.is_dir() else None
        try:
            tables, no_parts = _read_parts(path, report, pool), None
        except ManifestError as error:
            tables, no_parts = [], error
        if completeness is not None:
            report.incomplete, problems = completeness.result()
            report.problems[:0] = problems
        if no_parts and not report.incomplete:  # a build killed before its first task finished has no part
            raise UsageError(str(no_parts)) from None
        if not tables:
            report.seconds = time.perf_counter() - started
            return report
        table = pa.concat_tables(tables)
        rows = table.select(list(COLUMNS)).to_pylist()
        report.rows = len(rows)
        _row_problems(rows, report)

        near_duplicates = not quick if near_duplicates is None else near_duplicates
        test_sets = _recipe_test_sets(root)
        # The near-duplicate guard decodes one GT per distinct digest: fingerprinted from the bytes read here.
        split = split_rows(table, test_sets)
        to_fingerprint = split.fingerprinted_files() if near_duplicates and not quick else set()
        checks = _files_to_check(rows, report, full=full, to_fingerprint=to_fingerprint)
        fingerprints: dict[str, Fingerprint] = {}
        members = RootFiles(root)
        # Batches of files, not one task per file: the pool's own cost (~10 us a task) was ~5% of hashing.
        size = max(1, min(64, len(checks) // (8 * workers)))
        batches = [checks[start : start + size] for start in range(0, len(checks), size)]
        done = 0
        for results in pool.map(lambda batch: [_check_file(members, item, quick, fingerprints) for item in batch], batches):
            for problems, hashed in results:  # map keeps row order
                report.problems.extend(problems)
                if hashed >= 0:
                    report.files_checked += 1
                    report.bytes_hashed += hashed
            done += len(results)
            if on_progress:
                on_progress(done, len(checks))
    # Files the workers did not fingerprint (not read whole, refused, wrong size) the guard reads itself.
    report.problems.extend(
        find_leaks(
            table,
            root,
            test_sets=test_sets,
            near_duplicates=near_duplicates,
            fingerprints=fingerprints,
            split=split,
        )
    )
    report.seconds = time.perf_counter() - started
    return report
