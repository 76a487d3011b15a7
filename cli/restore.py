"""`uir restore`: restore images with a fine-tuned checkpoint (padded to the network's multiple, cropped back)."""

from __future__ import annotations

from pathlib import Path

import typer

from cli.output import print_json, progress_bar, stderr, stdout

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


def command(
    checkpoint: str = typer.Argument(..., help="Run folder, checkpoint folder, .safetensors, or official .pth."),
    inputs: list[Path] = typer.Argument(..., help="Image files or folders of images."),
    out: Path = typer.Option(..., "--out", help="Folder for the restored PNGs (same file stems)."),
    weights: str = typer.Option("ema", "--weights", help="ema or model (for uir checkpoints)."),
    preset: str | None = typer.Option(None, "--preset", help="Architecture of an official checkpoint, e.g. nafnet-5d."),
    config: Path | None = typer.Option(None, "--config", help="Architecture of an official checkpoint (TOML)."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print what was written as JSON."),
) -> None:
    """Restore every input image and write OUT/<stem>.png."""
    import cv2
    import torch

    from maskdcpt.config import load_config, load_preset
    from maskdcpt.data import UnreadablePair, decode_rgb, to_chw_float
    from maskdcpt.distributed import resolve_device
    from maskdcpt.evaluate import load_restorer
    from uir_data.atomic import write_bytes_atomic
    from uir_data.errors import UsageError

    if weights not in ("ema", "model"):
        raise UsageError(f"--weights must be ema or model, got {weights!r}")
    arch = load_config(config) if config else load_preset(preset) if preset else None
    restorer = load_restorer(checkpoint, weights=weights, config=arch)
    if restorer.stage == "pretrain":
        raise UsageError(f"{checkpoint} is a pre-training checkpoint (masked input, no residual) and does not "
                         "restore images; fine-tune it first: uir train --init CKPT --stage finetune ...")
    files = _collect(inputs)
    target = resolve_device(device)
    restorer.to(target)
    written, failed = [], []
    with progress_bar("restoring") as progress:
        bar = progress.add_task("restoring", total=len(files))
        for file in files:
            try:
                image = decode_rgb(file.read_bytes(), str(file))
            except (OSError, UnreadablePair) as problem:
                failed.append(str(problem))
                stderr.print(f"[yellow]skipped:[/] {problem}", highlight=False)
                progress.advance(bar)
                continue
            lq = torch.from_numpy(to_chw_float(image))[None].to(target)
            restored, _ = restorer(lq)
            rgb = (restored[0].float().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
            ok, data = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
            destination = out / f"{file.stem}.png"
            write_bytes_atomic(destination, data.tobytes())
            written.append(str(destination))
            progress.advance(bar)
    if as_json:
        print_json({"written": written, "failed": failed, "checkpoint": checkpoint})
    else:
        stdout.print(f"restored {len(written)} image(s) into {out}" + (f", {len(failed)} unreadable" if failed else ""))
    if failed:
        raise typer.Exit(code=1)


def _collect(inputs: list[Path]) -> list[Path]:
    """Files as given, folders expanded to their images (sorted); stems must be unique in OUT."""
    from uir_data.errors import UsageError

    files: list[Path] = []
    for item in inputs:
        if item.is_dir():
            files += sorted(p for p in item.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        elif item.is_file():
            files.append(item)
        else:
            raise UsageError(f"{item}: no such image file or folder")
    if not files:
        raise UsageError("no input images found")
    stems: dict[str, Path] = {}
    for file in files:
        if file.stem in stems:
            raise UsageError(f"{file} and {stems[file.stem]} would both be written as {file.stem}.png")
        stems[file.stem] = file
    return files
