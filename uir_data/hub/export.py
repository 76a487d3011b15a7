"""Export a dataset root to the Hugging Face layout: Parquet shards with embedded image bytes, a card, a record.

Shards follow what `datasets` itself writes (research/ecosystem.md §A4, §A8): the HF features in the schema
metadata, image columns uncompressed with PLAIN encoding and no dictionary (PNG/JPEG bytes do not compress
further), snappy + dictionary elsewhere, a page index, content-defined chunking (so a re-upload of a changed
export dedupes on Xet) and small row groups (the Hub's advice for image Parquet: ~100 rows).

Every shard is written under a temporary name and renamed when complete, and `uir-export.json` is written last,
so a killed export never leaves a half-written shard and never looks complete. A rerun keeps the shards whose
footer carries the same export fingerprint (same manifest, same options) and rewrites the rest.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from uir_data.atomic import TEMP_MARK, atomic_path, remove_stale_temps, write_bytes_atomic, write_text_atomic
from uir_data.dataset_root import require_complete
from uir_data.errors import UirError
from uir_data.hub import card
from uir_data.hub.examples import make_examples
from uir_data.hub.layout import (
    ASSETS_DIR,
    CARD_NAME,
    DATA_DIR,
    EXAMPLES_DIR,
    EXPORT_FORMAT,
    EXPORT_FORMAT_VERSION,
    EXPORT_MANIFEST,
    IMAGE_COLUMNS,
    IMAGE_STRUCT,
    LICENSE_NAME,
    META_EXPORT_FINGERPRINT,
    export_schema,
    hub_split,
    leaf_columns,
    rank,
    shard_path,
)
from uir_data.hub.licenses import license_file, source_licenses
from uir_data.manifest import COLUMNS, SPLITS, ManifestError, part_files, read_manifest
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
GALLERY_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")

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


@dataclass(frozen=True)
class ExportedFile:
    path: str
    bytes: int
    rows: int = 0
    degradation: str = ""
    split: str = ""


@dataclass
class ExportResult:
    export_dir: Path
    files: list[ExportedFile]
    rows: int
    shards_written: int
    shards_kept: int
    fingerprint: str
    split_rows: dict[str, int] = field(default_factory=dict)

    @property
    def total_bytes(self) -> int:
        return sum(f.bytes for f in self.files)


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


def default_export_dir(root: Path) -> Path:
    """Where an export goes when no --export-dir is given: a sibling folder `<root>-hub`."""
    root = Path(root).resolve()
    return root.with_name(f"{root.name}-hub")


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


def export_fingerprint(root: Path, options: dict[str, int | bool]) -> str:
    """Digest of what decides the shards' bytes: the manifest part files and the export options."""
    digest = hashlib.sha256()
    options = {"format": EXPORT_FORMAT_VERSION, **options}
    digest.update(json.dumps(options, sort_keys=True).encode())
    for part in part_files(root):
        digest.update(part.name.encode())
        digest.update(hashlib.sha256(part.read_bytes()).digest())
    return digest.hexdigest()


class _ImageReader:
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


def _writer_options(schema: pa.Schema, cdc: bool) -> dict:
    images, others = leaf_columns(schema)
    return {
        "compression": {**{leaf: "none" for leaf in images}, **{leaf: "snappy" for leaf in others}},
        "use_dictionary": others,
        "column_encoding": {leaf: "PLAIN" for leaf in images},
        "write_page_index": True,
        "use_content_defined_chunking": CDC_OPTIONS if cdc else False,
    }


def _shard_is_current(path: Path, fingerprint: str, rows: int) -> bool:
    """A finished shard from the same export plan (final names appear only after a complete write)."""
    try:
        meta = pq.read_metadata(path)
    except (OSError, pa.ArrowInvalid):
        return False
    stored = (meta.metadata or {}).get(META_EXPORT_FINGERPRINT, b"").decode()
    return stored == fingerprint and meta.num_rows == rows


def _write_shard(
    target: Path,
    plan: ShardPlan,
    table: pa.Table,
    reader: _ImageReader,
    schema: pa.Schema,
    sizes: Sequence[int],
    row_group_rows: int,
    row_group_bytes: int,
    cdc: bool,
    on_rows: Callable[[int], None],
) -> None:
    groups = list(row_groups(plan.rows, sizes, row_group_rows, row_group_bytes))
    options = _writer_options(schema, cdc)
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


