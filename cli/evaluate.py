"""`uir evaluate`: PSNR/SSIM per degradation type (and classification accuracy for pre-train checkpoints)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from cli.output import print_json, print_warning, progress_bar, stdout


def command(
    checkpoint: str = typer.Argument(..., help="Run folder, checkpoint folder, .safetensors, or official .pth."),
    manifest: list[Path] = typer.Option(..., "--manifest", help="Dataset folder (repeatable)."),
    split: str = typer.Option("val", "--split", help="Split to evaluate: train, val or test."),
    types: str | None = typer.Option(None, "--types", help="Only these types, e.g. GN,J."),
    weights: str = typer.Option("ema", "--weights", help="ema or model (for uir checkpoints)."),
    preset: str | None = typer.Option(None, "--preset", help="Architecture of an official checkpoint, e.g. nafnet-5d."),
    config: Path | None = typer.Option(None, "--config", help="Architecture of an official checkpoint (TOML)."),
    limit: int = typer.Option(0, "--limit", help="Evaluate at most N pairs (0: all)."),
    crop: int = typer.Option(0, "--crop", help="Centre-crop pairs to N pixels (0: full images)."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Score a dataset whose build has not finished (refused by default)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
) -> None:
    """Score a checkpoint on a split, per degradation type."""
    from maskdcpt.config import load_config, load_preset
    from maskdcpt.data import open_index
    from maskdcpt.distributed import resolve_device
    from maskdcpt.evaluate import evaluate, load_restorer
    from uir_data.errors import UsageError
    from uir_data.taxonomy import parse_type_list

    if weights not in ("ema", "model"):
        raise UsageError(f"--weights must be ema or model, got {weights!r}")
    if limit < 0:
        raise UsageError(f"--limit must be 0 (every pair) or a positive number of pairs, got {limit}")
    if crop < 0:
        raise UsageError(f"--crop must be 0 (full images) or a positive size in pixels, got {crop}")
    wanted: tuple[str, ...] = ()
    if types is not None:
        try:
            wanted = parse_type_list(types)
        except ValueError as error:
            raise UsageError(f"--types: {error}") from None
        if not wanted:
            raise UsageError(f"--types {types!r} names no type; give e.g. --types GN,J (or leave it out for all)")
    arch = load_config(config) if config else load_preset(preset) if preset else None
    restorer = load_restorer(checkpoint, weights=weights, config=arch)
    index = open_index(manifest, split, wanted, limit, allow_incomplete=allow_incomplete)
    with progress_bar("evaluating") as progress:
        bar = progress.add_task("evaluating", total=len(index))
        result = evaluate(restorer, index, resolve_device(device), crop=crop, on_pair=lambda: progress.advance(bar))
    result["split"] = split
    if as_json:
        print_json(result)
        return
    with_acc = any("accuracy" in t for t in result["types"].values())
    table = Table(title=f"{checkpoint} on {split} ({result['pairs']} pairs, {result['stage']} weights)")
    for column in ("type", "pairs", "PSNR", "SSIM", "input PSNR", "input SSIM", *(["acc"] if with_acc else [])):
        table.add_column(column, justify="left" if column == "type" else "right")
    rows = [(k, v) for k, v in result["types"].items()] + [("mean", {**result["mean"], "count": result["pairs"]})]
    for name, scores in rows:
        cells = [name, str(scores["count"]), f"{scores['psnr']:.2f}", f"{scores['ssim']:.4f}",
                 f"{scores['psnr_input']:.2f}", f"{scores['ssim_input']:.4f}"]
        if with_acc:
            cells.append(f"{scores['accuracy']:.1%}" if "accuracy" in scores else "-")
        table.add_row(*cells, end_section=name == rows[-2][0])
    stdout.print(table)
    for problem in result["skipped"]:
        print_warning("skipped:", str(problem))
