"""Manifest schema v1: one Parquet row per (LQ, GT) pair, plus key-value metadata.

A manifest is either one Parquet file or a folder of part files (`part-*.parquet`) read as one table.
The schema is documented column by column in manifests/SCHEMA.md.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from uir_data import ENGINE_VERSION
from uir_data.atomic import atomic_path
from uir_data.taxonomy import label_map

SCHEMA_VERSION = "1"
MANIFEST_DIRNAME = "manifest"
PART_GLOB = "part-*.parquet"

# Parquet key-value metadata keys (bytes, as pyarrow stores them).
META_SCHEMA_VERSION = b"uir.schema_version"
META_ENGINE_VERSION = b"uir.engine_version"
META_RECIPE_NAME = b"uir.recipe_name"
META_RECIPE_HASH = b"uir.recipe_hash"
META_TAXONOMY = b"uir.taxonomy"

SCHEMA = pa.schema(
    [
        pa.field("sample_id", pa.string(), nullable=False),
        pa.field("split", pa.string(), nullable=False),
        pa.field("degradation", pa.string(), nullable=False),
        pa.field("label", pa.int16(), nullable=False),
        pa.field("components", pa.list_(pa.string()), nullable=False),
        pa.field("level", pa.int16(), nullable=True),
        pa.field("params", pa.string(), nullable=False),
        pa.field("origin", pa.string(), nullable=False),
        pa.field("source_dataset", pa.string(), nullable=False),
        pa.field("source_path", pa.string(), nullable=False),
        pa.field("group_id", pa.string(), nullable=False),
        pa.field("license", pa.string(), nullable=False),
        pa.field("lq_path", pa.string(), nullable=False),
        pa.field("gt_path", pa.string(), nullable=False),
        pa.field("height", pa.int32(), nullable=False),
        pa.field("width", pa.int32(), nullable=False),
        pa.field("lq_sha256", pa.string(), nullable=False),
        pa.field("gt_sha256", pa.string(), nullable=False),
        pa.field("lq_bytes", pa.int64(), nullable=False),
        pa.field("gt_bytes", pa.int64(), nullable=False),
        pa.field("seed", pa.int64(), nullable=True),
    ]
)
COLUMNS: tuple[str, ...] = tuple(SCHEMA.names)
SPLITS = ("train", "val", "test")
ORIGINS = ("generated", "paired-synthetic", "paired-real")


class ManifestError(ValueError):
    """A manifest that cannot be read or does not follow schema v1; the message names the file."""


def metadata(recipe_name: str, recipe_hash: str) -> dict[bytes, bytes]:
    """The key-value metadata every part file carries."""
    return {
        META_SCHEMA_VERSION: SCHEMA_VERSION.encode(),
        META_ENGINE_VERSION: ENGINE_VERSION.encode(),
        META_RECIPE_NAME: recipe_name.encode(),
        META_RECIPE_HASH: recipe_hash.encode(),
        META_TAXONOMY: json.dumps(label_map(), sort_keys=True).encode(),
    }


def rows_to_table(rows: Sequence[dict[str, Any]], recipe_name: str, recipe_hash: str) -> pa.Table:
    """Rows (dicts keyed by column) -> a schema-v1 table with metadata; missing columns are an error."""
    for row in rows:
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise ManifestError(f"row {row.get('sample_id', '?')!r} lacks columns {missing}")
    columns = {name: [row[name] for row in rows] for name in COLUMNS}
    table = pa.Table.from_pydict(columns, schema=SCHEMA)
    return table.replace_schema_metadata(metadata(recipe_name, recipe_hash))


def write_table(table: pa.Table, path: Path) -> None:
    """Write one part file atomically (temp file in the same folder, then rename)."""
    with atomic_path(path) as tmp:
        pq.write_table(table, tmp, compression="zstd")


def path_problem(path: str) -> str | None:
    """Why a manifest path is unsafe (absolute, '..', backslashes, empty), or None when it is fine."""
    if not path:
        return "empty path"
    if "\\" in path:
        return "not a POSIX path (contains a backslash)"
    # Plain string tests: verify calls this for every file of million-row manifests, where PurePosixPath
    # parsing cost as much as hashing the file.
    if path.startswith("/") or (len(path) > 1 and path[1] == ":"):
        return "absolute path (must be relative to the dataset root)"
    if ".." in path.split("/"):
        return "path escapes the dataset root ('..')"
    return None


def part_files(path: Path) -> list[Path]:
    """The Parquet files a manifest path stands for: a file, a manifest folder, or a dataset root."""
    path = Path(path)
    if path.is_file():
        return [path]
    if (path / MANIFEST_DIRNAME).is_dir():
        path = path / MANIFEST_DIRNAME
    if not path.is_dir():
        raise ManifestError(f"{path}: no such manifest file or folder")
    parts = sorted(path.glob(PART_GLOB))
    if not parts:
        raise ManifestError(f"{path}: no manifest part files ({PART_GLOB}) found")
    return parts


def dataset_root_of(path: Path) -> Path:
    """The folder that manifest paths are relative to, for a root, a manifest folder or a part file."""
    path = Path(path).resolve()
    if path.is_file():
        path = path.parent
    if path.name == MANIFEST_DIRNAME:
        return path.parent
    return path


def read_part(path: Path) -> pa.Table:
    """Read one part file, checking its schema against v1; errors name the file."""
    try:
        table = pq.ParquetFile(path).read()  # read_table adds dataset discovery: 3x slower on small parts
    except (OSError, pa.ArrowInvalid) as error:
        raise ManifestError(f"{path}: not a readable Parquet file ({error})") from None
    problems = schema_problems(table.schema)
    if problems:
        raise ManifestError(f"{path}: " + "; ".join(problems))
    return table


def schema_problems(schema: pa.Schema) -> list[str]:
    """Differences between a table schema and schema v1 (missing/extra columns, wrong types, metadata)."""
    problems = []
    for field in SCHEMA:
        if field.name not in schema.names:
            problems.append(f"missing column {field.name!r}")
        elif not schema.field(field.name).type.equals(field.type):
            problems.append(
                f"column {field.name!r} has type {schema.field(field.name).type}, expected {field.type}"
            )
    extra = [name for name in schema.names if name not in COLUMNS]
    if extra:
        problems.append(f"unexpected columns {extra}")
    meta = schema.metadata or {}
    version = meta.get(META_SCHEMA_VERSION)
    if version is None:
        problems.append("metadata lacks uir.schema_version")
    elif version.decode() != SCHEMA_VERSION:
        problems.append(f"schema version {version.decode()!r}, this engine reads {SCHEMA_VERSION!r}")
    return problems


def read_manifest(path: Path, columns: Iterable[str] | None = None) -> pa.Table:
    """Read a manifest (file, manifest folder or dataset root) as one table with schema v1."""
    parts = part_files(Path(path))
    tables = [read_part(part) for part in parts]
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    table = table.replace_schema_metadata(tables[0].schema.metadata)
    if columns is not None:
        table = table.select(list(columns))
    return table


def manifest_metadata(path: Path) -> dict[str, str]:
    """The decoded key-value metadata of a manifest's first part file."""
    first = part_files(Path(path))[0]
    raw = pq.read_schema(first).metadata or {}
    return {key.decode(): value.decode() for key, value in raw.items() if key.startswith(b"uir.")}
