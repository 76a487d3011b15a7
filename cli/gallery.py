"""`uir gallery`: a labelled contact sheet of every degradation type and level on one photo."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, progress_bar, stdout


def command(
    out: Path = typer.Argument(..., help="Output PNG file (a folder with --closeups)."),
    image: Path | None = typer.Option(None, "--image", help="Photo to degrade (default: scikit-image astronaut)."),
    types: str = typer.Option("all", "--types", help="Comma-separated type abbreviations, e.g. GN,J,RS."),
    seed: int = typer.Option(0, "--seed", help="Seed of every tile's sampled parameters."),
    thumb: int = typer.Option(128, "--thumb", help="Tile size in pixels."),
    columns: int = typer.Option(12, "--columns", help="Tiles per line; longer level grids wrap."),
    closeups: bool = typer.Option(
        False, "--closeups", help="Write OUT/<type>.png: 1:1 crops of the lowest, middle and highest level."
    ),
    crop: int = typer.Option(144, "--crop", help="Side of the 1:1 crops of --closeups, in pixels."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Render every level of the chosen types on one photo as a labelled PNG contact sheet."""
    from uir_data.gallery import (
        CENTRE,
        DEFAULT_FOCUS,
        WORK_SIDE,
        load_photo,
        make_layout,
        render_gallery,
        resolve_types,
        write_gallery,
    )

    chosen = resolve_types(None if types.strip().lower() in ("", "all") else
                           [part for part in types.split(",") if part.strip()])
    if closeups:
        _write_closeups(out, chosen, crop, seed, as_json)
        return
    photo, photo_name = load_photo(image)
    tiles = sum(make_layout(chosen, thumb, columns).level_counts)
    work = max(thumb, WORK_SIDE)
    title = (f"uir degradation gallery: {photo_name} as a {work}-px square, {thumb}-px crops at 1:1, seed {seed}, "
             f"{len(chosen)} types, {tiles} levels")
    with progress_bar("gallery") as bar:
        task = bar.add_task("gallery", total=tiles)
        sheet, layout = render_gallery(photo, chosen, seed, thumb, columns, title,
                                       progress=lambda: bar.advance(task),
                                       focus=DEFAULT_FOCUS if image is None else CENTRE)
    size = write_gallery(out, sheet)
    result = {"out": str(out), "width": layout.width, "height": layout.height, "types": list(chosen),
              "tiles": tiles, "bytes": size, "seed": seed}
    if as_json:
        print_json(result)
    else:
        stdout.print(f"wrote {out}: {layout.width}x{layout.height} px, {len(chosen)} types, {tiles} tiles, "
                     f"{size / 1e6:.2f} MB")


def _write_closeups(out: Path, chosen: tuple[str, ...], crop: int, seed: int, as_json: bool) -> None:
    from uir_data.closeups import MIN_CROP, write_closeups
    from uir_data.errors import UsageError

    if out.suffix.lower() == ".png":
        raise UsageError(f"--closeups writes one PNG per type into a folder; give a folder, not {out}")
    if crop < MIN_CROP:
        raise UsageError(f"--crop must be at least {MIN_CROP} px, got {crop}")
    with progress_bar("close-ups") as bar:
        task = bar.add_task("close-ups", total=len(chosen))
        written = write_closeups(out, chosen, crop, seed, progress=lambda: bar.advance(task))
    if as_json:
        print_json({"out": str(out), "sheets": [{"path": str(p), "bytes": n} for p, n in written], "seed": seed})
    else:
        stdout.print(f"wrote {len(written)} close-up sheets to {out} ({sum(n for _, n in written) / 1e6:.2f} MB)")
