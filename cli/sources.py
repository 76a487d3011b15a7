"""`uir sources`: the datasets uir can ingest (layouts, types, origin, licenses), or a check of a download folder."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, stderr, stdout
from uir_data.errors import UsageError

MAX_PROBLEMS_SHOWN = 10


def _overrides(values: list[str]) -> dict[str, Path]:
    overrides = {}
    for value in values:
        name, sep, path = value.partition("=")
        if not sep or not name.strip() or not path.strip():
            raise UsageError(f"--source {value!r}: expected NAME=PATH, e.g. --source GoPro=/data/GOPRO_Large")
        overrides[name.strip()] = Path(path.strip()).expanduser()
    return overrides


def _describe(adapter) -> dict:
    parent = getattr(adapter, "parent", None)
    return {
        "name": adapter.name,
        "aliases": list(adapter.aliases),
        "types": list(adapter.types),
        "origin": adapter.origin,
        "license": adapter.license,
        "expected_layout": adapter.expected_layout,
        "homepage": adapter.homepage,
        "part_of": parent.name if parent is not None else None,
    }


def _list_adapters(as_json: bool) -> None:
    from rich.table import Table

    from uir_data.sources.catalog import all_adapters

    described = [_describe(adapter) for adapter in all_adapters()]
    if as_json:
        print_json({"datasets": described})
        return
    table = Table(title="Datasets uir can ingest (put each under --sources-root DIR/<name>)", show_lines=True)
    for column in ("dataset", "types", "origin", "license", "expected layout (as extracted)"):
        table.add_column(column, overflow="fold")
    for entry in described:
        name = entry["name"] + (f"\n(part of {entry['part_of']})" if entry["part_of"] else "")
        if entry["aliases"]:
            name += "\naka " + ", ".join(entry["aliases"])
        origin = "clean pool" if entry["origin"] == "generated" else entry["origin"]
        table.add_row(name, " ".join(entry["types"]), origin, entry["license"], entry["expected_layout"])
    stdout.print(table)


def _check(root: Path, overrides: dict[str, Path], as_json: bool) -> int:
    from rich.table import Table

    from uir_data.sources.catalog import check_sources, unrecognised_folders

    if not root.is_dir():
        raise UsageError(f"--check {root}: no such folder")
    with stderr.status(f"scanning {root}"):
        checks = check_sources(root, overrides)
    unknown = unrecognised_folders(root)
    n_problems = sum(len(check.problems) for check in checks)
    if as_json:
        print_json(
            {
                "root": str(root),
                "found": [
                    {
                        "dataset": check.adapter.name,
                        "path": str(check.path),
                        "kind": "clean" if check.adapter.origin == "generated" else "pairs",
                        "count": check.count,
                        "problems": [problem.to_dict() for problem in check.problems],
                    }
                    for check in checks
                ],
                "unrecognised_folders": unknown,
            }
        )
        return 1 if n_problems else 0
    table = Table(title=f"Datasets found under {root}")
    for column in ("dataset", "folder", "yields", "problems"):
        table.add_column(column, overflow="fold")
    for check in checks:
        kind = "clean images" if check.adapter.origin == "generated" else "pairs"
        table.add_row(
            check.adapter.name,
            str(check.path),
            f"{check.count} {kind}",
            str(len(check.problems)) if check.problems else "-",
        )
    stdout.print(
        table if checks else f"no known dataset found under {root} (see `uir sources` for the names)"
    )
    for check in checks:
        for problem in check.problems[:MAX_PROBLEMS_SHOWN]:
            stdout.print(f"{check.adapter.name}: {problem}", highlight=False, markup=False)
        if len(check.problems) > MAX_PROBLEMS_SHOWN:
            stdout.print(
                f"{check.adapter.name}: ... and {len(check.problems) - MAX_PROBLEMS_SHOWN} more (use --json)"
            )
    if unknown:
        stdout.print(f"folders matching no dataset name: {', '.join(unknown)}", highlight=False, markup=False)
    return 1 if n_problems else 0


def command(
    check: Path | None = typer.Option(
        None,
        "--check",
        help="Scan DIR (a --sources-root) and report which datasets it holds and what they yield.",
    ),
    source: list[str] = typer.Option(
        [], "--source", help="With --check: NAME=PATH where one dataset lives outside DIR (repeatable)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """List the datasets uir can ingest, or check a folder of downloads (exit 1 when it found problems)."""
    overrides = _overrides(source)
    if check is None:
        if overrides:
            raise UsageError("--source NAME=PATH is only used with --check DIR")
        _list_adapters(as_json)
        return
    code = _check(check, overrides, as_json)
    if code:
        raise typer.Exit(code)
