"""Checkpoints: one folder per step, written atomically by rank 0 from the unwrapped model.

RUN_DIR/checkpoints/step-00001000/
  model.safetensors   the trained module's weights (official parameter names under `backbone.` when
                      pre-training), with the run's metadata (stage, model, classes) in the header
  ema.safetensors     the EMA weights, same layout (the weights the paper evaluates)
  train_state.pt      step, optimizer, scheduler, EMA counter, RNG state, data position: tensors and
                      primitives only, so torch.load(weights_only=True) reads it
  meta.json           written last: its presence marks the checkpoint complete
The folder is assembled under a temporary name and renamed into place, so a killed run leaves either
the previous checkpoints or the complete new one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open, save_file

from uir_data.atomic import TEMP_MARK
from uir_data.errors import UirError

CHECKPOINTS_DIRNAME = "checkpoints"
FORMAT = "uir-maskdcpt-checkpoint"
FORMAT_VERSION = 1
META_KEY = "uir.meta"
WEIGHT_FILES = {"model": "model.safetensors", "ema": "ema.safetensors"}
STATE_FILE = "train_state.pt"
META_FILE = "meta.json"


class CheckpointError(UirError):
    """A checkpoint that is missing, incomplete, or does not fit the model; the message names the path."""


def step_dirname(step: int) -> str:
    return f"step-{step:08d}"


def _portable(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # safetensors wants dense, contiguous, unshared CPU tensors
    return {key: value.detach().to("cpu", copy=True).contiguous() for key, value in state.items()}


def save_checkpoint(
    run_dir: Path,
    step: int,
    model_state: dict[str, torch.Tensor],
    ema_state: dict[str, torch.Tensor],
    train_state: dict[str, Any],
    meta: dict[str, Any],
    keep: int,
) -> Path:
    """Write checkpoint `step` atomically; keep the newest `keep` complete checkpoints."""
    folder = Path(run_dir) / CHECKPOINTS_DIRNAME
    final = folder / step_dirname(step)
    tmp = folder / f"{TEMP_MARK}{os.getpid()}-{step_dirname(step)}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "step": step, **meta}
    try:
        header = {META_KEY: json.dumps(meta, sort_keys=True)}
        save_file(_portable(model_state), tmp / WEIGHT_FILES["model"], metadata=header)
        save_file(_portable(ema_state), tmp / WEIGHT_FILES["ema"], metadata=header)
        torch.save(train_state, tmp / STATE_FILE)
        (tmp / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        if final.exists():  # a rerun that reached the same step: replace it
            shutil.rmtree(final)
        os.replace(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    for old in complete_checkpoints(run_dir)[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
    return final


def complete_checkpoints(run_dir: Path) -> list[Path]:
    """Complete checkpoint folders of a run, oldest first."""
    folder = Path(run_dir) / CHECKPOINTS_DIRNAME
    if not folder.is_dir():
        return []
    found = [p for p in folder.glob("step-*") if (p / META_FILE).is_file() and p.name[5:].isdigit()]
    return sorted(found, key=lambda p: int(p.name[5:]))


def remove_stale(run_dir: Path) -> None:
    """Delete half-written checkpoint folders a killed run left behind."""
    folder = Path(run_dir) / CHECKPOINTS_DIRNAME
    if folder.is_dir():
        for stale in folder.glob(f"{TEMP_MARK}*"):
            shutil.rmtree(stale, ignore_errors=True)


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = complete_checkpoints(run_dir)
    return found[-1] if found else None


def resolve(path: Path | str) -> tuple[Path, str | None]:
    """(checkpoint folder, weights file name or None) for a run dir, checkpoint folder or .safetensors file."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"{path}: no such checkpoint, checkpoint folder or run folder")
    if path.is_file():
        return path.parent, path.name
    if (path / META_FILE).is_file():
        return path, None
    latest = latest_checkpoint(path)
    if latest is None:
        raise CheckpointError(f"{path}: no complete checkpoint in this folder (expected {CHECKPOINTS_DIRNAME}/step-*/)")
    return latest, None


def read_meta(path: Path | str) -> dict[str, Any]:
    """The metadata of one of our checkpoints (a folder or a .safetensors file written by save_checkpoint)."""
    folder, file = resolve(path)
    if file is not None:
        try:
            with safe_open(str(folder / file), framework="pt") as handle:
                header = handle.metadata() or {}
        except (SafetensorError, OSError) as error:
            raise CheckpointError(f"{folder / file}: not a readable safetensors file ({error})") from None
        if META_KEY not in header:
            raise CheckpointError(f"{folder / file}: a safetensors file without uir metadata (not written by uir train)")
        return json.loads(header[META_KEY])
    meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise CheckpointError(f"{folder}: not a uir checkpoint (format {meta.get('format')!r})")
    return meta


def load_weights(path: Path | str, which: str = "ema") -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """(state dict, metadata) of a run, checkpoint folder or weights file; `which` is ema or model."""
    folder, file = resolve(path)
    file = file or WEIGHT_FILES[which]
    meta = read_meta(folder / file)
    try:
        return load_file(str(folder / file)), meta
    except (SafetensorError, OSError) as error:
        raise CheckpointError(f"{folder / file}: not a readable safetensors file ({error})") from None


def load_train_state(folder: Path) -> dict[str, Any]:
    """The resumable training state of a checkpoint folder, loaded with weights_only=True."""
    try:
        return torch.load(folder / STATE_FILE, map_location="cpu", weights_only=True)
    except (OSError, RuntimeError) as error:
        raise CheckpointError(f"{folder / STATE_FILE}: cannot load the training state ({error})") from None


def backbone_state(state: dict[str, torch.Tensor], stage: str) -> dict[str, torch.Tensor]:
    """The backbone's weights with official parameter names (the `backbone.` prefix of pre-training removed)."""
    if stage != "pretrain":
        return dict(state)
    prefix = "backbone."
    return {key[len(prefix):]: value for key, value in state.items() if key.startswith(prefix)}


def is_uir_checkpoint(path: Path | str) -> bool:
    """True for a run dir, checkpoint folder or .safetensors written by uir train."""
    with contextlib.suppress(CheckpointError, json.JSONDecodeError, OSError):
        read_meta(path)
        return True
    return False
