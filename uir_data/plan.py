"""Recipe + sources -> plan: the full, ordered list of samples, grouped into units and tasks.

A *unit* is one GT image with every sample made from it; it never spans two tasks, so each GT file is
written by exactly one task. A *task* is a contiguous run of units (~`pairs_per_task` samples) and yields
one manifest part. The plan depends only on the recipe and the sources, never on the worker count.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from uir_data.degrade.registry import NotImplementedTypeError, get_degradation
from uir_data.errors import UsageError
from uir_data.image_io import header_size, scaled_size
from uir_data.recipe import Recipe, SyntheticBlock
from uir_data.seeding import make_rng
from uir_data.sources.base import CleanItem, PairItem
from uir_data.taxonomy import get_type

# Task size scales with the plan: ~64 tasks for small builds (so every core gets work), at most 1000 pairs
# per task for big ones (2.5M pairs -> ~2500 parts, not a million tiny files). Depends on the plan only.
MIN_PAIRS_PER_TASK = 16
MAX_PAIRS_PER_TASK = 1000


def auto_pairs_per_task(n_pairs: int) -> int:
    return min(MAX_PAIRS_PER_TASK, max(MIN_PAIRS_PER_TASK, -(-n_pairs // 64)))


# slots: a full-size plan holds ~2.5M samples and ~700k units; without a __dict__ each costs ~300 bytes less.
@dataclass(frozen=True, slots=True)
class SampleSpec:
    sample_id: str
    degradation: str
    level: int | None
    variant: int
    lq_path: str
    origin: str
    source_path: str  # the LQ's source inside its dataset for paired data; the clean image otherwise
    lq_file: str | None = None  # absolute path of a published LQ file (paired data only)
    params: dict[str, Any] = field(default_factory=dict)  # dataset-provided params (paired data only)


@dataclass(frozen=True, slots=True)
class Unit:
    kind: str  # "synthetic" or "paired"
    gt_file: str  # absolute path of the clean image to load or copy
    gt_path: str  # where the GT goes, relative to the dataset root
    source_dataset: str
    source_path: str  # the GT inside its dataset
    group_id: str
    license: str
    split: str
    samples: tuple[SampleSpec, ...]
    # (left, top, width, height) of the GT inside the (downscaled) source when the recipe cuts tiles
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class Task:
    index: int
    units: tuple[Unit, ...]

    @functools.cached_property  # read per task by the packing hash, the progress and the summary
    def n_samples(self) -> int:
        return sum(len(unit.samples) for unit in self.units)

    @property
    def first_sample(self) -> str:
        return self.units[0].samples[0].sample_id

    @property
    def last_sample(self) -> str:
        return self.units[-1].samples[-1].sample_id


@dataclass(frozen=True)
class Plan:
    tasks: tuple[Task, ...]
    plan_hash: str
    pairs_per_task: int = 0

    @functools.cached_property  # a walk over every task: computed once per plan, not once per use
    def packing_hash(self) -> str:
        """Hash of the plan *and* its cut into tasks: a completion marker certifies task i of exactly this
        packing, so markers of a build with another --pairs-per-task never count (issue: 724-of-400 pairs)."""
        digest = hashlib.sha256(self.plan_hash.encode())
        for task in self.tasks:
            digest.update(f"|{task.index}:{task.n_samples}:{task.first_sample}".encode())
        return digest.hexdigest()[:16]

    @functools.cached_property
    def n_samples(self) -> int:
        return sum(task.n_samples for task in self.tasks)

    @property
    def n_units(self) -> int:
        return sum(len(task.units) for task in self.tasks)


def slug(text: str) -> str:
    """A file-name-safe, readable rendering of a source path: 'a/b c.png' -> 'a--b_c_png'."""
    text = text.replace("/", "--").replace(".", "_")
    return re.sub(r"[^A-Za-z0-9_\-]", "_", text)


def unique_stem(dataset: str, source_path: str) -> str:
    """The readable slug of a source path plus 8 hex digits of a hash of the exact (dataset, path).

    Slugs are lossy ('a b.png', 'a_b.png' and 'a.b.png' share one; so do 'ä.png' and 'ö.png'), and 'A.png'
    and 'a.png' collide on case-insensitive file systems; the hash of the original name keeps every id and
    file name distinct by construction, so two photos can never merge into one sample.
    """
    digest = hashlib.sha256(f"{dataset}\n{source_path}".encode()).hexdigest()[:8]
    return f"{slug(source_path)}-{digest}"


# Generated samples have no dataset-provided params: one shared empty dict (never mutated) instead of 2M.
_NO_PARAMS: dict[str, Any] = {}
_ODD_PARTS = {"", ".", ".."}  # segments that pathlib would normalise away (or that escape the root)


def safe_relative(path: str, what: str) -> str:
    """Reject absolute paths and '..' so manifest paths never escape the dataset root."""
    if path and "\\" not in path and path[0] != "/" and not _ODD_PARTS & set(path.split("/")):
        return path  # already what PurePosixPath(path).as_posix() gives: skip pathlib for millions of names
    posix = PurePosixPath(path.replace("\\", "/"))
    if posix.is_absolute() or ".." in posix.parts or not posix.parts:
        raise UsageError(f"{what} {path!r} must be a relative path inside its dataset")
    return posix.as_posix()


def assign_splits(groups: Sequence[str], fractions: dict[str, float]) -> dict[str, str]:
    """Deterministic group -> split: groups ranked by a hash of their id, test and val quotas first.

    A quota rounds to the nearest count but is at least 1 when its fraction is positive and there are
    at least 3 groups, so even the 6-photo demo has a val and a test image.
    """
    unique = sorted(set(groups), key=lambda g: hashlib.sha256(g.encode()).hexdigest())
    n = len(unique)
    quotas = {}
    for split in ("test", "val"):
        fraction = fractions.get(split, 0.0)
        count = round(fraction * n)
        if fraction > 0 and n >= 3:
            count = max(1, count)
        quotas[split] = count
    assignment = {}
    position = 0
    for split in ("test", "val"):
        for group in unique[position : position + quotas[split]]:
            assignment[group] = split
        position += quotas[split]
    for group in unique[position:]:
        assignment[group] = "train"
    return assignment


def _choose_levels(block: SyntheticBlock, n_levels: int, seed: int, group_id: str, abbrev: str) -> list[int]:
    if block.levels == "all":
        return list(range(n_levels))
    if block.levels == "named":
        names = [level.name for level in get_degradation(abbrev).levels]
        unknown = [name for name in block.level_names if name not in names]
        if unknown:
            raise UsageError(f"recipe names levels {unknown} that type {abbrev} does not have; its levels: {names}")
        return [names.index(name) for name in block.level_names]
    rng = make_rng(seed, "levels", group_id, abbrev)
    k = max(1, block.variants_per_type)
    if block.levels == "random":
        return [int(x) for x in rng.integers(0, n_levels, size=k)]
    # spread: k levels evenly over the grid with a random phase, so different images cover different levels
    offset = int(rng.integers(0, n_levels))
    return [(offset + (j * n_levels) // k) % n_levels for j in range(k)]


def tile_positions(length: int, tile: int, step: int) -> list[int]:
    """Tile starts along one side, as BasicSR's extract_subimages (threshold 0): every `step`, plus one
    flush with the far edge when the grid does not end there. A side shorter than a tile is one tile."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile + 1, step))
    if starts[-1] + tile < length:
        starts.append(length - tile)
    return starts


