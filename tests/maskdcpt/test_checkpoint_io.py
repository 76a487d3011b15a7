"""Checkpoints: atomic step folders, safetensors weights with metadata, weights_only training state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from maskdcpt import checkpoint as ckpt


def _state(seed: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return {"backbone.intro.weight": torch.randn(4, 3, 3, 3, generator=generator),
            "classifier.head.bias": torch.randn(5, generator=generator)}


def _train_state(step: int) -> dict:
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: 0.5)
    return {"step": step, "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
            "ema": {"updates": step}, "rng_cpu": torch.get_rng_state(), "data": {"position": step * 8}}


META = {"stage": "pretrain", "model": {"name": "nafnet", "kwargs": {"width": 16}},
        "classes": {"labels": [0, 12], "names": ["GN", "LL"]}}


def test_round_trip_of_weights_metadata_and_training_state(tmp_path: Path):
    model, ema = _state(0), _state(1)
    folder = ckpt.save_checkpoint(tmp_path, 40, model, ema, _train_state(40), META, keep=3)
    assert folder.name == "step-00000040"
    loaded, meta = ckpt.load_weights(tmp_path, "model")
    assert all(torch.equal(loaded[k], model[k]) for k in model)
    assert torch.equal(ckpt.load_weights(folder / "ema.safetensors")[0]["classifier.head.bias"], ema["classifier.head.bias"])
    assert meta["step"] == 40 and meta["classes"]["names"] == ["GN", "LL"] and meta["format"] == ckpt.FORMAT
    state = torch.load(folder / ckpt.STATE_FILE, weights_only=True)  # no pickle of arbitrary objects
    assert state["step"] == 40 and state["data"]["position"] == 320 and "state" in state["optimizer"]
    assert json.loads((folder / ckpt.META_FILE).read_text())["step"] == 40
    assert ckpt.backbone_state(loaded, "pretrain").keys() == {"intro.weight"}


def test_only_the_newest_checkpoints_are_kept_and_latest_wins(tmp_path: Path):
    for step in (10, 20, 30):
        ckpt.save_checkpoint(tmp_path, step, _state(step), _state(step), _train_state(step), META, keep=2)
    assert [p.name for p in ckpt.complete_checkpoints(tmp_path)] == ["step-00000020", "step-00000030"]
    assert ckpt.resolve(tmp_path)[0].name == "step-00000030"


def test_half_written_checkpoints_are_ignored_and_cleaned(tmp_path: Path):
    ckpt.save_checkpoint(tmp_path, 10, _state(0), _state(0), _train_state(10), META, keep=2)
    incomplete = tmp_path / "checkpoints" / "step-00000020"  # no meta.json: never completed
    incomplete.mkdir()
    (incomplete / "model.safetensors").write_bytes(b"partial")
    stale = tmp_path / "checkpoints" / ".uir-tmp-123-step-00000030"
    stale.mkdir()
    assert ckpt.latest_checkpoint(tmp_path).name == "step-00000010"
    ckpt.remove_stale(tmp_path)
    assert not stale.exists()


def test_a_failed_write_leaves_the_previous_checkpoint(tmp_path: Path):
    ckpt.save_checkpoint(tmp_path, 10, _state(0), _state(0), _train_state(10), META, keep=2)
    with pytest.raises(TypeError):
        ckpt.save_checkpoint(tmp_path, 20, _state(0), _state(0), _train_state(20), {"bad": object()}, keep=2)
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["step-00000010"]


def test_missing_or_foreign_checkpoints_are_clear_errors(tmp_path: Path):
    with pytest.raises(ckpt.CheckpointError, match="no such checkpoint"):
        ckpt.resolve(tmp_path / "absent")
    with pytest.raises(ckpt.CheckpointError, match="no complete checkpoint"):
        ckpt.resolve(tmp_path)
    from safetensors.torch import save_file

    save_file({"w": torch.zeros(2)}, tmp_path / "foreign.safetensors")
    with pytest.raises(ckpt.CheckpointError, match="without uir metadata"):
        ckpt.read_meta(tmp_path / "foreign.safetensors")
    assert not ckpt.is_uir_checkpoint(tmp_path / "foreign.safetensors")
