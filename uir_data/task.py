"""One build task: a contiguous slice of the plan -> image files, one manifest part, one marker (last)."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from uir_data.atomic import write_bytes_atomic, write_text_atomic
from uir_data.degrade.base import NearIdentityError
from uir_data.degrade.registry import get_degradation
from uir_data.image_io import RejectedImage, encode_png, fit_size, image_size, read_source, sha256_hex
from uir_data.manifest import MANIFEST_DIRNAME, rows_to_table, write_table
from uir_data.plan import Task, Unit
from uir_data.seeding import make_rng, sample_seed
from uir_data.sources.base import printable_path
from uir_data.taxonomy import get_type

MARKERS_DIRNAME = "_tasks"


@dataclass(frozen=True)
class TaskContext:
    out: str
    recipe_name: str
    recipe_hash: str
    seed: int
    min_side: int
    max_pixels: int
    max_side: int
    packing_hash: str = ""
    short_side: int = 0  # Plan.packing_hash: which cut of the plan this task's marker certifies


@dataclass
class TaskResult:
    index: int
    rows: int
    planned: int
    counts: dict[str, int] = field(default_factory=dict)
    rejected: list[dict[str, str]] = field(default_factory=list)
    # What the marker certifies: task `index` of the packing `packing`, samples first..last of the plan.
    packing: str = ""
    first_sample: str = ""
    last_sample: str = ""


def part_path(out: Path, index: int) -> Path:
    return Path(out) / MANIFEST_DIRNAME / f"part-{index:05d}.parquet"


def marker_path(out: Path, index: int) -> Path:
    return Path(out) / MARKERS_DIRNAME / f"task-{index:05d}.json"


def read_marker(out: Path, index: int) -> dict[str, Any] | None:
    try:
        marker = json.loads(marker_path(out, index).read_text())
    except (OSError, json.JSONDecodeError, UnicodeDecodeError):
        return None
    return marker if isinstance(marker, dict) else None


def intact_marker(out: Path, index: int, packing: str | None = None) -> dict[str, Any] | None:
    """The marker of a finished task, or None: it must parse, certify this packing of the plan (when
    `packing` is given), and its part must hold exactly the rows the marker records."""
    marker = read_marker(out, index)
    if marker is None or marker.get("index") != index:
        return None
    if packing is not None and marker.get("packing") != packing:
        return None
    rows = marker.get("rows")
    if rows == 0:
        return marker
    try:
        return marker if pq.read_metadata(part_path(out, index)).num_rows == rows else None
    except (OSError, ValueError):  # missing, or not Parquet (ArrowInvalid is a ValueError)
        return None


def task_is_intact(out: Path, index: int, packing: str | None = None) -> bool:
    """A task is done when its marker parses, certifies this packing of the plan (when `packing` is given)
    and its part holds exactly the rows the marker records."""
    return intact_marker(out, index, packing) is not None


def _base_row(unit: Unit, gt_info: dict[str, Any]) -> dict[str, Any]:
    return {
        "split": unit.split,
        "source_dataset": unit.source_dataset,
        "group_id": unit.group_id,
        "license": unit.license,
        "gt_path": unit.gt_path,
        **gt_info,
    }


class _LastSource:
    """The last decoded clean image of a task: the tiles of one source are consecutive units of the plan,
    so each source is decoded once per task, not once per tile."""

    def __init__(self) -> None:
        self.key: tuple[str, int, int, int] | None = None
        self.value: tuple[Any, tuple[str, ...]] | RejectedImage | None = None

    def get(self, unit: Unit, context: TaskContext) -> tuple[Any, tuple[str, ...]]:
        key = (unit.gt_file, context.max_side, context.short_side, context.max_pixels)
        if key != self.key:
            self.key = key
            try:
                decoded = read_source(Path(unit.gt_file), min_side=context.min_side, max_pixels=context.max_pixels)
                rgb = fit_size(decoded.rgb, max_side=context.max_side, short_side=context.short_side)
                self.value = (rgb, decoded.conversions)
            except RejectedImage as problem:
                self.value = problem
        if isinstance(self.value, RejectedImage):
            raise self.value
        return self.value


def _cut(rgb, unit: Unit):
    """The unit's tile of the (downscaled) source, or the whole image."""
    if unit.box is None:
        return rgb
    left, top, width, height = unit.box
    if top + height > rgb.shape[0] or left + width > rgb.shape[1]:
        raise RejectedImage(
            f"tile {unit.box} lies outside the decoded {rgb.shape[1]}x{rgb.shape[0]} image (the header "
            "promised another size)"
        )
    return rgb[top : top + height, left : left + width]


