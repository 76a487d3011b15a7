"""`uir build-dataset --dry-run`: the plan, and its disk bytes and core-hours measured on a sample of it.

The sample is real work: a few pairs spread evenly over the plan are built, by the same task code, into
a temporary folder; their CPU time and file sizes, scaled to the plan, are the estimate. Nothing is
written under --out.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from uir_data.build import PreparedBuild
from uir_data.image_io import header_size, scaled_size
from uir_data.manifest import write_table
from uir_data.plan import Task, Unit
from uir_data.task import TaskContext, part_path, run_task, task_is_intact

SAMPLE_PAIRS_PER_TYPE = 2
HEADER_SAMPLE = 256  # GT headers read per type to learn the plan's image sizes


@dataclass
class BuildEstimate:
    out: str
    recipe: str
    pairs_planned: int
    gt_images: int
    tasks: int
    pairs_per_task: int
    pairs_pending: int  # not yet certified done in --out (all of them for a new folder)
    pairs_by_type_split: dict[str, dict[str, int]] = field(default_factory=dict)
    pairs_by_source_split: dict[str, dict[str, int]] = field(default_factory=dict)
    missing_datasets: list[str] = field(default_factory=list)
    sample_pairs: int = 0  # pairs built to measure
    sample_cpu_seconds: float = 0.0
    bytes_estimate: int | None = None  # whole plan: LQ + GT + manifest
    core_hours_estimate: float | None = None  # whole plan, CPU time of the tasks (not wall time)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _spread(units: list[Unit], per_type: int) -> dict[str, list[Unit]]:
    """Per degradation type, `per_type` one-pair units taken evenly over that type's pairs in the plan (so
    sources and levels weigh as planned); types differ most in cost and file size, so each is measured."""
    by_type: dict[str, list[tuple[Unit, Any]]] = {}
    for unit in units:
        for sample in unit.samples:
            by_type.setdefault(sample.degradation, []).append((unit, sample))
    picked = {}
    for abbrev, flat in by_type.items():
        k = min(per_type, len(flat))
        picks = [flat[(2 * j + 1) * len(flat) // (2 * k)] for j in range(k)]
        picked[abbrev] = [replace(unit, samples=(sample,)) for unit, sample in picks]
    return picked


def estimate_build(prepared: PreparedBuild, per_type: int = SAMPLE_PAIRS_PER_TYPE) -> BuildEstimate:
    """Plan summary plus bytes and core-hours extrapolated from `per_type` pairs of each type really built."""
    plan, recipe = prepared.plan, prepared.recipe
    units = [unit for task in plan.tasks for unit in task.units]
    by_type: dict[str, Counter[str]] = {}
    by_source: dict[str, Counter[str]] = {}
    for unit in units:
        for sample in unit.samples:
            by_type.setdefault(sample.degradation, Counter())[unit.split] += 1
            by_source.setdefault(unit.source_dataset, Counter())[unit.split] += 1
    out = prepared.out
    pending = plan.n_samples
    if prepared.previous is not None:
        done = [t for t in plan.tasks if task_is_intact(out, t.index, plan.packing_hash)]
        pending -= sum(t.n_samples for t in done)
    estimate = BuildEstimate(
        out=str(out),
        recipe=recipe.name,
        pairs_planned=plan.n_samples,
        gt_images=len(units),
        tasks=len(plan.tasks),
        pairs_per_task=plan.pairs_per_task,
        pairs_pending=pending,
        pairs_by_type_split={t: dict(sorted(c.items())) for t, c in by_type.items()},
        pairs_by_source_split={s: dict(sorted(c.items())) for s, c in sorted(by_source.items())},
        missing_datasets=prepared.planned.missing,
    )
    if per_type > 0:
        _measure(estimate, prepared, units, per_type)
    return estimate


def _pixels(unit: Unit, recipe) -> int | None:
    """Pixels of a unit's GT as the build will store it, from the header alone."""
    if unit.box is not None:
        return unit.box[2] * unit.box[3]
    size = header_size(Path(unit.gt_file))
    if size is None:
        return None
    if unit.kind == "synthetic":
        size = scaled_size(*size, max_side=recipe.max_side, short_side=recipe.short_side)
    return size[0] * size[1]