@contextlib.contextmanager
def _writing(path: Path) -> Iterator[None]:
    """Turn a full disk (or quota) while writing `path` into one sentence naming the file and the fix."""
    try:
        yield
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        reason = "the disk quota is exceeded" if error.errno == errno.EDQUOT else "no space left on the device"
        raise ExportError(
            f"{path}: {reason} while writing the export; free space on that filesystem or choose another "
            "--export-dir, then rerun the same command (finished shards are kept)"
        ) from None


def _check_target(root: Path, export_dir: Path) -> None:
    if export_dir == root or export_dir in root.parents:
        raise ExportError(f"{export_dir}: the export folder must not be the dataset root or contain it")
    if not export_dir.exists():
        return
    if not export_dir.is_dir():
        raise ExportError(f"{export_dir}: exists and is not a folder; choose another --export-dir")
    ours = {CARD_NAME, LICENSE_NAME, DATA_DIR, ASSETS_DIR, EXPORT_MANIFEST, *ABBREVS}
    foreign = sorted(p.name for p in export_dir.iterdir() if p.name not in ours and not p.name.startswith(TEMP_MARK))
    if foreign:
        raise ExportError(
            f"{export_dir}: folder is not empty and is not a uir export (found {', '.join(foreign[:3])}); "
            "choose an empty or new --export-dir"
        )


def _remove_strays(folder: Path, keep: set[str], export_dir: Path) -> None:
    """Delete files under `folder` that the current plan does not produce (e.g. an old shard count)."""
    if not folder.is_dir():
        return
    for path in sorted(folder.rglob("*"), reverse=True):
        if path.is_file() and path.relative_to(export_dir).as_posix() not in keep:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def _gallery_files(root: Path) -> list[Path]:
    """Gallery images to show on the card: root/gallery.* and root/gallery/* (written by `uir gallery`)."""
    found = [p for p in sorted(root.glob("gallery*")) if p.is_file() and p.suffix.lower() in GALLERY_SUFFIXES]
    if (root / "gallery").is_dir():
        found += [p for p in sorted((root / "gallery").iterdir()) if p.suffix.lower() in GALLERY_SUFFIXES]
    return found


def _read_recipe(root: Path) -> dict:
    path = root / "recipe.json"
    if not path.is_file():
        return {}
    try:
        recipe = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ExportError(f"{path}: not readable JSON ({error})") from None
    return recipe if isinstance(recipe, dict) else {}


