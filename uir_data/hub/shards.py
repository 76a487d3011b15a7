"""Shards of an export: which rows go in which file, and how a shard is read from the root and written.

Shards follow what `datasets` itself writes (docs/publishing.md): the HF features in the schema
metadata, image columns uncompressed with PLAIN encoding and no dictionary (PNG/JPEG bytes do not compress
further), snappy + dictionary elsewhere, a page index, content-defined chunking (so a re-upload of a changed
export dedupes on Xet) and small row groups (the Hub's advice for image Parquet: ~100 rows).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from uir_data.atomic import atomic_path
from uir_data.errors import UirError
from uir_data.hub.layout import (
    IMAGE_COLUMNS,
    IMAGE_STRUCT,
    META_EXPORT_FINGERPRINT,
    hub_split,
    leaf_columns,
    rank,
    shard_path,
)
from uir_data.manifest import COLUMNS, SPLITS
from uir_data.member_io import MemberFileError, RootFiles
from uir_data.taxonomy import ABBREVS

# `datasets` push_to_hub default (config.MAX_SHARD_SIZE = "500MB", decimal units).
DEFAULT_SHARD_SIZE = 500 * 10**6
# The dataset viewer writes image Parquet with 100 rows per row group (libcommon/constants.py) ...
DEFAULT_ROW_GROUP_ROWS = 100
# ... and refuses scans above 300 MB of Arrow data (TooBigRows): cap a row group's image bytes well below.
DEFAULT_ROW_GROUP_BYTES = 64 * 2**20
# datasets.config.DEFAULT_CDC_OPTIONS: the chunking the Hub's Xet dedup is tuned for.
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}
_SIZE_UNITS = {
    "": 1, "b": 1,
    "kb": 10**3, "mb": 10**6, "gb": 10**9, "tb": 10**12,
    "kib": 2**10, "mib": 2**20, "gib": 2**30, "tib": 2**40,
}



class ExportError(UirError):
    """A dataset that cannot be exported (missing or altered image, unsafe path, bad target folder)."""


@dataclass(frozen=True)
class ShardPlan:
    path: str  # POSIX path inside the export
    degradation: str
    split: str  # the Hub split name (validation, not val)
    rows: tuple[int, ...]  # indices into the manifest table, sorted by sample_id


def parse_size(text: str | int) -> int:
    """'500MB' -> 500_000_000, '64MiB' -> 67_108_864, '1000' -> 1000 (bytes); decimal units like datasets."""
    if isinstance(text, int):
        value = text
    else:
        raw = text.strip().lower().replace(" ", "")
        number = raw.rstrip("kmgtib")
        unit = raw[len(number):]
        if unit not in _SIZE_UNITS or not number:
            raise ExportError(f"cannot read size {text!r}: use a number with an optional unit like 500MB or 2GiB")
        try:
            value = int(float(number) * _SIZE_UNITS[unit])
        except ValueError:
            raise ExportError(f"cannot read size {text!r}: use a number with an optional unit like 500MB") from None
    if value <= 0:
        raise ExportError(f"size must be positive, got {text!r}")
    return value


def pair_sizes(table: pa.Table) -> list[int]:
    """Embedded image bytes per row (lq + gt), from the manifest's size columns."""
    lq, gt = table.column("lq_bytes").to_pylist(), table.column("gt_bytes").to_pylist()
    return [a + b for a, b in zip(lq, gt, strict=True)]


def plan_shards(table: pa.Table, shard_size: int) -> list[ShardPlan]:
    """Deterministic shards: one run per (type, split), rows by sample_id, cut when a shard would pass shard_size."""
    sample_ids = table.column("sample_id").to_pylist()
    groups: dict[tuple[str, str], list[int]] = {}
    keys = zip(table.column("degradation").to_pylist(), table.column("split").to_pylist(), strict=True)
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    sizes = pair_sizes(table)
    plans = []
    for degradation, split in sorted(groups, key=lambda k: (rank(k[0], ABBREVS), rank(k[1], SPLITS))):
        rows = sorted(groups[(degradation, split)], key=sample_ids.__getitem__)
        shards: list[list[int]] = [[]]
        filled = 0
        for row in rows:
            if shards[-1] and filled + sizes[row] > shard_size:
                shards.append([])
                filled = 0
            shards[-1].append(row)
            filled += sizes[row]
        for number, shard in enumerate(shards):
            plans.append(
                ShardPlan(
                    path=shard_path(degradation, hub_split(split), number, len(shards)),
                    degradation=degradation,
                    split=hub_split(split),
                    rows=tuple(shard),
                )
            )
    return plans


