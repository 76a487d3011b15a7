"""`uir build-dataset`: recipe -> plan -> tasks -> shards, resumable at any moment.

A task loads each GT, degrades, encodes, hashes and writes its files atomically, then its Parquet part,
then its completion marker (last). A rerun skips tasks whose marker and part are intact, so a build
killed at any point resumes without duplicates or holes. Executors only decide where tasks run.
"""

from __future__ import annotations

import gc
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from uir_data import ENGINE_VERSION
from uir_data.atomic import remove_stale_temps, write_text_atomic
from uir_data.build_lock import LOCK_FILE, RECORD_LOCK_FILE, build_lock, record_lock
from uir_data.errors import UirError, UsageError
from uir_data.executors import run_tasks
from uir_data.manifest import MANIFEST_DIRNAME
from uir_data.plan import (
    Plan,
    Task,
    Unit,
    assign_splits,
    check_unique,
    fingerprint,
    limit_units,
    pack_tasks,
    paired_units,
    resolve_pairs_per_task,
    synthetic_units,
)
from uir_data.recipe import Recipe, bundled_recipe_names, load_recipe
from uir_data.sources.bundled import BUNDLED_NAME
from uir_data.sources.catalog import folder_names, get_adapter, normalise
from uir_data.sources.resolve import FOLDER_PREFIX, resolve, split_source_flags
from uir_data.task import MARKERS_DIRNAME, TaskContext, TaskResult, intact_marker
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
    summary_written: bool = False  # this run wrote build-summary.json (exactly one run of a build does)

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
    # A full-size plan allocates millions of small objects and no reference cycles: the cyclic collector
    # would rescan all of them again and again while they pile up, for nothing. Paused while planning.
    paused = gc.isenabled()
    gc.disable()
    try:
        return _make_plan(recipe, folders, overrides, sources_root, limit, allow_missing, pairs_per_task)
    finally:
        if paused:
            gc.enable()


def _make_plan(
    recipe: Recipe,
    folders: tuple[str, ...],
    overrides: dict[str, Path] | None,
    sources_root: Path | None,
    limit: int | None,
    allow_missing: bool,
    pairs_per_task: int | None,
) -> PlanResult:
    resolved = resolve(recipe, sources_root=sources_root, overrides=overrides or {}, allow_missing=allow_missing)
    unsplit = [item.group_id for items in resolved.clean_by_block for item in items if item.split is None]
    split_of = assign_splits(unsplit, recipe.split_fractions)
    # Published pairs first, then their listing is dropped: at full size it is the largest (~1 KB per pair
    # with its two Paths) and need not coexist with the synthetic units. The plan's order stays synthetic
    # units, then paired ones.
    paired = paired_units(resolved.pairs)
    resolved.pairs.clear()
    merged: dict[str, Unit] = {}
    for block, items in zip(recipe.synthetic, resolved.clean_by_block, strict=True):
        for unit in synthetic_units(items, block, recipe, split_of):
            if unit.gt_path in merged:  # the same clean image in two blocks: one GT, samples appended
                previous = merged[unit.gt_path]
                unit = replace(previous, samples=previous.samples + unit.samples)
            merged[unit.gt_path] = unit
    units = list(merged.values()) + paired
    missing, problems = [name for name, _ in resolved.missing], resolved.problems
    # The listings (~1 KB per pair with their Paths) are not needed past here: freed before the plan's
    # largest transient structures (the uniqueness check, the hash) so they never coexist.
    del resolved, merged, split_of, unsplit, paired
    units = limit_units(units, limit)
    check_unique(units)
    pairs_per_task = resolve_pairs_per_task(units, pairs_per_task)
    tasks = pack_tasks(units, pairs_per_task)
    return PlanResult(Plan(tuple(tasks), fingerprint(units), pairs_per_task), missing, problems)


# Build options recorded in run.json, with the flag that sets each: a resume with another value is refused
# naming the flag (not hashes). Moving the sources elsewhere is allowed, so folder paths are not compared.
OPTION_FLAGS = (
    ("recipe", "--recipe"),
    ("seed", "--seed"),
    ("types", "--types"),
    ("limit", "--limit"),
    ("pairs_per_task", "--pairs-per-task"),
    ("max_pixels", "--max-pixels"),
)


class BuildInterrupted(UirError):
    """Ctrl-C or SIGTERM stopped a build; what finished is kept and a rerun resumes."""

    exit_code = 130


