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
import errno
import io
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, safe_open
from safetensors.torch import save as save_safetensors

from maskdcpt.models.torch_files import TorchFileError, load_tensors_only
from uir_data.atomic import TEMP_MARK
from uir_data.errors import UirError

CHECKPOINTS_DIRNAME = "checkpoints"
FORMAT = "uir-maskdcpt-checkpoint"
FORMAT_VERSION = 1
META_KEY = "uir.meta"
WEIGHT_FILES = {"model": "model.safetensors", "ema": "ema.safetensors"}
STATE_FILE = "train_state.pt"
META_FILE = "meta.json"
DAMAGED_SUFFIX = ".damaged"


class CheckpointError(UirError):
    """A checkpoint that is missing, incomplete, or does not fit the model; the message names the path."""


def step_dirname(step: int) -> str:
    return f"step-{step:08d}"


def _portable(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    # safetensors wants dense, contiguous, unshared CPU tensors
    return {key: value.detach().to("cpu", copy=True).contiguous() for key, value in state.items()}


def _write_bytes(path: Path, data: bytes) -> None:
    with path.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _write(path: Path, step: int, writer: Callable[[Path], None]) -> None:
    """Run one file writer; a full disk or failed write becomes one sentence naming the file and the fix."""
    try:
        writer(path)
    except (OSError, RuntimeError, SafetensorError) as error:
        full = getattr(error, "errno", None) in (errno.ENOSPC, errno.EDQUOT)
        with contextlib.suppress(OSError):
            full = full or shutil.disk_usage(path.parent).free < 1 << 20
        reason = "no space left on the device" if full else f"write failed ({error})"
        raise CheckpointError(
            f"{path}: {reason} while writing checkpoint step {step}; free space (or lower "
            "run.keep_checkpoints) and rerun the same command: training resumes from the last complete checkpoint"
        ) from None


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
        # Serialised in memory, written by Python: then a full disk is an OSError(ENOSPC) naming the file, where
        # safetensors' writer goes through a temp file and torch.save reports "unexpected pos ..." at best.
        state_bytes = io.BytesIO()
        torch.save(train_state, state_bytes)
        blobs = {
            WEIGHT_FILES["model"]: save_safetensors(_portable(model_state), metadata=header),
            WEIGHT_FILES["ema"]: save_safetensors(_portable(ema_state), metadata=header),
            STATE_FILE: state_bytes.getvalue(),
            META_FILE: (json.dumps(meta, indent=2, sort_keys=True) + "\n").encode(),  # last: marks it complete
        }
        for name, blob in blobs.items():
            _write(tmp / name, step, lambda p, blob=blob: _write_bytes(p, blob))
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
    try:
        meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise CheckpointError(f"{folder / META_FILE}: unreadable checkpoint metadata ({error}); the checkpoint is "
                              "damaged, delete its folder to use the one before it") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
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
    path = folder / STATE_FILE
    try:
        return load_tensors_only(path)
    except TorchFileError as error:
        if error.refused:  # never pass on torch's advice to load with weights_only=False
            raise CheckpointError(f"{path}: refused, it holds objects other than tensors and plain values (not "
                                  "written by uir train, or altered); delete this checkpoint folder to resume from the "
                                  "one before") from None
        raise CheckpointError(f"{path}: cannot load the training state ({error.detail}); delete this checkpoint "
                              "folder to resume from the one before") from None


@dataclass
class ResumePoint:
    """The newest checkpoint that loads completely, and the newer ones skipped with the reason."""

    folder: Path
    meta: dict[str, Any]
    model: dict[str, torch.Tensor]
    ema: dict[str, torch.Tensor]
    state: dict[str, Any]
    skipped: list[str] = field(default_factory=list)
    skipped_folders: list[Path] = field(default_factory=list)


def load_resume_point(run_dir: Path) -> ResumePoint | None:
    """Load the newest complete checkpoint, falling back past damaged ones (a truncated file, say).

    None when the run has no checkpoint; CheckpointError naming every one when none of them loads.
    """
    skipped, folders = [], []
    for folder in reversed(complete_checkpoints(run_dir)):
        try:
            meta = read_meta(folder)
            model, _ = load_weights(folder, "model")
            ema, _ = load_weights(folder, "ema")
            state = load_train_state(folder)
        except CheckpointError as problem:
            skipped.append(str(problem))
            folders.append(folder)
            continue
        return ResumePoint(folder, meta, model, ema, state, skipped, folders)
    if skipped:
        raise CheckpointError(f"{run_dir}: no checkpoint can be loaded ({'; '.join(skipped)}); delete "
                              f"{Path(run_dir) / CHECKPOINTS_DIRNAME} to start over, or use a new --out")
    return None


def set_aside(folders: list[Path]) -> None:
    """Rename damaged checkpoint folders to step-N.damaged: kept for inspection, never resumed from again."""
    for folder in folders:
        target = folder.with_name(folder.name + DAMAGED_SUFFIX)
        shutil.rmtree(target, ignore_errors=True)
        with contextlib.suppress(OSError):
            os.replace(folder, target)


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
