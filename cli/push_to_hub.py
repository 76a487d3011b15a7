"""`uir push-to-hub`: export a dataset root to the Hugging Face layout, check it, and upload it resumably."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.output import print_json, print_warning, progress_bar, stdout


def command(
    dataset: Path = typer.Argument(..., help="Dataset root written by `uir build-dataset`."),
    repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repo, OWNER/NAME (created if missing)."),
    export_dir: Path | None = typer.Option(
        None, "--export-dir", help="Where to write the Hub layout [default: <DATASET>-hub beside the dataset]."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Export and print the upload plan (files, sizes, steps); no network call."
    ),
    private: bool = typer.Option(False, "--private", help="Create the repo private (an existing repo keeps its setting)."),
    revision: str = typer.Option("main", "--revision", help="Branch to commit to (created from main if missing)."),
    token: str | None = typer.Option(
        None, "--token", help="Hub token [default: HF_TOKEN, then the `hf auth login` cache]; never printed."
    ),
    shard_size: str = typer.Option("500MB", "--shard-size", help="Largest Parquet shard, e.g. 500MB or 1GiB."),
    endpoint: str | None = typer.Option(
        None, "--endpoint", help="Hub URL [default: HF_ENDPOINT, else https://huggingface.co]."
    ),
    pretty_name: str | None = typer.Option(
        None, "--pretty-name", help="The dataset's display name on the Hub [default: the dataset folder's name]."
    ),
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Export a build that has not finished (the card says how much it holds)."
    ),
    allow_restricted_licenses: bool = typer.Option(
        False,
        "--allow-restricted-licenses",
        help="Publish pairs whose source license is non-commercial, research-only or unstated (you must hold the right).",
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Publish a dataset to the Hugging Face Hub; a rerun after an interruption sends only what is missing."""
    from uir_data.errors import UirError
    from uir_data.hub.export import export_dataset
    from uir_data.hub.licenses import describe
    from uir_data.hub.upload import (
        DEFAULT_ENDPOINT,
        check_repo_id,
        plan_upload,
        refuse_restricted,
        upload_export,
    )
    from uir_data.hub.verify_export import verify_export

    check_repo_id(repo_id)
    with progress_bar("exporting") as bar:
        task = bar.add_task("exporting", total=None)
        exported = export_dataset(
            dataset,
            export_dir,
            shard_size=shard_size,
            repo_id=repo_id,
            allow_incomplete=allow_incomplete,
            pretty_name=pretty_name,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    with progress_bar("checking export") as bar:
        task = bar.add_task("checking export", total=None)
        problems = verify_export(
            exported.export_dir, quick=True, progress=lambda done, total: bar.update(task, completed=done, total=total)
        )
    if problems:
        raise UirError(
            f"the export in {exported.export_dir} has {len(problems)} problem(s), first: {problems[0]}; "
            f"run `uir verify-manifest {exported.export_dir}` for all of them"
        )
    plan = plan_upload(exported.export_dir, repo_id, revision)
    if plan.restricted:
        if not (dry_run or allow_restricted_licenses):
            refuse_restricted(plan)
        print_warning(
            "warning:",
            f"these sources' licenses may forbid redistribution: {describe(plan.restricted)}"
            + ("" if allow_restricted_licenses else "; publishing needs --allow-restricted-licenses"),
        )
    summary = {
        "dataset": str(Path(dataset).resolve()),
        "export_dir": str(exported.export_dir),
        "rows": exported.rows,
        "splits": exported.split_rows,
        "export_bytes": exported.total_bytes,
        "shards_written": exported.shards_written,
        "shards_kept": exported.shards_kept,
        "dry_run": dry_run,
        "plan": plan.to_dict(),
    }
    if dry_run:
        _render(summary, plan, json_output, title=f"dry run: nothing was sent to {repo_id}")
        return
    hub = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    with progress_bar("uploading") as bar:
        task = bar.add_task("uploading (steps)", total=2)
        result = upload_export(
            exported.export_dir,
            repo_id,
            token=token,
            endpoint=hub,
            private=private,
            revision=revision,
            allow_restricted_licenses=allow_restricted_licenses,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    summary["repo_url"] = result.repo_url
    summary["commits"] = result.commit_urls
    summary["deleted"] = result.deleted
    _render(summary, plan, json_output, title=f"published {repo_id} ({hub})")


def _human(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000:
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} TB"


def _render(summary: dict, plan, json_output: bool, title: str) -> None:
    if json_output:
        print_json(summary)
        return
    from rich.table import Table

    table = Table(title=title, show_header=False)
    table.add_row("export", summary["export_dir"])
    table.add_row("pairs", f"{summary['rows']} ({', '.join(f'{k} {v}' for k, v in summary['splits'].items())})")
    table.add_row(
        "shards", f"{summary['shards_written']} written, {summary['shards_kept']} kept from an earlier export"
    )
    table.add_row("export files", f"{len(plan.files)} files, {_human(plan.bytes_to_send)}")
    if "commits" in summary:
        made = len(summary["commits"])
        table.add_row("commits", f"{made}" if made else "none: the repo already held this export")
        table.add_row("stale files deleted", str(len(summary["deleted"])))
        table.add_row("repo", summary["repo_url"])
    else:
        table.add_row("remote", "not contacted (dry run): files the repo already holds will be skipped")
    stdout.print(table)
    if "commits" not in summary:
        steps = Table(title="planned steps")
        for column in ("#", "what", "files", "size"):
            steps.add_column(column)
        for number, (what, files) in enumerate((("data (upload_folder)", plan.data), ("card + record", plan.final)), 1):
            steps.add_row(str(number), what, str(len(files)), _human(sum(f.bytes for f in files)))
        stdout.print(steps)
