"""The Hub layout of an export: file names, the Parquet schema, and the `datasets` features it declares.

An export folder holds `README.md` (the dataset card), `<TYPE>/<split>-NNNNN-of-NNNNN.parquet` (the layout
`datasets` itself writes for a multi-config dataset: one folder per degradation type, so every type is its
own config without duplicating rows, and the default config globs `*/<split>-*.parquet`), `LICENSE.md`
(every source's license), `assets/` (one LQ|GT example per type, gallery images) and `uir-export.json`
(what was exported, written last: its presence marks a complete export).

Split names follow the Hub: the manifest's `val` is the `validation` split (`load_dataset(...,
split="validation")`); the rows' `split` column keeps the manifest's value. `label` is a ClassLabel over the
19 type abbreviations in label order.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from uir_data.manifest import SCHEMA as MANIFEST_SCHEMA
from uir_data.taxonomy import ABBREVS, BY_ABBREV

DATA_DIR = "data"  # the layout of exports written before the TYPE/ folders; still read, never written
ASSETS_DIR = "assets"
EXAMPLES_DIR = f"{ASSETS_DIR}/examples"
CARD_NAME = "README.md"
LICENSE_NAME = "LICENSE.md"
EXPORT_MANIFEST = "uir-export.json"
EXPORT_FORMAT = "uir-hub-export"
EXPORT_FORMAT_VERSION = 2

# Manifest split -> Hub split name (datasets.Split: train, validation, test).
HUB_SPLITS = {"train": "train", "val": "validation", "test": "test"}
MANIFEST_SPLITS = {hub: manifest for manifest, hub in HUB_SPLITS.items()}
HUB_SPLIT_ORDER = tuple(HUB_SPLITS.values())

IMAGE_COLUMNS = ("lq", "gt")
# The Arrow storage of datasets.Image (features/image.py, Image.pa_type).
IMAGE_STRUCT = pa.struct([("bytes", pa.binary()), ("path", pa.string())])
# ClassLabel's Arrow storage is int64 (datasets.ClassLabel.pa_type); the manifest stores int16.
LABEL_TYPE = pa.int64()

# Shard key-value metadata: which export plan wrote this shard (lets a rerun keep finished shards).
META_EXPORT_FINGERPRINT = b"uir.export_fingerprint"
# Schema metadata key `datasets` reads the features from (Features.arrow_schema / from_arrow_schema).
META_HUGGINGFACE = b"huggingface"

SHARD_PATTERN = re.compile(
    r"^(?P<type>[A-Z]+)/(?P<split>[a-z]+)-(?P<index>\d{5})-of-(?P<count>\d{5})\.parquet$"
)


@dataclass(frozen=True)
class ExportShard:
    """One Parquet shard of an export folder: its file, Hub split and degradation type (None: legacy)."""

    path: Path
    split: str
    degradation: str | None


def hub_split(split: str) -> str:
    """The Hub split name of a manifest split ('val' -> 'validation')."""
    return HUB_SPLITS.get(split, split)


def manifest_split(split: str) -> str:
    """The manifest split of a Hub split name ('validation' -> 'val')."""
    return MANIFEST_SPLITS.get(split, split)


def export_shards(folder: Path) -> list[ExportShard]:
    """The shards of an export folder (or a Hub download), sorted by path; readers use this, not globs.

    Reads the current layout (TYPE/split-i-of-n.parquet) and, when there is none, the earlier flat
    data/*.parquet layout, whose split is the file name's first word.
    """
    folder = Path(folder)
    shards = []
    for type_dir in sorted(p for p in folder.iterdir() if p.is_dir() and p.name in BY_ABBREV) if folder.is_dir() else []:
        for file in sorted(type_dir.glob("*.parquet")):
            match = SHARD_PATTERN.match(f"{type_dir.name}/{file.name}")
            if match:
                shards.append(ExportShard(file, match["split"], match["type"]))
    if not shards and (folder / DATA_DIR).is_dir():
        for file in sorted((folder / DATA_DIR).glob("*.parquet")):
            shards.append(ExportShard(file, hub_split(file.name.split("-")[0]), None))
    return shards


def rank(value: str, order: tuple[str, ...]) -> tuple[int, str]:
    """Sort key placing known values (taxonomy types, train/val/test) in their order, unknown ones after."""
    return (order.index(value) if value in order else len(order), value)


def shard_path(degradation: str, split: str, index: int, count: int) -> str:
    """POSIX path of one shard inside the export, e.g. GN/validation-00000-of-00002.parquet (Hub split)."""
    return f"{degradation}/{split}-{index:05d}-of-{count:05d}.parquet"


def split_glob(split: str, degradation: str = "*") -> str:
    """The data_files pattern of one Hub split, over every type folder (default config) or one type."""
    return f"{degradation}/{split}-*.parquet"


# Arrow type -> datasets Value dtype, for the manifest's scalar column types.
_VALUE_DTYPES = {
    pa.string(): "string",
    pa.int16(): "int16",
    pa.int32(): "int32",
    pa.int64(): "int64",
}


def _feature_of(arrow_type: pa.DataType) -> dict[str, Any]:
    if pa.types.is_list(arrow_type):
        return {"feature": _feature_of(arrow_type.value_type), "_type": "List"}
    return {"dtype": _VALUE_DTYPES[arrow_type], "_type": "Value"}


def features_dict() -> dict[str, Any]:
    """The export's columns as `datasets.Features.to_dict()` writes them: lq, gt images, then the manifest."""
    features: dict[str, Any] = {name: {"_type": "Image"} for name in IMAGE_COLUMNS}
    for field in MANIFEST_SCHEMA:
        label = field.name == "label"
        features[field.name] = {"names": list(ABBREVS), "_type": "ClassLabel"} if label else _feature_of(field.type)
    return features


def features_yaml() -> list[dict[str, Any]]:
    """The same features in the dataset-card YAML form (`dataset_info.features`)."""
    entries: list[dict[str, Any]] = [{"name": name, "dtype": "image"} for name in IMAGE_COLUMNS]
    for field in MANIFEST_SCHEMA:
        if field.name == "label":
            names = {str(index): abbrev for index, abbrev in enumerate(ABBREVS)}
            entries.append({"name": "label", "dtype": {"class_label": {"names": names}}})
        elif pa.types.is_list(field.type):
            entries.append({"name": field.name, "list": _VALUE_DTYPES[field.type.value_type]})
        else:
            entries.append({"name": field.name, "dtype": _VALUE_DTYPES[field.type]})
    return entries


def export_schema(extra_metadata: dict[bytes, bytes] | None = None) -> pa.Schema:
    """Arrow schema of every shard: image structs first, then the manifest columns, with the HF features."""
    # `datasets` takes a feature from this metadata only when the Arrow field equals the feature's own
    # (nullable) field, so label is nullable here although no row has a null label.
    fields = [pa.field(name, IMAGE_STRUCT) for name in IMAGE_COLUMNS] + [
        pa.field("label", LABEL_TYPE) if field.name == "label" else field for field in MANIFEST_SCHEMA
    ]
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
