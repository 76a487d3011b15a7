"""`uir gallery`: a labelled contact sheet of every degradation type and level on one photo."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, progress_bar, stdout


def command(
    out: Path = typer.Argument(..., help="Output PNG file."),
    image: Path | None = typer.Option(None, "--image", help="Photo to degrade (default: scikit-image astronaut)."),
    types: str = typer.Option("all", "--types", help="Comma-separated type abbreviations, e.g. GN,J,RS."),
    seed: int = typer.Option(0, "--seed", help="Seed of every tile's sampled parameters."),
    thumb: int = typer.Option(128, "--thumb", help="Tile size in pixels."),
    columns: int = typer.Option(12, "--columns", help="Tiles per line; longer level grids wrap."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Render every level of the chosen types on one photo as a labelled PNG contact sheet."""
    from uir_data.gallery import load_photo, make_layout, render_gallery, resolve_types, write_gallery

    chosen = resolve_types(None if types.strip().lower() in ("", "all") else
                           [part for part in types.split(",") if part.strip()])
    photo, photo_name = load_photo(image)
    tiles = sum(make_layout(chosen, thumb, columns).level_counts)
    title = f"uir degradation gallery: {photo_name}, seed {seed}, {len(chosen)} types, {tiles} levels"
    with progress_bar("gallery") as bar:
        task = bar.add_task("gallery", total=tiles)
        sheet, layout = render_gallery(photo, chosen, seed, thumb, columns, title,
                                       progress=lambda: bar.advance(task))
    size = write_gallery(out, sheet)
    result = {"out": str(out), "width": layout.width, "height": layout.height, "types": list(chosen),
              "tiles": tiles, "bytes": size, "seed": seed}
    if as_json:
        print_json(result)
    else:
        stdout.print(f"wrote {out}: {layout.width}x{layout.height} px, {len(chosen)} types, {tiles} tiles, "
                     f"{size / 1e6:.2f} MB")