def export_dataset(
    root: Path,
    export_dir: Path | None = None,
    *,
    shard_size: int | str = DEFAULT_SHARD_SIZE,
    row_group_rows: int = DEFAULT_ROW_GROUP_ROWS,
    row_group_bytes: int = DEFAULT_ROW_GROUP_BYTES,
    repo_id: str | None = None,
    check_hashes: bool = False,
    cdc: bool = True,
    allow_incomplete: bool = False,
    pretty_name: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ExportResult:
    """Write the Hub layout of a dataset root into export_dir; progress(rows_done, rows_total) after each group.

    Every source file is checked against its manifest size; its sha256 only with check_hashes, because
    verify_export hashes the embedded bytes anyway (push-to-hub runs it before uploading), and hashing twice
    costs a third of the export's time (bench/export.py). `cdc=False` drops content-defined chunking: a
    quarter faster to write, but a re-upload of a changed export no longer dedupes on Xet. An unfinished
    build is refused unless `allow_incomplete` (its card then says how much of the plan it holds).
    """
    root = Path(root).resolve()
    try:
        status = require_complete(root, allow_incomplete=allow_incomplete)
    except ManifestError as error:  # an unreadable run record
        raise ExportError(str(error)) from None
    export_dir = Path(export_dir).resolve() if export_dir is not None else default_export_dir(root)
    shard_size = parse_size(shard_size)
    if row_group_rows <= 0 or row_group_bytes <= 0:
        raise ExportError("row groups need a positive row and byte limit")
    try:
        table = read_manifest(root)
        options = {"shard_size": shard_size, "row_group_rows": row_group_rows, "row_group_bytes": row_group_bytes,
                   "cdc": cdc}
        fingerprint = export_fingerprint(root, options)
    except ManifestError as error:
        raise ExportError(str(error)) from None
    if table.num_rows == 0:
        raise ExportError(f"{root}: the manifest has no rows; nothing to export")
    _check_target(root, export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    # From here on the folder is being changed: it must not look like a complete export until the end.
    with contextlib.suppress(FileNotFoundError):
        (export_dir / EXPORT_MANIFEST).unlink()
    remove_stale_temps(export_dir)

    source_meta = dict((table.schema.metadata or {}).items())
    schema = export_schema({**source_meta, META_EXPORT_FINGERPRINT: fingerprint.encode()})
    plans = plan_shards(table, shard_size)
    reader = _ImageReader(root, table, check_hashes)
    sizes = pair_sizes(table)
    done = 0
    written = kept = 0

    def advance(rows: int) -> None:
        nonlocal done
        done += rows
        if progress is not None:
            progress(done, table.num_rows)

    files: list[ExportedFile] = []
    for plan in plans:
        target = export_dir / plan.path
        if _shard_is_current(target, fingerprint, len(plan.rows)):
            kept += 1
            advance(len(plan.rows))
        else:
            with _writing(target):
                _write_shard(target, plan, table, reader, schema, sizes, row_group_rows, row_group_bytes, cdc, advance)
            written += 1
        files.append(ExportedFile(plan.path, target.stat().st_size, len(plan.rows), plan.degradation, plan.split))
    for folder in (DATA_DIR, *ABBREVS):  # shards of an earlier plan (another shard count, the old data/ layout)
        _remove_strays(export_dir / folder, {f.path for f in files}, export_dir)

    assets = []
    gallery = [(f"{ASSETS_DIR}/{source.name}", source.read_bytes()) for source in _gallery_files(root)]
    examples = [(f"{EXAMPLES_DIR}/{t}.jpg", image) for t, image in make_examples(table, reader.read).items()]
    for name, data in gallery + examples:
        with _writing(export_dir / name):
            write_bytes_atomic(export_dir / name, data)
        assets.append(ExportedFile(name, len(data)))
    _remove_strays(export_dir / ASSETS_DIR, {a.path for a in assets}, export_dir)

    licenses = source_licenses(table)
    name = pretty_name or root.name
    with _writing(export_dir / LICENSE_NAME):
        write_text_atomic(export_dir / LICENSE_NAME, license_file(licenses, name))

    meta = {key.decode(): value.decode() for key, value in source_meta.items() if key.startswith(b"uir.")}
    text = card.render_card(
        table=table,
        shards=files,
        metadata=meta,
        recipe=_read_recipe(root),
        gallery=[path for path, _ in gallery],
        repo_id=repo_id,
        pretty_name=name,
        licenses=licenses,
        examples={path.rsplit("/", 1)[1].removesuffix(".jpg"): path for path, _ in examples},
        incomplete=status.message() if status is not None and not status.complete else "",
    )
    with _writing(export_dir / CARD_NAME):
        write_text_atomic(export_dir / CARD_NAME, text)
    files += assets
    files.append(ExportedFile(LICENSE_NAME, (export_dir / LICENSE_NAME).stat().st_size))
    files.append(ExportedFile(CARD_NAME, (export_dir / CARD_NAME).stat().st_size))

    split_rows: dict[str, int] = {}
    for plan in plans:
        split_rows[plan.split] = split_rows.get(plan.split, 0) + len(plan.rows)
    record = {
        "format": EXPORT_FORMAT,
        "version": EXPORT_FORMAT_VERSION,
        "fingerprint": fingerprint,
        "source": {"root_name": root.name, **meta},
        "options": options,
        "rows": table.num_rows,
        "splits": split_rows,
        "files": [vars(f) for f in files],
        "licenses": [vars(e) for e in licenses],
    }
    if status is not None:  # what the build planned, so a partial export (--allow-incomplete) says so
        record["build"] = {"pairs_planned": status.pairs_planned, "pairs_done": status.pairs_done,
                           "complete": status.complete}
    # Written last: its presence is what marks the export complete.
    with _writing(export_dir / EXPORT_MANIFEST):
        write_text_atomic(export_dir / EXPORT_MANIFEST, json.dumps(record, indent=2, sort_keys=True) + "\n")
    return ExportResult(
        export_dir=export_dir,
        files=files,
        rows=table.num_rows,
        shards_written=written,
        shards_kept=kept,
        fingerprint=fingerprint,
        split_rows=split_rows,
    )


def read_export_record(export_dir: Path) -> dict:
    """The `uir-export.json` of a complete export; ExportError when missing or unreadable."""
    path = Path(export_dir) / EXPORT_MANIFEST
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ExportError(f"{path}: missing; the export is incomplete, run the export again") from None
    except (OSError, ValueError) as error:
        raise ExportError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(record, dict) or record.get("format") != EXPORT_FORMAT:
        raise ExportError(f"{path}: not a uir export record")
    return record