def _previous_record(out: Path) -> dict[str, Any] | None:
    """The run record of an existing build folder, None for a new/empty one; refuses anything else."""
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder; choose a folder path for the dataset")
    run_file = out / RUN_FILE
    if not run_file.exists():
        ignored = {".DS_Store", LOCK_FILE, RECORD_LOCK_FILE}
        if out.exists() and any(p.name not in ignored and not p.name.startswith((".uir-build-job-", ".uir-ray-probe-")) for p in out.iterdir()):
            raise UsageError(
                f"{out} exists and is not a uir build folder (no {RUN_FILE}); choose an empty or new --out"
            )
        return None
    try:
        previous = json.loads(run_file.read_text())
        if not isinstance(previous, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as error:
        raise UsageError(f"{run_file}: unreadable run record ({error}); delete {out} to start over") from None
    return previous


def _shown(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return str(value)


def _check_run_identity(out: Path, previous: dict[str, Any] | None, run_record: dict[str, Any]) -> None:
    """Refuse to resume a folder built with other options, naming each option that differs."""
    if previous is None:
        return
    if previous.get("recipe_hash") == run_record["recipe_hash"] and previous.get("packing_hash", run_record[
        "packing_hash"
    ]) == run_record["packing_hash"] and previous.get("plan_hash") == run_record["plan_hash"]:
        return
    before, now = previous.get("options") or {}, run_record["options"]
    differences = [
        f"{flag} (this folder: {_shown(before[key])}; this run: {_shown(now[key])})"
        for key, flag in OPTION_FLAGS
        if key in before and before[key] != now[key]
    ]
    if not differences:
        if previous.get("recipe_hash") != run_record["recipe_hash"]:
            differences = [f"the content of recipe {run_record['recipe_name']!r} (edited since this folder was built)"]
        else:
            differences = [
                "the sources (--source/--sources-root: images added, removed, renamed or resized since this folder "
                "was built)"
            ]
    raise UsageError(
        f"{out} was built with other settings: {'; '.join(differences)}. Rerun with the original options to "
        f"resume, or build into a new --out (or delete {out})"
    )


def _check_overrides_used(recipe: Recipe, overrides: dict[str, Path], types_given: bool) -> None:
    """Refuse --source NAME=PATH for a dataset the recipe never reads (it would be ignored silently)."""
    if not overrides:
        return
    used = recipe_dataset_keys(recipe)
    for name in overrides:
        adapter = get_adapter(name)  # an unknown name is refused here with close matches
        if normalise(adapter.name) in used or normalise(name) in used:
            continue
        users = [r for r in bundled_recipe_names() if normalise(adapter.name) in recipe_dataset_keys(load_recipe(r))]
        hint = f"recipes that use it: {', '.join(users)}" if users else "no bundled recipe uses it"
        raise UsageError(
            f"--source {adapter.name}=...: recipe {recipe.name!r}{' (with these --types)' if types_given else ''} "
            f"does not read dataset {adapter.name}, "
            f"so it would be ignored; {hint}. Pass one of them with --recipe, or drop this --source"
        )


def recipe_dataset_keys(recipe: Recipe) -> set[str]:
    """Normalised names (and folder names) of every published dataset a recipe reads."""
    names = [b.dataset for b in recipe.paired] + [
        s for b in recipe.synthetic for s in b.sources if s != BUNDLED_NAME and not s.startswith(FOLDER_PREFIX)
    ]
    keys: set[str] = set()
    for name in names:
        keys.update(normalise(n) for n in folder_names(get_adapter(name)))
    return keys


@dataclass(frozen=True)
class PreparedBuild:
    """Everything a build decides before it writes: the recipe after flags, the plan, the run record, and
    the options that decide how the plan runs here (worker count, this job's share of an array job)."""

    out: Path
    recipe: Recipe
    planned: PlanResult
    previous: dict[str, Any] | None
    run_record: dict[str, Any]
    workers: int | None
    task_index: int | None
    num_tasks: int | None

    @property
    def plan(self) -> Plan:
        return self.planned.plan


def prepare_build(
    out: Path,
    recipe: str | Recipe = "demo",
    *,
    sources: tuple[str, ...] = (),
    sources_root: Path | None = None,
    types: tuple[str, ...] | None = None,
    seed: int | None = None,
    workers: int | None = None,
    limit: int | None = None,
    task_index: int | None = None,
    num_tasks: int | None = None,
    allow_missing: bool = False,
    pairs_per_task: int | None = None,
    max_pixels: int | None = None,
) -> PreparedBuild:
    """Validate the options, plan, and check the plan against `out`'s run record; writes nothing."""
    out = Path(out)
    if workers is not None and workers < 1:
        raise UsageError(f"--workers must be at least 1, got {workers}")
    if pairs_per_task is not None and pairs_per_task < 1:
        raise UsageError(f"--pairs-per-task must be at least 1, got {pairs_per_task}")
    if max_pixels is not None and max_pixels < 1:
        raise UsageError(f"--max-pixels must be at least 1, got {max_pixels}")
    if types is not None and not types:
        raise UsageError("--types names no type; give abbreviations such as GN,J (`uir degradations` lists them)")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    if (task_index is None) != (num_tasks is None):
        raise UsageError("--task-index and --num-tasks go together")
    if num_tasks is not None and num_tasks < 1:
        raise UsageError(f"--num-tasks must be at least 1, got {num_tasks}")
    if num_tasks is not None and not 0 <= task_index < num_tasks:
        raise UsageError(f"--task-index must be in 0..{num_tasks - 1}, got {task_index}")
    if isinstance(recipe, str):
        recipe = load_recipe(recipe)
    folders, overrides = split_source_flags(tuple(sources))
    if types is not None:
        types = tuple(t for t in ABBREVS if t in set(types))
    recipe = recipe.with_overrides(seed=seed, types=types, sources=folders or None, max_pixels=max_pixels)
    _check_overrides_used(recipe, overrides, types is not None)
    previous = _previous_record(out)
    if pairs_per_task is None and previous is not None:
        # A rerun without --pairs-per-task resumes with the packing the folder was started with.
        pairs_per_task = (previous.get("options") or {}).get("pairs_per_task")

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
    run_record = {
        "recipe_name": recipe.name,
        "recipe_hash": recipe.content_hash(),
        "plan_hash": plan.plan_hash,
        "packing_hash": plan.packing_hash,
        "seed": recipe.seed,
        "engine_version": ENGINE_VERSION,
        "tasks": len(plan.tasks),
        "pairs": plan.n_samples,
        "options": {
            "recipe": recipe.name,
            "seed": recipe.seed,
            "types": None if types is None else list(types),
            "limit": limit,
            "pairs_per_task": plan.pairs_per_task,
            "max_pixels": recipe.max_pixels,
        },
        "recipe": recipe.to_dict(),
    }
    _check_run_identity(out, previous, run_record)
    return PreparedBuild(out, recipe, planned, previous, run_record, workers, task_index, num_tasks)


def build_dataset(
    out: Path,
    recipe: str | Recipe = "demo",
    *,
    executor: str = "local",
    on_start: Callable[[Plan, int], None] | None = None,
    on_task_done: Callable[[TaskResult], None] | None = None,
    **plan_options: Any,
) -> BuildSummary:
    """Build (or resume) a dataset into `out`; returns what was built. `plan_options` are prepare_build's
    keyword options (sources, types, seed, workers, ...), named once there so a dry run and a build agree."""
    started = time.perf_counter()
    out = Path(out)
    prepared = prepare_build(out, recipe, **plan_options)
    workers, task_index, num_tasks = prepared.workers, prepared.task_index, prepared.num_tasks
    recipe, planned, plan, run_record = prepared.recipe, prepared.planned, prepared.plan, prepared.run_record
    try:
        out.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise UsageError(f"--out {out}: a parent of this path is a file; choose a folder path") from None
    with build_lock(out, task_index, num_tasks):
        if executor == "ray":  # before the run record: a cluster that cannot see `out` leaves nothing behind
            from uir_data.ray_executor import check_cluster_sees, probe_files

            check_cluster_sees(out, probe_files(plan.tasks))
        with record_lock(out):  # array jobs share the build lock: check-then-write under an exclusive one
            _check_run_identity(out, _previous_record(out), run_record)  # again, now that the folder is ours
            if not (out / RUN_FILE).exists():
                write_text_atomic(out / RUN_FILE, json.dumps(run_record, indent=2, sort_keys=True))
        write_text_atomic(out / "recipe.json", json.dumps(recipe.to_dict(), indent=2, sort_keys=True))
        if num_tasks is None:
            remove_stale_temps(out)  # array jobs run side by side: a temp file may be another job's
        _remove_parts_beyond(out, len(plan.tasks))
        summary = _run_plan(
            out, recipe, plan, planned, workers, executor, task_index, num_tasks, on_start, on_task_done, started
        )
    return summary


def _remove_parts_beyond(out: Path, n_tasks: int) -> None:
    """Drop manifest parts and markers numbered past this plan's last task (left by an older cut of the
    plan), so a reader of the folder never counts their rows twice."""
    for folder, pattern in ((out / MANIFEST_DIRNAME, "part-*.parquet"), (out / MARKERS_DIRNAME, "task-*.json")):
        for path in folder.glob(pattern):
            number = path.name.split("-", 1)[1].split(".", 1)[0]
            if number.isdigit() and int(number) >= n_tasks:
                path.unlink(missing_ok=True)


def _run_plan(
    out: Path,
    recipe: Recipe,
    plan: Plan,
    planned: PlanResult,
    workers: int | None,
    executor: str,
    task_index: int | None,
    num_tasks: int | None,
    on_start: Callable[[Plan, int], None] | None,
    on_task_done: Callable[[TaskResult], None] | None,
    started: float,
) -> BuildSummary:
    context = TaskContext(
        out=str(out.resolve()),
        recipe_name=recipe.name,
        recipe_hash=recipe.content_hash(),
        seed=recipe.seed,
        min_side=recipe.min_side,
        max_pixels=recipe.max_pixels,
        max_side=recipe.max_side,
        packing_hash=plan.packing_hash,
        short_side=recipe.short_side,
    )
    mine = [t for t in plan.tasks if num_tasks is None or t.index % num_tasks == task_index]
    done = scan_markers(out, plan, mine)
    pending = [t for t in mine if t.index not in done]
    if on_start:
        on_start(plan, sum(t.n_samples for t in pending))
    if workers is None:
        workers = os.cpu_count() or 1
    try:
        run_tasks(pending, context, executor=executor, workers=workers, on_done=on_task_done)
    except KeyboardInterrupt:
        intact = len(scan_markers(out, plan))
        raise BuildInterrupted(
            f"interrupted: {out} holds {intact} of {len(plan.tasks)} tasks finished (the tasks in flight were "
            "abandoned and leave no partial files behind); rerun the same command to resume"
        ) from None

    finished = scan_markers(out, plan)  # again: array jobs on other nodes may have finished tasks meanwhile
    complete = len(finished) == len(plan.tasks)
    summary = BuildSummary(
        out=str(out),
        recipe=recipe.name,
        recipe_hash=context.recipe_hash,
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
    _collect_markers(finished, summary)
    if complete:
        # Concurrent array jobs may all see the build complete; the lock and the existence check make
        # exactly one of them write the summary.
        with record_lock(out):
            if not (out / SUMMARY_FILE).exists():
                rejected_lines = "".join(json.dumps(r, sort_keys=True) + "\n" for r in summary.rejected)
                write_text_atomic(out / REJECTED_FILE, rejected_lines)
                summary.summary_written = True
                write_text_atomic(out / SUMMARY_FILE, json.dumps(summary.to_dict(), indent=2, sort_keys=True))
    return summary


def scan_markers(out: Path, plan: Plan, tasks: Sequence[Task] | None = None) -> dict[int, dict[str, Any]]:
    """The intact completion markers of `tasks` (default: the whole plan), by task index; each marker and
    part footer is read once (a 2.5M-pair plan has ~2,500 of them)."""
    packing = plan.packing_hash
    found = {}
    for task in plan.tasks if tasks is None else tasks:
        marker = intact_marker(out, task.index, packing)
        if marker is not None:
            found[task.index] = marker
    return found


def _collect_markers(markers: dict[int, dict[str, Any]], summary: BuildSummary) -> None:
    counts: Counter[tuple[str, str]] = Counter()
    for index in sorted(markers):
        marker = markers[index]
        for key, value in marker["counts"].items():
            abbrev, split = key.split("/")
            counts[(abbrev, split)] += value
        summary.rejected.extend(marker["rejected"])
    for (abbrev, split), value in sorted(counts.items(), key=lambda item: (get_type(item[0][0]).label, item[0][1])):
        summary.pairs_by_type_split.setdefault(abbrev, {})[split] = value


__all__ = ["build_dataset", "make_plan", "BuildSummary", "MARKERS_DIRNAME"]
