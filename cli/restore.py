"""`uir restore`: restore images with a fine-tuned checkpoint (padded to the network's multiple, cropped back).

Inputs are decoded with the build's policy (uir_data.image_io: EXIF rotation, 16-bit, alpha, palette),
so an empty, corrupt or oversized file is skipped with its reason instead of stopping the batch.
Exit status: 0 when at least one image was restored (skipped files are listed on stderr and in --json),
1 when none could be, 2 on a usage error.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cli.output import print_json, print_warning, progress_bar, stdout

if TYPE_CHECKING:
    import numpy as np
    import torch

    from maskdcpt.evaluate import Restorer

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Job:
    source: Path
    destination: Path


def command(
    checkpoint: str = typer.Argument(..., help="Run folder, checkpoint folder, .safetensors, or official .pth."),
    inputs: list[Path] = typer.Argument(..., help="Image files or folders of images."),
    out: Path = typer.Option(..., "--out", help="Folder for the restored images (same names as the inputs)."),
    recursive: bool = typer.Option(
        False, "--recursive", "-r", help="Also restore images in sub-folders, keeping the folder structure in OUT."),
    ext: str | None = typer.Option(
        None, "--ext", help="Output format for every image, e.g. png (default: keep each input's extension)."),
    tile: int = typer.Option(
        0, "--tile", help="Restore in tiles of N x N pixels (bounds device memory for large images; 0: whole image)."),
    tile_overlap: int = typer.Option(32, "--tile-overlap", help="Pixels shared by neighbouring tiles, blended."),
    max_pixels: int = typer.Option(
        64_000_000, "--max-pixels", help="Skip images larger than this many pixels (checked from the header)."),
    weights: str = typer.Option("ema", "--weights", help="ema or model (for uir checkpoints)."),
    preset: str | None = typer.Option(None, "--preset", help="Architecture of an official checkpoint, e.g. nafnet-5d."),
    config: Path | None = typer.Option(None, "--config", help="Architecture of an official checkpoint (TOML)."),
    device: str = typer.Option("auto", "--device", help="cpu, cuda or auto."),
    as_json: bool = typer.Option(False, "--json", help="Print what was written and skipped as JSON."),
) -> None:
    """Restore every input image into OUT (same relative path and extension). Unreadable files are skipped
    and listed; the exit status is 1 only when no image could be restored."""
    from uir_data.errors import UsageError

    if weights not in ("ema", "model"):
        raise UsageError(f"--weights must be ema or model, got {weights!r}")
    suffix = _output_suffix(ext)
    if tile < 0 or (tile and not 0 <= tile_overlap < tile // 2):
        raise UsageError(f"--tile {tile} --tile-overlap {tile_overlap}: the tile must be positive and the overlap "
                         "at least 0 and less than half the tile (e.g. --tile 512 --tile-overlap 32)")
    if max_pixels <= 0:
        raise UsageError(f"--max-pixels must be positive, got {max_pixels}")
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out} is a file, not a folder; choose a folder for the restored images")
    jobs = _plan(inputs, out, recursive, suffix)

    import torch

    from maskdcpt.config import load_config, load_preset
    from maskdcpt.distributed import resolve_device
    from maskdcpt.evaluate import load_restorer

    arch = load_config(config) if config else load_preset(preset) if preset else None
    restorer = load_restorer(checkpoint, weights=weights, config=arch)
    if restorer.stage == "pretrain":
        raise UsageError(f"{checkpoint} is a pre-training checkpoint (masked input, no residual) and does not "
                         "restore images; fine-tune it first: uir train --init CKPT --stage finetune ...")
    target = resolve_device(device)
    restorer.to(target)
    written: list[str] = []
    skipped: list[dict[str, str]] = []
    with progress_bar("restoring") as progress, torch.inference_mode():
        bar = progress.add_task("restoring", total=len(jobs))
        for job in jobs:
            problem = _restore_one(restorer, job, target, tile, tile_overlap, max_pixels)
            if problem is None:
                written.append(str(job.destination))
            else:
                skipped.append({"file": str(job.source), "reason": problem})
                print_warning("skipped:", f"{job.source}: {problem}")
            progress.advance(bar)
    if as_json:
        print_json({"written": written, "skipped": skipped, "checkpoint": checkpoint})
    else:
        stdout.print(f"restored {len(written)} image(s) into {out}"
                     + (f"; skipped {len(skipped)} (listed above)" if skipped else ""))
    if not written:
        raise typer.Exit(code=1)


def _output_suffix(ext: str | None) -> str | None:
    from uir_data.errors import UsageError

    if ext is None:
        return None
    suffix = "." + ext.lower().lstrip(".")
    if suffix not in IMAGE_SUFFIXES:
        raise UsageError(f"--ext {ext}: not an image format uir writes; use one of "
                         f"{', '.join(s.lstrip('.') for s in IMAGE_SUFFIXES)}")
    return suffix


def _plan(inputs: list[Path], out: Path, recursive: bool, suffix: str | None) -> list[Job]:
    """Input files as given, folders expanded (sorted); every destination unique and not an input."""
    from uir_data.errors import UsageError

    jobs: list[Job] = []
    out_folder = out.resolve()
    for item in inputs:
        if item.is_dir():
            pattern = item.rglob("*") if recursive else item.iterdir()
            found = sorted(p for p in pattern if p.suffix.lower() in IMAGE_SUFFIXES and not p.is_dir()
                           and out_folder not in p.resolve().parents)  # never re-restore earlier results
            jobs += [Job(p, out / p.relative_to(item)) for p in found]
            if not recursive:
                nested = [p for p in item.iterdir() if p.is_dir()]
                if nested:
                    print_warning("note:", f"{item}: {len(nested)} sub-folder(s) not searched; pass --recursive "
                                  "to restore them too")
        elif item.exists():
            jobs.append(Job(item, out / item.name))
        else:
            raise UsageError(f"{item}: no such image file or folder")
    if not jobs:
        raise UsageError("no input images found (looked for " + ", ".join(IMAGE_SUFFIXES) + ")")
    if suffix is not None:
        jobs = [Job(j.source, j.destination.with_suffix(suffix)) for j in jobs]
    claimed: dict[Path, Path] = {}
    for job in jobs:
        if job.destination in claimed:
            raise UsageError(f"{job.source} and {claimed[job.destination]} would both be written as "
                             f"{job.destination}; restore them into different --out folders")
        if job.destination.resolve() == job.source.resolve():
            raise UsageError(f"{job.destination} would overwrite its input; choose another --out folder")
        claimed[job.destination] = job.source
    return jobs


def _restore_one(restorer: Restorer, job: Job, device: torch.device, tile: int, overlap: int,
                 max_pixels: int) -> str | None:
    """Restore one file; returns why it was skipped, or None when written."""
    import cv2
    import torch

    from maskdcpt.data import to_chw_float
    from uir_data.atomic import write_bytes_atomic
    from uir_data.image_io import RejectedImage, read_source

    if not job.source.is_file():  # a FIFO or device would block the read
        return "not a regular file"
    try:
        image = read_source(job.source, min_side=1, max_pixels=max_pixels).rgb
    except RejectedImage as rejected:
        return rejected.reason
    lq = torch.from_numpy(to_chw_float(image))[None]
    restored = restore_tiled(restorer, lq, device, tile, overlap) if tile else restorer(lq.to(device))[0]
    rgb = (restored[0].float().clamp(0, 1) * 255).round().byte().permute(1, 2, 0).cpu().numpy()
    suffix = job.destination.suffix.lower()
    # JPEG at high quality, WebP lossless (quality > 100); PNG, BMP and TIFF are lossless anyway.
    params = {".jpg": [cv2.IMWRITE_JPEG_QUALITY, 95], ".jpeg": [cv2.IMWRITE_JPEG_QUALITY, 95],
              ".webp": [cv2.IMWRITE_WEBP_QUALITY, 101]}.get(suffix, [])
    ok, data = cv2.imencode(suffix, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), params)
    if not ok:
        return f"could not encode the result as {suffix}"
    write_bytes_atomic(job.destination, data.tobytes())
    return None


def _starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile origins along one axis: stride tile - overlap, the last tile flush with the edge."""
    if length <= tile:
        return [0]
    starts = list(range(0, length - tile, tile - overlap))
    return [*starts, length - tile]


