"""`uir verify-manifest`: exit 0 when clean, 1 when problems were found, 2 on a usage error."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.output import print_json, progress_bar, stdout


def command(
    path: Path = typer.Argument(..., help="Dataset root, manifest folder, Parquet file or Hub export folder."),
    quick: bool = typer.Option(False, "--quick", help="Skip hashing and decoding (sizes and structure only)."),
    full: bool = typer.Option(False, "--full", help="Fully decode every image, not only third-party files."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Check a manifest, the files it indexes and that its build finished; every problem names the sample and file."""
    from uir_data.verify import verify_manifest

    with progress_bar("verifying") as progress:
        bar = progress.add_task("verifying", total=None)
        report = verify_manifest(
            path, quick=quick, full=full, on_progress=lambda done, total: progress.update(bar, completed=done, total=total)
        )
    if as_json:
        print_json(report.to_dict())
    else:
        if report.problems:
            table = Table(title=f"{len(report.problems)} problems in {path}")
            for column in ("check", "sample_id", "file", "problem"):
                table.add_column(column, overflow="fold")
            for problem in report.problems:
                table.add_row(problem.check, problem.sample_id, problem.file, problem.message)
            stdout.print(table)
        verdict = "clean" if report.ok else f"{len(report.problems)} problems"
        stdout.print(
            f"{verdict}: {report.rows} rows, {report.files_checked} files, "
            f"{report.bytes_hashed / 1e6:.1f} MB hashed in {report.seconds:.2f} s",
            style="bold green" if report.ok else "bold red",
        )
        if report.incomplete:  # last, so the one line a user reads says what to do
            stdout.print(report.incomplete, style="bold red")
    if not report.ok:
        raise typer.Exit(code=1)
