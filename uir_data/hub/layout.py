"""The Hub layout of an export: file names, the Parquet schema, and the `datasets` features it declares.

An export folder holds `README.md` (the dataset card), `data/<split>-<TYPE>-<i>-of-<n>.parquet` (one run of
shards per split and degradation type, so every type is its own config without duplicating rows, while the
default config and plain `data/*.parquet` readers see one flat folder),
optionally `assets/` (gallery images shown by the card) and `uir-export.json` (what was exported, written
last: its presence marks a complete export).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa

from uir_data.manifest import SCHEMA as MANIFEST_SCHEMA

DATA_DIR = "data"
ASSETS_DIR = "assets"
CARD_NAME = "README.md"
EXPORT_MANIFEST = "uir-export.json"
EXPORT_FORMAT = "uir-hub-export"
EXPORT_FORMAT_VERSION = 1

IMAGE_COLUMNS = ("lq", "gt")
# The Arrow storage of datasets.Image (features/image.py, Image.pa_type).
IMAGE_STRUCT = pa.struct([("bytes", pa.binary()), ("path", pa.string())])

# Shard key-value metadata: which export plan wrote this shard (lets a rerun keep finished shards).
META_EXPORT_FINGERPRINT = b"uir.export_fingerprint"
# Schema metadata key `datasets` reads the features from (Features.arrow_schema / from_arrow_schema).
META_HUGGINGFACE = b"huggingface"

SHARD_PATTERN = re.compile(
    r"^data/(?P<split>[a-z]+)-(?P<type>[A-Z]+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$"
)

# Arrow type -> datasets Value dtype, for the manifest's scalar column types.
_VALUE_DTYPES = {
    pa.string(): "string",
    pa.int16(): "int16",
    pa.int32(): "int32",
    pa.int64(): "int64",
}


def rank(value: str, order: tuple[str, ...]) -> tuple[int, str]:
    """Sort key placing known values (taxonomy types, train/val/test) in their order, unknown ones after."""
    return (order.index(value) if value in order else len(order), value)


def shard_path(degradation: str, split: str, index: int, count: int) -> str:
    """POSIX path of one shard inside the export, e.g. data/train-GN-00000-of-00002.parquet."""
    return f"{DATA_DIR}/{split}-{degradation}-{index:05d}-of-{count:05d}.parquet"


def split_glob(split: str, degradation: str = "*") -> str:
    """The data_files pattern of one split, over every type (default config) or one type.

    Type abbreviations are upper-case letters followed by '-', so train-RS-* never matches train-RSD-*.
    """
    if degradation == "*":
        return f"{DATA_DIR}/{split}-*.parquet"
    return f"{DATA_DIR}/{split}-{degradation}-*.parquet"


def _feature_of(arrow_type: pa.DataType) -> dict[str, Any]:
    if pa.types.is_list(arrow_type):
        return {"feature": _feature_of(arrow_type.value_type), "_type": "List"}
    return {"dtype": _VALUE_DTYPES[arrow_type], "_type": "Value"}


def features_dict() -> dict[str, Any]:
    """The export's columns as `datasets.Features.to_dict()` writes them: lq, gt images, then the manifest."""
    features: dict[str, Any] = {name: {"_type": "Image"} for name in IMAGE_COLUMNS}
    for field in MANIFEST_SCHEMA:
        features[field.name] = _feature_of(field.type)
    return features


def features_yaml() -> list[dict[str, Any]]:
    """The same features in the dataset-card YAML form (`dataset_info.features`)."""
    entries: list[dict[str, Any]] = [{"name": name, "dtype": "image"} for name in IMAGE_COLUMNS]
    for field in MANIFEST_SCHEMA:
        if pa.types.is_list(field.type):
            entries.append({"name": field.name, "list": _VALUE_DTYPES[field.type.value_type]})
        else:
            entries.append({"name": field.name, "dtype": _VALUE_DTYPES[field.type]})
    return entries


def export_schema(extra_metadata: dict[bytes, bytes] | None = None) -> pa.Schema:
    """Arrow schema of every shard: image structs first, then the manifest columns, with the HF features."""
    fields = [pa.field(name, IMAGE_STRUCT) for name in IMAGE_COLUMNS] + list(MANIFEST_SCHEMA)
    metadata = {META_HUGGINGFACE: json.dumps({"info": {"features": features_dict()}}).encode()}
    metadata.update(extra_metadata or {})
    return pa.schema(fields, metadata=metadata)


def leaf_columns(schema: pa.Schema) -> tuple[list[str], list[str]]:
    """(image leaf paths, other leaf paths) as Parquet names them (`lq.bytes`, `components.list.element`)."""
    images, others = [], []
    for field in schema:
        if field.name in IMAGE_COLUMNS:
            images.extend(f"{field.name}.{child.name}" for child in field.type)
        elif pa.types.is_list(field.type):
            others.append(f"{field.name}.list.element")
        else:
            others.append(field.name)
    return images, others