def row_groups(rows: Sequence[int], sizes: Sequence[int], max_rows: int, max_bytes: int) -> Iterator[list[int]]:
    """Consecutive runs of rows with at most max_rows rows and (beyond the first row) max_bytes image bytes."""
    group: list[int] = []
    filled = 0
    for row in rows:
        if group and (len(group) >= max_rows or filled + sizes[row] > max_bytes):
            yield group
            group, filled = [], 0
        group.append(row)
        filled += sizes[row]
    if group:
        yield group


class ImageReader:
    """Reads the image files of a dataset root, checking each against its manifest size and sha256."""

    def __init__(self, root: Path, table: pa.Table, check_hashes: bool):
        self.root = root
        self.files = RootFiles(root)
        self.check_hashes = check_hashes
        self.sample_ids = table.column("sample_id").to_pylist()
        self.paths = {kind: table.column(f"{kind}_path").to_pylist() for kind in IMAGE_COLUMNS}
        self.sizes = {kind: table.column(f"{kind}_bytes").to_pylist() for kind in IMAGE_COLUMNS}
        self.digests = {kind: table.column(f"{kind}_sha256").to_pylist() for kind in IMAGE_COLUMNS}

    def read(self, kind: str, row: int) -> bytes:
        relative = self.paths[kind][row]
        try:  # the path rule every reader of a root applies (no '..', no absolute path, no symlink escape)
            data = self.files.read(relative)
        except MemberFileError as error:
            raise ExportError(
                f"sample {self.sample_ids[row]}: cannot read {kind.upper()} image {self.root / relative} "
                f"({error.message}); rebuild the dataset or run `uir verify-manifest` on it"
            ) from None
        path = self.root / relative
        if len(data) != self.sizes[kind][row]:
            raise ExportError(
                f"sample {self.sample_ids[row]}: {path} has {len(data)} bytes but the manifest says "
                f"{self.sizes[kind][row]}; the file changed after the build, rebuild the dataset"
            )
        if self.check_hashes and hashlib.sha256(data).hexdigest() != self.digests[kind][row]:
            raise ExportError(
                f"sample {self.sample_ids[row]}: {path} does not match its manifest sha256; the file changed "
                "after the build, rebuild the dataset"
            )
        return data

    def image_column(self, kind: str, rows: list[int]) -> pa.Array:
        data = pa.array([self.read(kind, row) for row in rows], pa.binary())
        paths = pa.array([self.paths[kind][row] for row in rows], pa.string())
        return pa.StructArray.from_arrays([data, paths], fields=list(IMAGE_STRUCT))

    def batch(self, table: pa.Table, schema: pa.Schema, rows: list[int]) -> pa.Table:
        """The export rows for these manifest rows: image structs (bytes as stored) + manifest columns."""
        meta = table.take(pa.array(rows, pa.int64()))
        arrays = [self.image_column(kind, rows) for kind in IMAGE_COLUMNS]
        arrays += [meta.column(name).combine_chunks().cast(schema.field(name).type) for name in COLUMNS]
        return pa.Table.from_arrays(arrays, schema=schema)


def writer_options(schema: pa.Schema, cdc: bool) -> dict:
    images, others = leaf_columns(schema)
    return {
        "compression": {**{leaf: "none" for leaf in images}, **{leaf: "snappy" for leaf in others}},
        "use_dictionary": others,
        "column_encoding": {leaf: "PLAIN" for leaf in images},
        "write_page_index": True,
        "use_content_defined_chunking": CDC_OPTIONS if cdc else False,
    }


def shard_is_current(path: Path, fingerprint: str, rows: int) -> bool:
    """A finished shard from the same export plan (final names appear only after a complete write)."""
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowInvalid):
        return False
    stored = (meta.metadata or {}).get(META_EXPORT_FINGERPRINT, b"").decode()
    return stored == fingerprint and meta.num_rows == rows


def write_shard(
    target: Path,
    plan: ShardPlan,
    table: pa.Table,
    reader: ImageReader,
    schema: pa.Schema,
    sizes: Sequence[int],
    row_group_rows: int,
    row_group_bytes: int,
    cdc: bool,
    on_rows: Callable[[int], None],
) -> None:
    groups = list(row_groups(plan.rows, sizes, row_group_rows, row_group_bytes))
    options = writer_options(schema, cdc)
    # Read (and hash) the next row group in a thread while this one is written: both release the GIL.
    with (
        atomic_path(target) as tmp,
        ThreadPoolExecutor(max_workers=1) as pool,
        pq.ParquetWriter(tmp, schema, **options) as writer,
    ):
        pending = pool.submit(reader.batch, table, schema, groups[0])
        for number in range(len(groups)):
            batch = pending.result()
            if number + 1 < len(groups):
                pending = pool.submit(reader.batch, table, schema, groups[number + 1])
            writer.write_table(batch, row_group_size=batch.num_rows)
            on_rows(batch.num_rows)
