"""`uir push-to-hub`: export a dataset root to the Hugging Face layout, check it, and upload it resumably."""

from __future__ import annotations

import os
from pathlib import Path

import typer

from cli.output import print_json, progress_bar, stdout


def command(
    dataset: Path = typer.Argument(..., help="Dataset root written by `uir build-dataset`."),
    repo_id: str = typer.Option(..., "--repo-id", help="Hub dataset repo, OWNER/NAME (created if missing)."),
    export_dir: Path | None = typer.Option(
        None, "--export-dir", help="Where to write the Hub layout [default: <DATASET>-hub beside the dataset]."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Export and print the upload plan (files, sizes, commits); no network call."
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
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Export a build that has not finished (the card says how much it holds)."
    ),
    json_output: bool = typer.Option(False, "--json", help="Print the result as JSON on stdout."),
) -> None:
    """Publish a dataset to the Hugging Face Hub; a rerun after an interruption sends only what is missing."""
    from uir_data.errors import UirError
    from uir_data.hub.export import export_dataset
    from uir_data.hub.upload import DEFAULT_ENDPOINT, check_repo_id, dry_run_plan, upload_export
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
    summary = {
        "dataset": str(Path(dataset).resolve()),
        "export_dir": str(exported.export_dir),
        "rows": exported.rows,
        "splits": exported.split_rows,
        "export_bytes": exported.total_bytes,
        "shards_written": exported.shards_written,
        "shards_kept": exported.shards_kept,
        "dry_run": dry_run,
    }
    if dry_run:
        plan = dry_run_plan(exported.export_dir, repo_id, revision=revision)
        summary["plan"] = plan.to_dict()
        _render(summary, plan, json_output, title=f"dry run: nothing was sent to {repo_id}")
        return
    hub = (endpoint or os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")
    with progress_bar("uploading") as bar:
        task = bar.add_task("uploading (bytes)", total=None)
        result = upload_export(
            exported.export_dir,
            repo_id,
            token=token,
            endpoint=hub,
            private=private,
            revision=revision,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    summary["plan"] = result.plan.to_dict()
    summary["repo_url"] = result.repo_url
    summary["commits"] = result.commit_urls
    _render(summary, result.plan, json_output, title=f"published {repo_id} ({hub})")


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
    table.add_row("to send", f"{len(plan.files)} files, {_human(plan.bytes_to_send)} in {len(plan.commits)} commit(s)")
    if plan.remote_checked:
        table.add_row("already on the Hub", f"{len(plan.unchanged)} files")
        table.add_row("stale files deleted", str(len(plan.deletions)))
    else:
        table.add_row("remote", "not contacted (dry run): the plan assumes an empty repo")
    if summary.get("repo_url"):
        table.add_row("repo", summary["repo_url"])
    stdout.print(table)
    if plan.commits:
        commits = Table(title="commits" if plan.remote_checked else "planned commits")
        for column in ("#", "files", "size", "first file", "last file"):
            commits.add_column(column)
        for number, commit in enumerate(plan.commits, start=1):
            first, last = (commit[0].path, commit[-1].path) if commit else ("(deletions only)", "")
            commits.add_row(str(number), str(len(commit)), _human(sum(f.bytes for f in commit)), first, last)
        stdout.print(commits)
