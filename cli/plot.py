"""`uir plot`: loss, accuracy and PSNR curves of one or several training runs, drawn into one PNG."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, print_warning, stdout

DEFAULT_METRICS = "loss,acc,val-acc,psnr"


def command(
    runs: list[Path] = typer.Argument(..., help="Run folders written by `uir train` (each has metrics.jsonl)."),
    out: Path = typer.Option(..., "--out", help="Output PNG file."),
    metrics: str = typer.Option(
        DEFAULT_METRICS, "--metrics",
        help="Comma-separated panels: loss, l1, focal, acc (train), val-acc, psnr, ssim (held-out evaluations).",
    ),
    labels: str | None = typer.Option(None, "--labels", help="Comma-separated legend labels, one per run."),
    width: int = typer.Option(480, "--width", help="Width of one panel in pixels."),
    height: int = typer.Option(360, "--height", help="Height of the chart in pixels."),
    as_json: bool = typer.Option(False, "--json", help="Print what was drawn as JSON."),
) -> None:
    """Draw one panel per metric with one curve per run (the same colour for a run in every panel)."""
    from maskdcpt.plotting import METRICS, plot_runs, run_series, save_png
    from uir_data.errors import UsageError

    for run in runs:
        if not (run / "metrics.jsonl").is_file():
            raise UsageError(f"{run}: no metrics.jsonl here; pass run folders written by `uir train --out RUN`")
    wanted = [m.strip() for m in metrics.split(",") if m.strip()]
    unknown = [m for m in wanted if m not in METRICS]
    if unknown or not wanted:
        raise UsageError(f"--metrics: unknown {', '.join(unknown) or '(none given)'}; choose from {', '.join(METRICS)}")
    names = [part.strip() for part in labels.split(",")] if labels else None
    if names is not None and len(names) != len(runs):
        raise UsageError(f"--labels gives {len(names)} labels for {len(runs)} runs; give one per run")
    if width < 200 or height < 150:
        raise UsageError("--width must be at least 200 and --height at least 150 pixels")
    # A panel no run logged (e.g. val-acc for fine-tune runs only) is dropped rather than drawn empty.
    present = [m for m in wanted if any(run_series(r, m).steps for r in runs)]
    if not present:
        raise UsageError(f"none of the runs logged {', '.join(wanted)}; try --metrics loss")
    for metric in wanted:
        if metric not in present:
            print_warning("skipped panel:", f"{metric} (no run logged it)")
    image, panels = plot_runs(runs, present, names, width, height)
    save_png(out, image)
    summary = {
        "out": str(out), "width": int(image.shape[1]), "height": int(image.shape[0]),
        "panels": [{"metric": m, "curves": {s.label: len(s.steps) for s in p.series}}
                   for m, p in zip(present, panels, strict=True)],
    }
    if as_json:
        print_json(summary)
        return
    stdout.print(f"wrote {out} ({summary['width']}x{summary['height']}): {', '.join(present)} of {len(runs)} run(s)")
