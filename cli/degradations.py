"""`uir degradations`: the 19 types with their level counts (or every level with --levels)."""

from __future__ import annotations

import sys

import typer
from rich.table import Table
from rich.text import Text

from cli.output import print_json, stdout


def command(
    levels: bool = typer.Option(
        False, "--levels", help="List every level with its parameters and the benchmark it matches."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print as JSON."),
    markdown: bool = typer.Option(False, "--markdown", help="Print the Markdown catalogue (docs/degradations.md)."),
) -> None:
    """List the degradation taxonomy: abbrev, label, family, components and levels."""
    from uir_data.catalog_doc import catalogue, catalogue_markdown

    if markdown:
        sys.stdout.write(catalogue_markdown())
        return
    records = catalogue(with_levels=levels)
    if as_json:
        print_json({"types": records, "total_levels": sum(r["levels"] for r in records)})
        return
    table = Table(title="UIR degradation types")
    for column in ("label", "type", "name", "family", "components", "levels"):
        table.add_column(column, justify="right" if column in ("label", "levels") else "left")
    for r in records:
        table.add_row(
            str(r["label"]), r["abbrev"], r["name"], r["family"], " + ".join(r["components"]),
            str(r["levels"]) if r["implemented"] else Text("missing", style="red"),
        )
    stdout.print(table)
    stdout.print(f"{len(records)} types, {sum(r['levels'] for r in records)} levels")
    if levels:
        for r in records:
            if not r["implemented"]:
                continue
            title = f"{r['abbrev']}: {r['name']} (algorithm version {r['algorithm_version']})"
            detail = Table(title=title, title_justify="left")
            for column in ("level", "name", "parameters", "matches"):
                detail.add_column(column, overflow="fold")
            for level in r["level_grid"]:
                params = ", ".join(f"{k}={v}" for k, v in level["params"].items())
                detail.add_row(str(level["index"]), level["name"], params, "; ".join(level["matches"]))
            stdout.print(detail)
