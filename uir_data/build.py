"""`uir build-dataset`: recipe -> plan -> tasks -> shards, resumable at any moment.

A task loads each GT, degrades, encodes, hashes and writes its files atomically, then its Parquet part,
then its completion marker (last). A rerun skips tasks whose marker and part are intact, so a build
killed at any point resumes without duplicates or holes. Executors only decide where tasks run.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from uir_data import ENGINE_VERSION
from uir_data.atomic import remove_stale_temps, write_text_atomic
from uir_data.errors import UsageError
from uir_data.executors import run_tasks
from uir_data.plan import (
    Plan,
    Unit,
    assign_splits,
    check_unique,
    fingerprint,
    limit_units,
    pack_tasks,
    paired_units,
    synthetic_units,
)
from uir_data.recipe import Recipe, load_recipe
from uir_data.sources.resolve import resolve, split_source_flags
from uir_data.task import MARKERS_DIRNAME, TaskContext, TaskResult, marker_path, task_is_intact
from uir_data.taxonomy import ABBREVS, get_type

RUN_FILE = "run.json"
REJECTED_FILE = "rejected.jsonl"
SUMMARY_FILE = "build-summary.json"


@dataclass
class BuildSummary:
    out: str
    recipe: str
    recipe_hash: str
    plan_hash: str
    seed: int
    pairs_planned: int
    tasks_total: int
    tasks_run: int
    tasks_skipped: int
    complete: bool
    seconds: float
    pairs_by_type_split: dict[str, dict[str, int]] = field(default_factory=dict)
    rejected: list[dict[str, str]] = field(default_factory=list)
    missing_datasets: list[str] = field(default_factory=list)

    @property
    def pairs_written(self) -> int:
        return sum(sum(by_split.values()) for by_split in self.pairs_by_type_split.values())

    def to_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data["pairs_written"] = self.pairs_written
        return data


@dataclass(frozen=True)
class PlanResult:
    plan: Plan
    missing: list[str]
    source_problems: list[dict[str, str]]


def make_plan(
    recipe: Recipe,
    *,
    folders: tuple[str, ...] = (),
    overrides: dict[str, Path] | None = None,
    sources_root: Path | None = None,
    limit: int | None = None,
    allow_missing: bool = False,
    pairs_per_task: int | None = None,
) -> PlanResult:
    """The deterministic plan for a recipe and its sources, missing datasets and source problems."""
    resolved = resolve(recipe, sources_root=sources_root, overrides=overrides or {}, allow_missing=allow_missing)
    unsplit = [item.group_id for items in resolved.clean_by_block for item in items if item.split is None]
    split_of = assign_splits(unsplit, recipe.split_fractions)
    merged: dict[str, Unit] = {}
    for block, items in zip(recipe.synthetic, resolved.clean_by_block, strict=True):
        for unit in synthetic_units(items, block, recipe, split_of):
            if unit.gt_path in merged:  # the same clean image in two blocks: one GT, samples appended
                previous = merged[unit.gt_path]
                unit = replace(previous, samples=previous.samples + unit.samples)
            merged[unit.gt_path] = unit
    units = list(merged.values()) + paired_units(resolved.pairs)
    units = limit_units(units, limit)
    check_unique(units)
    tasks = pack_tasks(units, pairs_per_task)
    return PlanResult(
        Plan(tuple(tasks), fingerprint(units)), [name for name, _ in resolved.missing], resolved.problems
    )


def _check_run_identity(out: Path, run_record: dict[str, Any]) -> None:
    """Refuse to resume a folder built from another recipe, seed, source set or limit."""
    run_file = out / RUN_FILE
    if not run_file.exists():
        if out.exists() and any(p.name != ".DS_Store" for p in out.iterdir()):
            raise UsageError(
                f"{out} exists and is not a uir build folder (no {RUN_FILE}); choose an empty or new --out"
            )
        return
    try:
        previous = json.loads(run_file.read_text())
    except (OSError, json.JSONDecodeError) as error:
        raise UsageError(f"{run_file}: unreadable run record ({error}); delete {out} to start over") from None
    for key in ("recipe_hash", "plan_hash"):
        if previous.get(key) != run_record[key]:
            raise UsageError(
                f"{out} holds a build of recipe {previous.get('recipe_name')!r} "
                f"(recipe {previous.get('recipe_hash')}, plan {previous.get('plan_hash')}) but this run asks for "
                f"recipe {run_record['recipe_name']!r} (recipe {run_record['recipe_hash']}, plan "
                f"{run_record['plan_hash']}): a different recipe, seed, type list, limit or source set. Rerun "
                f"with the original options to resume, or build into a new --out (or delete {out})"
            )


def build_dataset(
    out: Path,
    recipe: str | Recipe = "demo",
    *,
    sources: tuple[str, ...] = (),
    sources_root: Path | None = None,
    types: tuple[str, ...] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    limit: int | None = None,
    executor: str = "local",
    task_index: int | None = None,
    num_tasks: int | None = None,
    allow_missing: bool = False,
    pairs_per_task: int | None = None,
    on_start: Callable[[Plan, int], None] | None = None,
    on_task_done: Callable[[TaskResult], None] | None = None,
) -> BuildSummary:
    """Build (or resume) a dataset into `out`; returns what was built. See DESIGN.md, data flow."""
    started = time.perf_counter()
    out = Path(out)
    if isinstance(recipe, str):
        recipe = load_recipe(recipe)
    folders, overrides = split_source_flags(tuple(sources))
    if types is not None:
        types = tuple(t for t in ABBREVS if t in set(types))
    recipe = recipe.with_overrides(seed=seed, types=types, sources=folders or None)
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    if (task_index is None) != (num_tasks is None):
        raise UsageError("--task-index and --num-tasks go together")
    if num_tasks is not None and not 0 <= task_index < num_tasks:
        raise UsageError(f"--task-index must be in 0..{num_tasks - 1}, got {task_index}")

    planned = make_plan(
        recipe,
        folders=folders,
        overrides=overrides,
        sources_root=sources_root,
        limit=limit,
        allow_missing=allow_missing,
        pairs_per_task=pairs_per_task,
    )
    plan = planned.plan
    if plan.n_samples == 0:
        raise UsageError("the recipe and sources give no samples to build (check --types, --source, --limit)")
    recipe_hash = recipe.content_hash()
    run_record = {
        "recipe_name": recipe.name,
        "recipe_hash": recipe_hash,
        "plan_hash": plan.plan_hash,
        "seed": recipe.seed,
        "engine_version": ENGINE_VERSION,
        "tasks": len(plan.tasks),
        "pairs": plan.n_samples,
        "recipe": recipe.to_dict(),
    }
    _check_run_identity(out, run_record)
    out.mkdir(parents=True, exist_ok=True)
    if not (out / RUN_FILE).exists():
        write_text_atomic(out / RUN_FILE, json.dumps(run_record, indent=2, sort_keys=True))
    write_text_atomic(out / "recipe.json", json.dumps(recipe.to_dict(), indent=2, sort_keys=True))
    remove_stale_temps(out)

    context = TaskContext(
        out=str(out.resolve()),
        recipe_name=recipe.name,
        recipe_hash=recipe_hash,
        seed=recipe.seed,
        min_side=recipe.min_side,
        max_pixels=recipe.max_pixels,
        max_side=recipe.max_side,
    )
    mine = [t for t in plan.tasks if num_tasks is None or t.index % num_tasks == task_index]
    pending = [t for t in mine if not task_is_intact(out, t.index)]
    if on_start:
        on_start(plan, sum(t.n_samples for t in pending))
    if workers is None:
        workers = os.cpu_count() or 1
    run_tasks(pending, context, executor=executor, workers=workers, on_done=on_task_done)

    complete = all(task_is_intact(out, t.index) for t in plan.tasks)
    summary = BuildSummary(
        out=str(out),
        recipe=recipe.name,
        recipe_hash=recipe_hash,
        plan_hash=plan.plan_hash,
        seed=recipe.seed,
        pairs_planned=plan.n_samples,
        tasks_total=len(plan.tasks),
        tasks_run=len(pending),
        tasks_skipped=len(mine) - len(pending),
        complete=complete,
        seconds=round(time.perf_counter() - started, 3),
        missing_datasets=planned.missing,
    )
    summary.rejected.extend(planned.source_problems)
    _collect_markers(out, plan, summary)
    if complete:
        rejected_lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in summary.rejected)
        write_text_atomic(out / REJECTED_FILE, rejected_lines)
        write_text_atomic(out / SUMMARY_FILE, json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    return summary


def _collect_markers(out: Path, plan: Plan, summary: BuildSummary) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for task in plan.tasks:
        path = marker_path(out, task.index)
        if not path.exists():
            continue
        marker = json.loads(path.read_text())
        for key, value in marker["counts"].items():
            abbrev, split = key.split("/")
            counts[(abbrev, split)] += value
        summary.rejected.extend(marker["rejected"])
    for (abbrev, split), value in sorted(counts.items(), key=lambda item: (get_type(item[0][0]).label, item[0][1])):
        summary.pairs_by_type_split.setdefault(abbrev, {})[split] = value


__all__ = ["build_dataset", "make_plan", "BuildSummary", "MARKERS_DIRNAME"]