def source_boxes(item: CleanItem, recipe: Recipe) -> list[tuple[int, int, int, int] | None]:
    """The GT boxes (left, top, width, height) a clean image is cut into; [None] when the recipe does not
    cut (or the header is unreadable: the task then rejects the file with its reason)."""
    if recipe.tile_size <= 0:
        return [None]
    size = header_size(Path(item.file))
    if size is None:
        return [None]
    height, width = scaled_size(*size, max_side=recipe.max_side, short_side=recipe.short_side)
    tile, step = recipe.tile_size, recipe.tile_step or recipe.tile_size // 2
    return [
        (left, top, min(tile, width), min(tile, height))
        for top in tile_positions(height, tile, step)
        for left in tile_positions(width, tile, step)
    ]


def synthetic_units(
    items: Sequence[CleanItem], block: SyntheticBlock, recipe: Recipe, split_of: dict[str, str]
) -> list[Unit]:
    units = []
    for item in items:
        source_path = safe_relative(item.source_path, f"source path of {item.file}")
        for box in source_boxes(item, recipe):
            units.append(_synthetic_unit(item, source_path, box, block, recipe, split_of))
    return units


def _synthetic_unit(
    item: CleanItem,
    source_path: str,
    box: tuple[int, int, int, int] | None,
    block: SyntheticBlock,
    recipe: Recipe,
    split_of: dict[str, str],
) -> Unit:
    dataset = slug(item.source_dataset)
    stem = unique_stem(item.source_dataset, source_path)
    level_key = item.group_id
    if box is not None:  # each tile is its own GT; levels spread over tiles, not only over images
        stem = f"{stem}--tile-{box[1]:05d}-{box[0]:05d}"
        level_key = f"{item.group_id}#{box[1]},{box[0]}"
    samples = []
    for abbrev in block.types:
        try:
            degradation = get_degradation(abbrev)
        except NotImplementedTypeError as error:
            raise UsageError(f"{error}; choose other types with --types") from None
        for variant, level in enumerate(
            _choose_levels(block, len(degradation.levels), recipe.seed, level_key, abbrev)
        ):
            name = f"{abbrev}-L{level:02d}-v{variant}"
            samples.append(
                SampleSpec(
                    sample_id=f"{dataset}--{stem}--{name}",
                    degradation=abbrev,
                    level=level,
                    variant=variant,
                    lq_path=f"lq/{abbrev}/{dataset}/{stem}--{name}.png",
                    origin="generated",
                    source_path=source_path,
                    params=_NO_PARAMS,
                )
            )
    return Unit(
        kind="synthetic",
        gt_file=str(item.file),
        gt_path=f"gt/{dataset}/{stem}.png",
        source_dataset=item.source_dataset,
        source_path=source_path,
        group_id=item.group_id,
        license=item.license,
        split=item.split or split_of[item.group_id],
        samples=tuple(samples),
        box=box,
    )


