"""`uir train`: pre-train (MaskDCPT) or fine-tune a backbone from manifests; resumes RUN_DIR by default."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from cli.output import print_json, stderr, stdout


def command(
    out: Path = typer.Option(..., "--out", help="Run folder: config, metrics.jsonl, checkpoints; rerun to resume."),
    config: Path | None = typer.Option(None, "--config", help="Training config TOML (may say base = \"PRESET\")."),
    preset: str | None = typer.Option(None, "--preset", help="Bundled preset: tiny-cpu, nafnet-5d, restormer-5d."),
    manifest: list[Path] | None = typer.Option(None, "--manifest", help="Dataset folder (repeatable)."),
    stage: str | None = typer.Option(None, "--stage", help="pretrain (MaskDCPT) or finetune."),
    init: str | None = typer.Option(
        None, "--init", help="Initialise the backbone from a pre-train run/checkpoint or an official .pth "
        "(implies --stage finetune)."),
    max_steps: int | None = typer.Option(None, "--max-steps", help="Total optimizer steps (overrides run.steps)."),
    device: str | None = typer.Option(None, "--device", help="cpu, cuda or auto."),
    overrides: list[str] | None = typer.Option(None, "--set", help="Config override KEY=VALUE, e.g. optim.lr_backbone=1e-4."),
    allow_incomplete: bool = typer.Option(
        False, "--allow-incomplete", help="Train on a dataset whose build has not finished (refused by default)."),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
) -> None:
    """Pre-train or fine-tune; under `torchrun --nproc-per-node N -m cli.main train ...` it runs DDP."""
    from maskdcpt.train import resolve_run_config, train

    resolved = resolve_run_config(
        out, config_file=config, preset=preset, manifests=manifest, stage=stage, init=init,
        max_steps=max_steps, device=device, overrides=overrides, allow_incomplete=allow_incomplete,
    )
    is_main = int(os.environ.get("RANK", "0")) == 0
    if is_main:
        stderr.print(f"run folder {out} (rerun the same command to resume)", highlight=False)
    summary = train(resolved, out, console=stderr)
    if not is_main:
        return
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"{summary['stage']} run {summary['run_dir']}")
    table.add_column("item")
    table.add_column("value", overflow="fold")
    table.add_row("steps", f"{summary['step']}/{summary['total_steps']}")
    table.add_row("checkpoint", str(summary["checkpoint"]))
    if summary["last_train"]:
        for key in ("loss", "l1", "focal", "acc", "img_per_s"):
            if key in summary["last_train"]:
                table.add_row(f"last {key}", f"{summary['last_train'][key]:.4f}")
    if summary["last_eval"]:
        for key, value in summary["last_eval"]["mean"].items():
            table.add_row(f"val {key}", f"{value:.4f}")
    stdout.print(table)
