"""Every check behind `uir verify-manifest`, for a dataset root, a manifest folder or one Parquet file.

Checks: schema and metadata; unique sample ids; labels, names and components agree with the taxonomy;
split/origin vocabularies; paths relative, POSIX and inside the root; files exist; byte sizes; sha256;
images decode and their size matches the row (so LQ and GT sizes agree); no group in two splits; and the
split-leakage guard (same or near-duplicate clean image in two splits or in a named test set).

Decoding: every file's header is decoded (format and size). Pixels are fully decoded for third-party
files (paired datasets copied byte for byte, whose source may be corrupt) and, with `full=True`, for every
file. For engine-generated files a matching sha256 already proves the bytes are those of a successful
encode, and a full decode would cost ~20x the hash (research/perf_baseline.md Table 2).
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

from uir_data.errors import UsageError
from uir_data.hub import verify_export
from uir_data.image_io import decode_rgb, image_size
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
from uir_data.problems import Problem
from uir_data.taxonomy import BY_ABBREV, label_map

HASH_CHUNK = 1 << 20


@dataclass
class VerifyReport:
    path: str
    rows: int = 0
    files_checked: int = 0
    bytes_hashed: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

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
            "problems": [p.to_dict() for p in self.problems],
        }


def _read_part(part: Path) -> pa.Table | str:
    try:
        return pq.ParquetFile(part).read()  # 3x less overhead than read_table for small parts
    except (OSError, pa.ArrowInvalid) as error:
        return f"not a readable Parquet file ({error})"


def _load_table(path: Path, report: VerifyReport) -> pa.Table | None:
    """Read every part, reporting schema problems per file; None when nothing usable was read."""
    parts = part_files(path)
    expected_taxonomy = label_map()
    tables = []
    # Part reads release the GIL; a build of small tasks has many parts, each ~1 ms of fixed cost.
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
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
    if not tables:
        return None
    return pa.concat_tables(tables)


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


def _sha256_file(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@dataclass(frozen=True)
class FileCheck:
    """One distinct file to check, with what the manifest says about it."""

    rel: str
    sha256: str
    size: int
    height_width: tuple[int, int]
    sample_id: str
    decode_pixels: bool


def _check_file(root: str, item: FileCheck, quick: bool) -> tuple[list[Problem], int]:
    """Problems of one file and the bytes hashed; pure, so files can be checked on several threads."""
    rel, sample_id = item.rel, item.sample_id
    path = os.path.join(root, rel)  # plain strings: pathlib's parsing showed up next to hashing
    try:
        if quick:
            size = os.stat(path).st_size
        else:
            with open(path, "rb") as handle:
                data = handle.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return [Problem("missing-file", "file does not exist", sample_id, rel)], -1
    if quick:
        wrong = size != item.size
        return ([Problem("bytes", f"size {size} bytes, manifest says {item.size}", sample_id, rel)] if wrong else []), 0
    problems = []
    if len(data) != item.size:
        problems.append(Problem("bytes", f"size {len(data)} bytes, manifest says {item.size}", sample_id, rel))
    if hashlib.sha256(data).hexdigest() != item.sha256:
        problems.append(Problem("sha256", "content digest differs from the manifest", sample_id, rel))
    if item.decode_pixels:
        pixels = decode_rgb(data)
        size_hw = None if pixels is None else pixels.shape[:2]
    else:
        size_hw = image_size(data)
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
    return problems, len(data)


def _recipe_test_sets(root: Path) -> tuple[str, ...]:
    try:
        recipe = json.loads((root / "recipe.json").read_text())
    except (OSError, json.JSONDecodeError):
        return ()
    return tuple(recipe.get("test_sets", ()))


def verify_manifest(
    path: Path,
    *,
    quick: bool = False,
    full: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> VerifyReport:
    """Run every check on a dataset root, manifest folder, Parquet file or Hub export folder."""
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
        shards = sorted((path / "data").glob("*.parquet"))
        report.files_checked = len(shards)
        report.bytes_hashed = 0 if quick else sum(shard.stat().st_size for shard in shards)  # embedded images
        report.seconds = time.perf_counter() - started
        return report
    try:
        table = _load_table(path, report)
    except ManifestError as error:
        raise UsageError(str(error)) from None
    if table is None:
        report.seconds = time.perf_counter() - started
        return report
    root = dataset_root_of(path)
    rows = table.select(list(COLUMNS)).to_pylist()
    report.rows = len(rows)
    _row_problems(rows, report)

    # The leakage guard decodes every distinct GT (perceptual hashes) while this thread hashes files:
    # OpenCV and hashlib both release the GIL, so on two cores the two overlap instead of adding up.
    from uir_data.leakage import find_leaks

    with ThreadPoolExecutor(max_workers=1) as background:
        leaks = background.submit(
            find_leaks, table, root, test_sets=_recipe_test_sets(root), near_duplicates=not quick
        )
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
                files.append(FileCheck(rel, *expected, row["sample_id"], full or third_party))
        # Reading and hashing release the GIL: a few threads keep every core busy; map keeps row order.
        with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1)) as pool:
            results = pool.map(lambda item: _check_file(str(root), item, quick), files)
            for done, (problems, hashed) in enumerate(results, start=1):
                report.problems.extend(problems)
                if hashed >= 0:
                    report.files_checked += 1
                    report.bytes_hashed += hashed
                if on_progress and (done % 64 == 0 or done == len(files)):
                    on_progress(done, len(files))
        leak_problems = leaks.result()
    report.problems.extend(leak_problems)
    report.seconds = time.perf_counter() - started
    return report