def paired_units(pairs: Sequence[PairItem]) -> list[Unit]:
    """Group published pairs by their GT file, so a GT shared by many LQs is stored once."""
    by_gt: dict[tuple[str, str], list[PairItem]] = {}
    for pair in pairs:
        by_gt.setdefault((pair.source_dataset, str(pair.gt_file)), []).append(pair)
    units = []
    for (dataset_name, gt_file), members in by_gt.items():
        first = members[0]
        dataset = slug(dataset_name)
        gt_source = safe_relative(first.gt_source_path, f"GT path of {gt_file}")
        samples = []
        for pair in members:
            lq_source = safe_relative(pair.source_path, f"LQ path of {pair.lq_file}")
            abbrev = get_type(pair.degradation).abbrev
            samples.append(
                SampleSpec(
                    sample_id=f"{dataset}--{unique_stem(dataset_name, lq_source)}",
                    degradation=abbrev,
                    level=None,
                    variant=0,
                    lq_path=f"lq/{abbrev}/{dataset}/{lq_source}",
                    origin=pair.origin,
                    source_path=lq_source,
                    lq_file=str(pair.lq_file),
                    params=dict(pair.params),
                )
            )
        units.append(
            Unit(
                kind="paired",
                gt_file=gt_file,
                gt_path=f"gt/{dataset}/{gt_source}",
                source_dataset=dataset_name,
                source_path=gt_source,
                group_id=first.group_id,
                license=first.license,
                split=first.split,
                samples=tuple(samples),
            )
        )
    return units


def limit_units(units: Sequence[Unit], limit: int | None) -> list[Unit]:
    """Keep the first `limit` samples of the plan (the last unit may be cut short)."""
    if limit is None:
        return list(units)
    kept, remaining = [], limit
    for unit in units:
        if remaining <= 0:
            break
        if len(unit.samples) > remaining:
            unit = replace(unit, samples=unit.samples[:remaining])
        kept.append(unit)
        remaining -= len(unit.samples)
    return kept


def resolve_pairs_per_task(units: Sequence[Unit], pairs_per_task: int | None) -> int:
    """The task size a plan is cut with: the user's, or one derived from the plan size alone."""
    if pairs_per_task is None:
        return auto_pairs_per_task(sum(len(unit.samples) for unit in units))
    if pairs_per_task < 1:
        raise UsageError(f"--pairs-per-task must be at least 1, got {pairs_per_task}")
    return pairs_per_task


