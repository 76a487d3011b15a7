"""Export a dataset root to the Hugging Face layout: Parquet shards with embedded image bytes, a card, a record.

How rows become shards and how a shard is written is in shards.py; this module runs an export: it refuses
an unfinished build, plans and writes the shards, the example images, LICENSE.md, the card and the record.

Every shard is written under a temporary name and renamed when complete, and `uir-export.json` is written last,
so a killed export never leaves a half-written shard and never looks complete. A rerun keeps the shards whose
footer carries the same export fingerprint (same manifest, same options) and rewrites the rest.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from uir_data.atomic import TEMP_MARK, remove_stale_temps, write_bytes_atomic, write_text_atomic
from uir_data.dataset_root import require_complete
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
    LICENSE_NAME,
    META_EXPORT_FINGERPRINT,
    export_schema,
)
from uir_data.hub.licenses import license_file, source_licenses
from uir_data.hub.shards import (
    DEFAULT_ROW_GROUP_BYTES,
    DEFAULT_ROW_GROUP_ROWS,
    DEFAULT_SHARD_SIZE,
    ExportError,
    ImageReader,
    pair_sizes,
    parse_size,
    plan_shards,
    shard_is_current,
    write_shard,
)
from uir_data.manifest import ManifestError, part_files, read_manifest
from uir_data.taxonomy import ABBREVS

GALLERY_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".gif")

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


def default_export_dir(root: Path) -> Path:
    """Where an export goes when no --export-dir is given: a sibling folder `<root>-hub`."""
    root = Path(root).resolve()
    return root.with_name(f"{root.name}-hub")


def export_fingerprint(root: Path, options: dict[str, int | bool]) -> str:
    """Digest of what decides the shards' bytes: the manifest part files and the export options."""
    digest = hashlib.sha256()
    options = {"format": EXPORT_FORMAT_VERSION, **options}
    digest.update(json.dumps(options, sort_keys=True).encode())
    for part in part_files(root):
        digest.update(part.name.encode())
        digest.update(hashlib.sha256(part.read_bytes()).digest())
    return digest.hexdigest()


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
    reader = ImageReader(root, table, check_hashes)
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
        if shard_is_current(target, fingerprint, len(plan.rows)):
            kept += 1
            advance(len(plan.rows))
        else:
            with _writing(target):
                write_shard(target, plan, table, reader, schema, sizes, row_group_rows, row_group_bytes, cdc, advance)
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
        # counts only: the card is public, the root's local path is not its business
        incomplete=f"{status.pairs_done} of {status.pairs_planned} planned pairs"
        if status is not None and not status.complete
        else "",
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