def _ramp(size: int, overlap: int, at_start: bool, at_end: bool) -> np.ndarray:
    """Blend weights along one tile axis: linear ramps across the overlaps shared with a neighbour."""
    import numpy as np

    weights = np.ones(size, np.float32)
    if overlap:
        ramp = (np.arange(overlap, dtype=np.float32) + 0.5) / overlap
        if at_start:
            weights[:overlap] = np.minimum(weights[:overlap], ramp)
        if at_end:
            weights[-overlap:] = np.minimum(weights[-overlap:], ramp[::-1])
    return weights


def restore_tiled(restorer: Restorer, lq: torch.Tensor, device: torch.device, tile: int, overlap: int) -> torch.Tensor:
    """Restore (1, 3, H, W) tile by tile on `device`; overlaps are blended with linear ramps, and only one
    tile is on the device at a time (the full image and the blend buffers stay on the CPU)."""
    import torch

    _, channels, height, width = lq.shape
    total = torch.zeros(channels, height, width)
    weight = torch.zeros(1, height, width)
    rows, cols = _starts(height, tile, overlap), _starts(width, tile, overlap)
    for i, top in enumerate(rows):
        for j, left in enumerate(cols):
            patch = lq[..., top:top + tile, left:left + tile]
            out = restorer(patch.to(device))[0][0].float().cpu()
            h, w = out.shape[-2:]
            wy = torch.from_numpy(_ramp(h, overlap, i > 0, i < len(rows) - 1))
            wx = torch.from_numpy(_ramp(w, overlap, j > 0, j < len(cols) - 1))
            mask = (wy[:, None] * wx[None, :])[None]
            total[:, top:top + h, left:left + w] += out * mask
            weight[:, top:top + h, left:left + w] += mask
    return (total / weight)[None]