def pack_tasks(units: Sequence[Unit], pairs_per_task: int | None = None) -> list[Task]:
    pairs_per_task = resolve_pairs_per_task(units, pairs_per_task)
    tasks, current, count = [], [], 0
    for unit in units:
        current.append(unit)
        count += len(unit.samples)
        if count >= pairs_per_task:
            tasks.append(Task(len(tasks), tuple(current)))
            current, count = [], 0
    if current:
        tasks.append(Task(len(tasks), tuple(current)))
    return tasks


def check_unique(units: Sequence[Unit]) -> None:
    """Refuse two samples with one id or one LQ path. Sets, not dicts: 2.5M ids are checked at full size;
    the rare collision is then located by a second pass, for the message."""
    seen_ids: set[str] = set()
    seen_paths: set[str] = set()
    for unit in units:
        for sample in unit.samples:
            if sample.sample_id in seen_ids:
                first = next(u for u in units if any(s.sample_id == sample.sample_id for s in u.samples))
                raise UsageError(
                    f"two sources map to the same sample id {sample.sample_id!r} "
                    f"({first.gt_file} and {unit.gt_file}); rename one of them"
                )
            seen_ids.add(sample.sample_id)
            if sample.lq_path in seen_paths:
                raise UsageError(f"two samples would write {sample.lq_path!r}; rename one of the sources")
            seen_paths.add(sample.lq_path)


def fingerprint(units: Sequence[Unit]) -> str:
    """Hash of everything that decides the output: units, samples and each source file's size."""
    digest = hashlib.sha256()
    for unit in units:
        digest.update(_unit_json(unit).encode())
    return digest.hexdigest()[:16]


_quote = json.encoder.encode_basestring_ascii  # what json.dumps writes for a str (C version)


def _unit_json(unit: Unit) -> str:
    """`json.dumps(_unit_record(unit), sort_keys=True)`, written directly: keys in sorted order, default
    separators. ~3x faster for ~2.5M samples; tests/uir_data/test_build.py compares the two strings."""
    samples = []
    for sample in unit.samples:
        level = "null" if sample.level is None else int(sample.level)
        params = "{}" if not sample.params else json.dumps(sample.params, sort_keys=True)
        size = f'"lq_size": {_file_size(sample.lq_file)}, ' if sample.lq_file else ""
        samples.append(
            f'{{"degradation": {_quote(sample.degradation)}, "level": {level}, "lq_path": {_quote(sample.lq_path)}, '
            f'{size}"origin": {_quote(sample.origin)}, "params": {params}, "sample_id": {_quote(sample.sample_id)}, '
            f'"source_path": {_quote(sample.source_path)}, "variant": {int(sample.variant)}}}'
        )
    box = "null" if unit.box is None else json.dumps(list(unit.box))
    return (
        f'{{"box": {box}, "group_id": {_quote(unit.group_id)}, "gt_path": {_quote(unit.gt_path)}, '
        f'"gt_size": {_file_size(unit.gt_file)}, "kind": {_quote(unit.kind)}, "license": {_quote(unit.license)}, '
        f'"samples": [{", ".join(samples)}], "source_dataset": {_quote(unit.source_dataset)}, '
        f'"source_path": {_quote(unit.source_path)}, "split": {_quote(unit.split)}}}'
    )


def _unit_record(unit: Unit) -> dict[str, Any]:
    """What `dataclasses.asdict(unit)` gives, with the source paths replaced by file sizes (moving the sources
    still resumes). Built by hand: asdict deep-copies every field and took 2 of the 4 minutes of a
    2.5M-pair plan. The hash itself is taken of `_unit_json`, the same text written directly."""
    samples = []
    for sample in unit.samples:
        record = {
            "sample_id": sample.sample_id,
            "degradation": sample.degradation,
            "level": sample.level,
            "variant": sample.variant,
            "lq_path": sample.lq_path,
            "origin": sample.origin,
            "source_path": sample.source_path,
            "params": sample.params,
        }
        if sample.lq_file:
            record["lq_size"] = _file_size(sample.lq_file)
        samples.append(record)
    return {
        "kind": unit.kind,
        "gt_path": unit.gt_path,
        "source_dataset": unit.source_dataset,
        "source_path": unit.source_path,
        "group_id": unit.group_id,
        "license": unit.license,
        "split": unit.split,
        "samples": samples,
        "box": unit.box,
        "gt_size": _file_size(unit.gt_file),
    }


def _file_size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1