def _mean_pixels(units: list[Unit], recipe, limit: int = HEADER_SAMPLE) -> float | None:
    """Mean GT pixels over up to `limit` units spread evenly over the list (headers only, no decoding)."""
    k = min(limit, len(units))
    sizes = [_pixels(units[(2 * j + 1) * len(units) // (2 * k)], recipe) for j in range(k)]
    sizes = [size for size in sizes if size]
    return sum(sizes) / len(sizes) if sizes else None


def _measure(estimate: BuildEstimate, prepared: PreparedBuild, units: list[Unit], per_type: int) -> None:
    """Build a few pairs of each type; bytes and CPU per pixel, times the plan's pixels, are the estimate.

    Per pixel, because sources differ in size far more than pairs of one type differ in cost: two sampled
    pairs of a 0.9 MP photo must not stand for a plan of 0.2 MP ones."""
    recipe, plan = prepared.recipe, prepared.plan
    picked = _spread(units, per_type)
    lq_rate: dict[str, list[float]] = {}
    cpu_rate: dict[str, list[float]] = {}
    gt_rate: list[float] = []
    single_part_bytes: list[int] = []
    tables: list[pa.Table] = []
    manifest_bytes, index = 0.0, 0
    with tempfile.TemporaryDirectory(prefix="uir-dry-run-") as scratch:
        context = TaskContext(
            out=scratch,
            recipe_name=recipe.name,
            recipe_hash=recipe.content_hash(),
            seed=recipe.seed,
            min_side=recipe.min_side,
            max_pixels=recipe.max_pixels,
            max_side=recipe.max_side,
            short_side=recipe.short_side,
        )
        for abbrev, sample in picked.items():
            for unit in sample:
                cpu = time.process_time()
                result = run_task(Task(index, (unit,)), context)
                seconds = time.process_time() - cpu
                estimate.sample_cpu_seconds += seconds
                if result.rows:
                    part = part_path(Path(scratch), index)
                    row = pq.read_table(part, columns=["lq_bytes", "gt_bytes", "height", "width"]).to_pylist()[0]
                    pixels = row["height"] * row["width"]
                    lq_rate.setdefault(abbrev, []).append(row["lq_bytes"] / pixels)
                    cpu_rate.setdefault(abbrev, []).append(seconds / pixels)
                    gt_rate.append(row["gt_bytes"] / pixels)
                    single_part_bytes.append(part.stat().st_size)
                    tables.append(pq.read_table(part))
                index += 1
        if tables:  # a part's size is a fixed overhead plus a per-row cost: learn both from 1 and k rows
            together = Path(scratch) / "together.parquet"
            write_table(pa.concat_tables(tables), together)
            k = len(tables)
            one_row = sum(single_part_bytes) / k
            per_row = max(0.0, (together.stat().st_size - one_row) / (k - 1)) if k > 1 else one_row
            manifest_bytes = plan.n_samples * per_row + len(plan.tasks) * max(0.0, one_row - per_row)
    estimate.sample_pairs = index
    estimate.sample_cpu_seconds = round(estimate.sample_cpu_seconds, 3)
    if not tables:
        return  # every sampled input was rejected: nothing to extrapolate from

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    all_lq, all_cpu = [r for v in lq_rate.values() for r in v], [r for v in cpu_rate.values() for r in v]
    units_of: dict[str, list[Unit]] = {}
    for unit in units:
        for abbrev in {sample.degradation for sample in unit.samples}:
            units_of.setdefault(abbrev, []).append(unit)
    lq_total = cpu_total = 0.0
    for abbrev, by_split in estimate.pairs_by_type_split.items():
        pixels = _mean_pixels(units_of[abbrev], recipe) or 0.0
        count = sum(by_split.values())
        lq_total += count * pixels * mean(lq_rate.get(abbrev) or all_lq)
        cpu_total += count * pixels * mean(cpu_rate.get(abbrev) or all_cpu)
    gt_total = plan.n_units * (_mean_pixels(units, recipe) or 0.0) * mean(gt_rate)
    estimate.bytes_estimate = round(lq_total + gt_total + manifest_bytes)
    # Each sampled pair paid for decoding and storing its own GT; a real task does that once per image,
    # so this errs high for recipes with many pairs per image.
    # Three significant digits, not four decimals: a small plan's 0.00003 core-hours must not print as 0.
    estimate.core_hours_estimate = float(f"{cpu_total / 3600:.3g}")