def _synthetic_rows(
    unit: Unit, context: TaskContext, out: Path, rejected: list, sources: _LastSource
) -> list[dict[str, Any]]:
    try:
        scaled, conversions = sources.get(unit, context)
        clean = np.ascontiguousarray(_cut(scaled, unit))
    except RejectedImage as problem:
        rejected.append(_rejection(unit, unit.gt_file, problem.reason))
        return []
    height, width = clean.shape[:2]
    gt_bytes = encode_png(clean)
    write_bytes_atomic(out / unit.gt_path, gt_bytes)
    base = _base_row(
        unit, {"gt_sha256": sha256_hex(gt_bytes), "gt_bytes": len(gt_bytes), "height": height, "width": width}
    )
    rows = []
    for sample in unit.samples:
        seed = sample_seed(context.seed, sample.sample_id)
        degradation = get_degradation(sample.degradation)
        try:  # the first draw is the plain sample(); a near-identity pair is redrawn (same seed, same bytes)
            params, lq = degradation.degrade(clean, make_rng(seed), sample.level)
        except NearIdentityError as problem:  # a flat image no draw of this level changes: not a training pair
            rejected.append({**_rejection(unit, unit.gt_file, f"{sample.sample_id}: {problem}"), "pairs_lost": "1"})
            continue
        if conversions:
            params = {**params, "input_conversions": list(conversions)}
        if unit.box is not None:  # where the GT comes from: replay starts from the GT file itself
            params = {**params, "source_box": list(unit.box), "source_scaled_to": list(scaled.shape[:2])}
        lq_bytes = encode_png(lq)
        write_bytes_atomic(out / sample.lq_path, lq_bytes)
        rows.append(_row(base, sample, params, seed, lq_bytes))
    return rows


def _paired_rows(unit: Unit, out: Path, rejected: list) -> list[dict[str, Any]]:
    try:
        gt_bytes = Path(unit.gt_file).read_bytes()
    except OSError as error:
        rejected.append(_rejection(unit, unit.gt_file, f"cannot read GT ({error.strerror})"))
        return []
    gt_size = image_size(gt_bytes)
    if gt_size is None:
        rejected.append(_rejection(unit, unit.gt_file, "GT is not a readable image"))
        return []
    rows = []
    base = _base_row(
        unit,
        {"gt_sha256": sha256_hex(gt_bytes), "gt_bytes": len(gt_bytes), "height": gt_size[0], "width": gt_size[1]},
    )
    for sample in unit.samples:
        try:
            lq_bytes = Path(sample.lq_file).read_bytes()
        except OSError as error:
            rejected.append(_rejection(unit, sample.lq_file, f"cannot read LQ ({error.strerror})"))
            continue
        lq_size = image_size(lq_bytes)
        if lq_size != gt_size:
            reason = "LQ is not a readable image" if lq_size is None else (
                f"size mismatch: LQ {lq_size[1]}x{lq_size[0]} vs GT {gt_size[1]}x{gt_size[0]} ({unit.gt_file})"
            )
            rejected.append(_rejection(unit, sample.lq_file, reason))
            continue
        write_bytes_atomic(out / sample.lq_path, lq_bytes)  # byte for byte, never re-encoded
        rows.append(_row(base, sample, sample.params, None, lq_bytes))
    if rows:
        write_bytes_atomic(out / unit.gt_path, gt_bytes)
    return rows


def _row(base: dict[str, Any], sample, params: dict[str, Any], seed: int | None, lq_bytes: bytes) -> dict[str, Any]:
    kind = get_type(sample.degradation)
    return {
        **base,
        "sample_id": sample.sample_id,
        "degradation": kind.abbrev,
        "label": kind.label,
        "components": list(kind.components),
        "level": sample.level,
        "params": json.dumps(params, sort_keys=True, separators=(",", ":")),
        "origin": sample.origin,
        "source_path": sample.source_path,
        "lq_path": sample.lq_path,
        "lq_sha256": sha256_hex(lq_bytes),
        "lq_bytes": len(lq_bytes),
        "seed": seed,
    }


def _rejection(unit: Unit, file: str, reason: str) -> dict[str, str]:
    return {
        "source_dataset": unit.source_dataset,
        "source_path": unit.source_path,
        "file": printable_path(str(file)),
        "reason": printable_path(reason),
        "pairs_lost": str(len(unit.samples)),
    }


def run_task(task: Task, context: TaskContext) -> TaskResult:
    """Execute one task end to end; safe to rerun (same bytes, atomic writes, marker last)."""
    out = Path(context.out)
    rows: list[dict[str, Any]] = []
    rejected: list[dict[str, str]] = []
    sources = _LastSource()
    for unit in task.units:
        if unit.kind == "synthetic":
            rows.extend(_synthetic_rows(unit, context, out, rejected, sources))
        else:
            rows.extend(_paired_rows(unit, out, rejected))
    if rows:
        write_table(rows_to_table(rows, context.recipe_name, context.recipe_hash), part_path(out, task.index))
    else:  # no rows: a part of this number left by an older cut of the plan must not survive
        part_path(out, task.index).unlink(missing_ok=True)
    counts = Counter(f"{row['degradation']}/{row['split']}" for row in rows)
    result = TaskResult(
        task.index,
        len(rows),
        task.n_samples,
        dict(counts),
        rejected,
        packing=context.packing_hash,
        first_sample=task.first_sample,
        last_sample=task.last_sample,
    )
    write_text_atomic(marker_path(out, task.index), json.dumps(result.__dict__, sort_keys=True))
    return result
