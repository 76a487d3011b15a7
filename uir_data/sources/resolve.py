"""Turn a recipe's source names and the CLI's --source/--sources-root into CleanItems and PairItems."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from uir_data.errors import UsageError
from uir_data.recipe import Recipe
from uir_data.sources import catalog
from uir_data.sources.base import CleanItem, PairItem, is_printable, printable_path
from uir_data.sources.bundled import BUNDLED_NAME, bundled_items
from uir_data.sources.folder import folder_items

FOLDER_PREFIX = "folder:"


@dataclass
class ResolvedSources:
    clean_by_block: list[list[CleanItem]] = field(default_factory=list)
    pairs: list[PairItem] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (dataset, expected layout)
    problems: list[dict[str, str]] = field(default_factory=list)  # unpaired/mismatched files the adapters met


def split_source_flags(values: tuple[str, ...]) -> tuple[tuple[str, ...], dict[str, Path]]:
    """--source values -> (folders of clean images, NAME=PATH adapter overrides)."""
    folders: list[str] = []
    overrides: dict[str, Path] = {}
    for value in values:
        name, sep, path = value.partition("=")
        if sep and name and not Path(value).exists():
            overrides[name.strip().lower()] = Path(path).expanduser()
        else:
            folder = Path(value).expanduser()
            if not folder.is_dir():
                raise UsageError(f"--source {value}: not a folder (give a folder of images, or NAME=PATH)")
            folders.append(FOLDER_PREFIX + str(folder.resolve()))
    return tuple(folders), overrides


def _problem_records(dataset: str, problems) -> list[dict[str, str]]:
    """Adapter problems in the shape of rejected.jsonl lines (never silently dropped)."""
    return [
        {
            "source_dataset": dataset,
            "file": printable_path(str(p.file)),
            "reason": printable_path(f"{p.check}: {p.message}"),
            "stage": "source",
        }
        for p in problems
    ]


def _printable_clean(item: CleanItem) -> CleanItem:
    """A clean image whose name is not UTF-8 is still built: its manifest names are escaped (%XX), its
    file is read by its real name, and its id stays unique through the hash of the escaped name."""
    if all(is_printable(text) for text in (item.source_path, item.group_id, item.source_dataset)):
        return item
    return replace(
        item,
        source_dataset=printable_path(item.source_dataset),
        source_path=printable_path(item.source_path),
        group_id=printable_path(item.group_id),
    )


def _pair_name_problem(pair: PairItem) -> dict[str, str] | None:
    """A published pair keeps its file names byte for byte in the dataset root, which a manifest (UTF-8)
    cannot name when they are not UTF-8: such a pair is rejected, named with its bytes escaped."""
    names = (pair.source_path, pair.gt_source_path, pair.group_id)
    if all(is_printable(name) for name in names):
        return None
    return {
        "source_dataset": pair.source_dataset,
        "source_path": printable_path(pair.source_path),
        "file": printable_path(str(pair.lq_file)),
        "reason": "file name is not valid UTF-8 (bytes shown as %XX); rename the LQ/GT files to UTF-8 names",
        "pairs_lost": "1",
        "stage": "source",
    }


def resolve(
    recipe: Recipe, *, sources_root: Path | None, overrides: dict[str, Path], allow_missing: bool
) -> ResolvedSources:
    """Every clean item and pair the recipe names; missing datasets are collected, then refused or skipped."""
    resolved = ResolvedSources()
    # One scan per dataset folder, however many blocks read it (uir-2.5m reads LSDIR in four blocks and
    # REDS in two): listing a 85k-image folder is the slow part of planning.
    scans: dict[tuple[str, Path], catalog.ScanResult] = {}

    def scan(adapter: catalog.DatasetAdapter, root: Path) -> catalog.ScanResult:
        key = (adapter.name, root)
        if key not in scans:
            scans[key] = catalog.scan_source(adapter, root)
        return scans[key]

    for block in recipe.synthetic:
        items: list[CleanItem] = []
        for name in block.sources:
            if name == BUNDLED_NAME:
                items.extend(bundled_items())
            elif name.startswith(FOLDER_PREFIX):
                items.extend(map(_printable_clean, folder_items(Path(name[len(FOLDER_PREFIX) :]))))
            else:
                adapter = catalog.get_adapter(name)
                root = catalog.locate(name, sources_root, overrides)
                if root is None:
                    resolved.missing.append((adapter.name, adapter.expected_layout))
                    continue
                found = scan(adapter, root)
                items.extend(map(_printable_clean, found.clean))
                resolved.problems.extend(_problem_records(adapter.name, found.problems))
        resolved.clean_by_block.append(items)
    for block in recipe.paired:
        adapter = catalog.get_adapter(block.dataset)
        root = catalog.locate(block.dataset, sources_root, overrides)
        if root is None:
            resolved.missing.append((adapter.name, adapter.expected_layout))
            continue
        found = scan(adapter, root)
        resolved.problems.extend(_problem_records(adapter.name, found.problems))
        for pair in found.pairs:
            if block.types and pair.degradation not in block.types:
                continue
            if block.splits and pair.split not in block.splits:
                continue
            problem = _pair_name_problem(pair)
            if problem is not None:
                resolved.problems.append(problem)
                continue
            resolved.pairs.append(pair)
    if resolved.missing and not allow_missing:
        lines = "; ".join(f"{name} (expected: {layout})" for name, layout in resolved.missing)
        where = f"under {sources_root}" if sources_root else "(no --sources-root given)"
        raise UsageError(
            f"datasets not found {where}: {lines}. Put each under --sources-root DIR/<name>, point one "
            "elsewhere with --source NAME=PATH, or build the rest with --allow-missing"
        )
    return resolved
