"""`uir build-dataset`: build (or resume) a paired dataset from a recipe."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from cli.output import print_json, print_warning, progress_bar, stderr, stdout
from uir_data.errors import UsageError
from uir_data.taxonomy import parse_type_list


def command(
    out: Path = typer.Option(..., "--out", help="Dataset root to create or resume."),
    recipe: str = typer.Option("demo", "--recipe", help="Bundled recipe (demo, sweep, 5d, 12d, uir-2.5m) or a TOML path."),
    source: list[str] = typer.Option(
        [], "--source", help="A folder of clean images (replaces the recipe's clean sources), or NAME=PATH for a dataset."
    ),
    sources_root: Path | None = typer.Option(None, "--sources-root", help="Folder holding one sub-folder per dataset."),
    types: str | None = typer.Option(None, "--types", help="Comma-separated type abbreviations, e.g. GN,J (default: the recipe's)."),
    seed: int | None = typer.Option(None, "--seed", help="Global seed (default: the recipe's)."),
    workers: int | None = typer.Option(
        None, "--workers", help="Worker processes (default: all cores); --executor ray uses every CPU of its cluster instead."
    ),
    limit: int | None = typer.Option(None, "--limit", help="Build only the first N pairs of the plan."),
    executor: str = typer.Option(
        "local",
        "--executor",
        help="local (process pool) or ray (the cluster at RAY_ADDRESS, else a local one; docs/cluster.md).",
    ),
    task_index: int | None = typer.Option(None, "--task-index", help="Array-job mode: this job's index."),
    num_tasks: int | None = typer.Option(None, "--num-tasks", help="Array-job mode: number of jobs."),
    allow_missing: bool = typer.Option(False, "--allow-missing", help="Build without datasets that are not found."),
    pairs_per_task: int | None = typer.Option(
        None, "--pairs-per-task", help="Pairs per task, i.e. per manifest part (default: from the plan size, 16..1000)."
    ),
    max_pixels: int | None = typer.Option(
        None,
        "--max-pixels",
        help="Skip clean images larger than this many pixels, checked from the header before decoding "
        "(default: the recipe's [image] max_pixels, 40000000).",
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        help="Print the plan (pairs per type, source and split; tasks) and an estimate of disk bytes and "
        "core-hours measured by building a few of its pairs in a temporary folder; writes nothing under --out.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Build a paired dataset: plan -> tasks -> shards; rerunning into the same folder resumes."""
    from uir_data.build import build_dataset, prepare_build
    from uir_data.executors import sigterm_as_interrupt

    try:
        type_filter = parse_type_list(types) if types else None
    except ValueError as error:
        raise UsageError(f"--types: {error}") from None
    # The plan-defining options, shared by the dry run and the build so both see the same plan.
    options = dict(
        sources=tuple(source),
        sources_root=sources_root,
        types=type_filter,
        seed=seed,
        workers=workers,
        limit=limit,
        task_index=task_index,
        num_tasks=num_tasks,
        allow_missing=allow_missing,
        pairs_per_task=pairs_per_task,
        max_pixels=max_pixels,
    )
    if dry_run:
        from uir_data.dry_run import estimate_build

        prepared = prepare_build(out, recipe, **options)
        estimate = estimate_build(prepared)
        if as_json:
            print_json(estimate.to_dict())
        else:
            _render_estimate(estimate)
        return
    # Ctrl-C and SIGTERM stop the build at once; the library turns them into BuildInterrupted (exit 130),
    # which says how far it got and how to resume.
    with sigterm_as_interrupt(), progress_bar("building") as progress:
        bar = progress.add_task("building", total=None)

        def on_start(plan, pending_pairs):
            progress.update(bar, total=pending_pairs, description=f"building {plan.n_samples} pairs")

        summary = build_dataset(
            out,
            recipe,
            **options,
            executor=executor,
            on_start=on_start,
            on_task_done=lambda result: progress.advance(bar, result.planned),
        )
    if as_json:
        print_json(summary.to_dict())
        return
    _render(summary)


def _render(summary) -> None:
    splits = ("train", "val", "test")
    table = Table(title=f"{summary.recipe} -> {summary.out}")
    table.add_column("type")
    for split in splits:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    for abbrev, by_split in summary.pairs_by_type_split.items():
        table.add_row(abbrev, *(str(by_split.get(s, 0)) for s in splits), str(sum(by_split.values())))
    totals = [sum(b.get(s, 0) for b in summary.pairs_by_type_split.values()) for s in splits]
    table.add_row(*(Text(str(cell), style="bold") for cell in ("all", *totals, summary.pairs_written)))
    stdout.print(table)
    state = "complete" if summary.complete else "partial (other array jobs still to run)"
    stdout.print(
        f"{summary.pairs_written} pairs ({state}); tasks run {summary.tasks_run}, skipped (already done) "
        f"{summary.tasks_skipped}; {len(summary.rejected)} inputs rejected; {summary.seconds:.1f} s"
    )
    for rejection in summary.rejected[:20]:
        print_warning("rejected", f"{rejection['file']}: {rejection['reason']}")
    if len(summary.rejected) > 20:
        stderr.print(f"... and {len(summary.rejected) - 20} more in {summary.out}/rejected.jsonl")
    for name in summary.missing_datasets:
        print_warning("missing", f"dataset {name} (skipped with --allow-missing)")


def _split_table(title: str, first: str, rows: dict[str, dict[str, int]]) -> Table:
    splits = ("train", "val", "test")
    table = Table(title=title)
    table.add_column(first)
    for split in splits:
        table.add_column(split, justify="right")
    table.add_column("total", justify="right")
    for name, by_split in rows.items():
        table.add_row(name, *(str(by_split.get(s, 0)) for s in splits), str(sum(by_split.values())))
    return table


def _render_estimate(estimate) -> None:
    stdout.print(_split_table(f"plan: {estimate.recipe} -> {estimate.out}", "type", estimate.pairs_by_type_split))
    stdout.print(_split_table("pairs per source", "source", estimate.pairs_by_source_split))
    stdout.print(
        f"{estimate.pairs_planned} pairs from {estimate.gt_images} clean images in {estimate.tasks} tasks of "
        f"~{estimate.pairs_per_task} pairs; {estimate.pairs_pending} not built yet"
    )
    if estimate.bytes_estimate is None:
        stdout.print(f"no estimate: all {estimate.sample_pairs} sampled pairs were rejected")
    else:
        stdout.print(
            f"estimate (from {estimate.sample_pairs} pairs built in {estimate.sample_cpu_seconds:.1f} CPU s): "
            f"{estimate.bytes_estimate / 1e9:.3f} GB on disk, {estimate.core_hours_estimate:.3f} core-hours"
        )
    for name in estimate.missing_datasets:
        stderr.print(f"[yellow]missing[/] dataset {name} (skipped with --allow-missing)")
