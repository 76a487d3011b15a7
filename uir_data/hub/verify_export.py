"""Checks of an export folder (or a downloaded copy of the Hub repo) behind `uir verify-manifest EXPORT_DIR`.

Consistent shard names and counts, the schema and the features `datasets` reads, row counts against the card
and the export record, each embedded image's size and sha256 against its row, and (unless quick) that every
image decodes to the row's height and width.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from uir_data.atomic import TEMP_MARK
from uir_data.hub.export import ExportError, read_export_record
from uir_data.hub.layout import (
    CARD_NAME,
    DATA_DIR,
    EXPORT_MANIFEST,
    IMAGE_COLUMNS,
    META_HUGGINGFACE,
    SHARD_PATTERN,
    export_schema,
    export_shards,
    manifest_split,
    split_glob,
)
from uir_data.image_io import decode_rgb
from uir_data.problems import Problem
from uir_data.taxonomy import ABBREVS

READ_BATCH_ROWS = 100


def is_export_folder(path: Path) -> bool:
    """True for a folder holding an export: its record, or a card beside shards (a Hub download)."""
    path = Path(path)
    if not path.is_dir():
        return False
    if (path / EXPORT_MANIFEST).is_file():
        return True
    return (path / CARD_NAME).is_file() and bool(export_shards(path))


def read_front_matter(card: Path) -> dict:
    """The YAML mapping between the leading '---' lines of a dataset card; ValueError when absent or bad."""
    text = card.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ValueError("no YAML front matter (the card must start with a '---' line)")
    end = text.find("\n---", 4)
    if end < 0:
        raise ValueError("the YAML front matter is not closed by a '---' line")
    data = yaml.safe_load(text[4:end])
    if not isinstance(data, dict):
        raise ValueError("the YAML front matter is not a mapping")
    return data


def _card_problems(folder: Path, actual: dict[str, Counter]) -> list[Problem]:
    """Configs and per-split row counts declared by the card against the shards on disk."""
    card = folder / CARD_NAME
    if not card.is_file():
        return [Problem("card", "the dataset card README.md is missing", file=CARD_NAME)]
    try:
        front = read_front_matter(card)
    except (OSError, ValueError, yaml.YAMLError) as error:
        return [Problem("card", f"cannot read the card's front matter: {error}", file=CARD_NAME)]
    problems = []
    configs = {c.get("config_name"): c for c in front.get("configs") or [] if isinstance(c, dict)}
    expected_configs = set(actual)
    if set(configs) != expected_configs:
        problems.append(
            Problem(
                "card-config",
                f"the card declares configs {sorted(map(str, configs))} but the shards make "
                f"{sorted(expected_configs)}",
                file=CARD_NAME,
            )
        )
    declared: dict[str, dict[str, int]] = {}
    for entry in front.get("dataset_info") or []:
        if isinstance(entry, dict):
            splits = {s.get("name"): s.get("num_examples") for s in entry.get("splits") or []}
            declared[entry.get("config_name", "default")] = splits
    for config, counts in sorted(actual.items()):
        if config not in declared:
            problems.append(Problem("row-count", f"the card has no row counts for config {config!r}", file=CARD_NAME))
        elif declared[config] != dict(counts):
            problems.append(
                Problem(
                    "row-count",
                    f"config {config!r}: the card declares {declared[config]} rows per split, the shards hold "
                    f"{dict(counts)}",
                    file=CARD_NAME,
                )
            )
    return problems


def _schema_problems(schema: pa.Schema, name: str) -> list[Problem]:
    expected = export_schema()
    problems = []
    got = {field.name: field.type for field in schema}
    for field in expected:
        if field.name not in got:
            problems.append(Problem("schema", f"missing column {field.name!r}", file=name))
        elif not got[field.name].equals(field.type):
            problems.append(
                Problem("schema", f"column {field.name!r} has type {got[field.name]}, expected {field.type}", file=name)
            )
    extra = sorted(set(got) - set(expected.names))
    if extra:
        problems.append(Problem("schema", f"unexpected columns {extra}", file=name))
    try:
        features = json.loads((schema.metadata or {})[META_HUGGINGFACE])["info"]["features"]
        if any(features[c].get("_type") != "Image" for c in IMAGE_COLUMNS):
            raise KeyError("Image")
    except (KeyError, ValueError, TypeError):
        problems.append(
            Problem("schema", "the schema metadata does not declare lq and gt as datasets Image features", file=name)
        )
    return problems


def _row_problems(batch: pa.RecordBatch, name: str, quick: bool) -> list[Problem]:
    problems = []
    columns = batch.to_pydict()
    for index, sample_id in enumerate(columns["sample_id"]):
        for kind in IMAGE_COLUMNS:
            image = columns[kind][index] or {}
            data = image.get("bytes")
            if data is None:
                problems.append(Problem("missing-bytes", f"{kind} has no embedded bytes", sample_id, name))
                continue
            if len(data) != columns[f"{kind}_bytes"][index]:
                problems.append(
                    Problem(
                        "size",
                        f"{kind} holds {len(data)} bytes, the row says {columns[f'{kind}_bytes'][index]}",
                        sample_id,
                        name,
                    )
                )
            if hashlib.sha256(data).hexdigest() != columns[f"{kind}_sha256"][index]:
                problems.append(Problem("sha256", f"{kind} bytes do not match {kind}_sha256", sample_id, name))
            if not quick:
                decoded = decode_rgb(data)
                size = (columns["height"][index], columns["width"][index])
                if decoded is None:
                    problems.append(Problem("decode", f"{kind} bytes do not decode as an image", sample_id, name))
                elif decoded.shape[:2] != size:
                    problems.append(
                        Problem(
                            "decode",
                            f"{kind} decodes to {decoded.shape[1]}x{decoded.shape[0]}, the row says "
                            f"{size[1]}x{size[0]}",
                            sample_id,
                            name,
                        )
                    )
    return problems


def _record_problems(folder: Path, on_disk: dict[str, int], shard_rows: dict[str, int]) -> list[Problem]:
    try:
        files = {entry["path"]: entry for entry in read_export_record(folder)["files"]}
    except (ExportError, KeyError, TypeError) as error:
        return [Problem("export-record", f"no valid export record: {error}", file=EXPORT_MANIFEST)]
    problems = []
    for name, entry in sorted(files.items()):
        size = (folder / name).stat().st_size if (folder / name).is_file() else None
        if size is None:
            problems.append(Problem("record-mismatch", "listed in uir-export.json but missing", file=name))
        elif size != entry.get("bytes"):
            problems.append(
                Problem("record-mismatch", f"{size} bytes, uir-export.json says {entry.get('bytes')}", file=name)
            )
        elif name in shard_rows and shard_rows[name] != entry.get("rows"):
            problems.append(
                Problem("row-count", f"{shard_rows[name]} rows, uir-export.json says {entry.get('rows')}", file=name)
            )
    for name in sorted(set(on_disk) - set(files)):
        problems.append(Problem("record-mismatch", "shard on disk is not listed in uir-export.json", file=name))
    return problems


def _shard_folder_files(folder: Path) -> list[Path]:
    """Every file in the folders shards live in: one per type, and data/ of earlier exports."""
    files = []
    for name in (DATA_DIR, *ABBREVS):
        if (folder / name).is_dir():
            files += [p for p in sorted((folder / name).rglob("*")) if p.is_file()]
    return files


def verify_export(
    path: Path, quick: bool = False, progress: Callable[[int, int], None] | None = None
) -> list[Problem]:
    """Every problem found in an export folder; empty when it is consistent. progress(shards_done, shards)."""
    folder = Path(path)
    if not is_export_folder(folder):
        return [Problem("export-record", "not an export folder (no uir-export.json, no README.md with data/)",
                        file=str(folder))]
    problems: list[Problem] = []
    shards: dict[str, dict[str, str]] = {}
    for file in _shard_folder_files(folder):
        name = file.relative_to(folder).as_posix()
        match = SHARD_PATTERN.match(name)
        if file.name.startswith(TEMP_MARK):
            problems.append(Problem("shard-name", "temporary file left by an interrupted export", file=name))
        elif name.startswith(f"{DATA_DIR}/"):
            problems.append(
                Problem("shard-name", "the data/ layout of earlier uir versions: export the dataset again", file=name)
            )
        elif match is None:
            problems.append(Problem("shard-name", "not a shard name (<TYPE>/<split>-NNNNN-of-NNNNN.parquet)", file=name))
        else:
            shards[name] = match.groupdict()
    if not shards:
        problems.append(Problem("shard-set", "no shards (<TYPE>/<split>-NNNNN-of-NNNNN.parquet)", file=str(folder)))

    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for info in shards.values():
        groups[(info["type"], info["split"])].append(info)
    for (degradation, split), infos in sorted(groups.items()):
        counts = {int(i["count"]) for i in infos}
        indices = sorted(int(i["index"]) for i in infos)
        if len(counts) != 1 or indices != list(range(counts.pop())):
            problems.append(
                Problem(
                    "shard-set",
                    f"shards of {degradation}/{split} are incomplete or disagree on their count: indices "
                    f"{indices} of {sorted(int(i['count']) for i in infos)}",
                    file=split_glob(split, degradation),
                )
            )

    actual: dict[str, Counter] = defaultdict(Counter)
    shard_rows: dict[str, int] = {}
    seen: Counter = Counter()
    for done, (name, info) in enumerate(sorted(shards.items()), start=1):
        try:
            parquet = pq.ParquetFile(folder / name)
        except (OSError, pa.ArrowInvalid) as error:
            problems.append(Problem("schema", f"not a readable Parquet file ({error})", file=name))
            continue
        schema_problems = _schema_problems(parquet.schema_arrow, name)
        problems += schema_problems
        rows = parquet.metadata.num_rows
        shard_rows[name] = rows
        actual["default"][info["split"]] += rows
        actual[info["type"]][info["split"]] += rows
        if schema_problems:
            continue
        for batch in parquet.iter_batches(batch_size=READ_BATCH_ROWS):
            seen.update(batch.column(batch.schema.get_field_index("sample_id")).to_pylist())
            for column, expected in (("degradation", info["type"]), ("split", manifest_split(info["split"]))):
                values = set(batch.column(batch.schema.get_field_index(column)).to_pylist())
                if values != {expected}:
                    problems.append(
                        Problem("shard-content", f"{column} values {sorted(values)} in a {expected} shard", file=name)
                    )
            problems += _row_problems(batch, name, quick)
        if progress is not None:
            progress(done, len(shards))
    problems += [
        Problem("duplicate-sample", f"appears {count} times in the export", sample_id=sample_id)
        for sample_id, count in sorted(seen.items())
        if count > 1
    ]
    problems += _card_problems(folder, actual)
    on_disk = {name: (folder / name).stat().st_size for name in shards}
    problems += _record_problems(folder, on_disk, shard_rows)
    return problems
