"""Faults around checkpoints and resume: damaged checkpoints, metrics of a killed run, stale configs, full disks."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest
import torch
from rich.console import Console

from maskdcpt import checkpoint as ckpt
from maskdcpt.config import TrainConfig, apply_overrides, load_preset
from maskdcpt.runlog import MetricsLog
from maskdcpt.toydata import write_toy_dataset
from maskdcpt.train import CONFIG_FILE, resolve_run_config, train

torch.set_num_threads(1)


def tiny(dataset: Path, *assignments: str) -> TrainConfig:
    config = load_preset("tiny-cpu")
    config.data.manifests = [str(dataset)]
    return apply_overrides(config, ["data.workers=0", "run.log_every=1", "run.eval_every=1000", "run.threads=1",
                                    "data.val_crop=32", "data.val_max_images=1", "data.batch_size=2", *assignments])


def steps_logged(run: Path) -> list[int]:
    return [r["step"] for r in MetricsLog(run).read() if r["kind"] == "train"]


def losses(run: Path) -> list[float]:
    return [r["loss"] for r in MetricsLog(run).read() if r["kind"] == "train"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=4, val_scenes=1)


def test_a_truncated_newest_checkpoint_falls_back_to_the_previous_one(dataset: Path, tmp_path: Path):
    config = tiny(dataset, "run.steps=6", "run.ckpt_every=2")
    train(config, tmp_path / "straight")
    train(config, tmp_path / "run", stop_at=4)
    newest = tmp_path / "run" / "checkpoints" / "step-00000004"
    weights = newest / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[: weights.stat().st_size // 2])  # cut short by a crash or full disk
    console = Console(stderr=False, record=True, width=400)
    summary = train(config, tmp_path / "run", console=console)
    said = console.export_text()
    assert f"skipped a damaged checkpoint: {weights}: not a readable safetensors file" in said
    assert "resuming" in said and "from step 2" in said
    assert summary["finished"] and losses(tmp_path / "run") == losses(tmp_path / "straight")
    assert (newest.parent / "step-00000004.damaged").is_dir()  # kept for inspection, never resumed from again


def test_a_truncated_meta_json_is_named(tmp_path: Path):
    folder = tmp_path / "checkpoints" / "step-00000002"
    folder.mkdir(parents=True)
    (folder / "meta.json").write_text('{"format": "uir-maskdcpt-checkp')
    with pytest.raises(ckpt.CheckpointError, match=rf"^{folder / 'meta.json'}: unreadable checkpoint metadata"):
        ckpt.read_meta(folder)
    with pytest.raises(ckpt.CheckpointError, match="no checkpoint can be loaded"):
        ckpt.load_resume_point(tmp_path)


def test_a_run_killed_before_its_first_checkpoint_leaves_no_duplicate_steps(dataset: Path, tmp_path: Path):
    run = tmp_path / "run"
    config = tiny(dataset, "run.steps=5", "run.ckpt_every=100")
    train(config, run, stop_at=3)
    shutil.rmtree(run / "checkpoints")  # killed before the checkpoint of step 3 was written
    with (run / "metrics.jsonl").open("a") as log:
        log.write('{"kind": "train", "st')  # and in the middle of appending a record
    train(config, run)
    assert steps_logged(run) == [1, 2, 3, 4, 5]


def test_the_config_of_a_run_without_checkpoint_is_not_reused(dataset: Path, tmp_path: Path):
    run = tmp_path / "run"
    run.mkdir()
    (run / CONFIG_FILE).write_text('base = "tiny-cpu"\n[data]\nbatch_size = 3\n')  # a first attempt that failed
    assert resolve_run_config(run, manifests=[dataset]).data.batch_size == load_preset("tiny-cpu").data.batch_size
    train(tiny(dataset, "run.steps=1", "data.batch_size=2"), run)  # once a checkpoint exists, it is the run's
    assert resolve_run_config(run).data.batch_size == 2


@pytest.mark.parametrize("writer", ["safetensors", "json"])
def test_a_full_disk_names_the_file_and_the_fix(writer: str):
    from safetensors.torch import save

    target = Path("/dev/full")  # every write fails with ENOSPC, as on a full file system
    assert target.is_char_device(), "/dev/full must be the Linux full device (character device 1,7)"
    write = {"safetensors": lambda p: ckpt._write_bytes(p, save({"w": torch.zeros(1000)})),
             "json": lambda p: ckpt._write_bytes(p, b"{}" * 5000)}[writer]
    with pytest.raises(ckpt.CheckpointError) as caught:
        ckpt._write(target, 40, write)
    assert str(caught.value) == (
        "/dev/full: no space left on the device while writing checkpoint step 40; free space (or lower "
        "run.keep_checkpoints) and rerun the same command: training resumes from the last complete checkpoint")


class Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_training_state_with_pickled_objects_is_refused_without_weights_only_advice(tmp_path: Path):
    torch.save({"step": 1, "payload": Payload()}, tmp_path / ckpt.STATE_FILE)
    with pytest.raises(ckpt.CheckpointError) as caught:
        ckpt.load_train_state(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / ckpt.STATE_FILE}: refused, it holds objects other than tensors")
    assert "weights_only" not in message and "False" not in message
    assert isinstance(pickle.dumps(Payload()), bytes)


@pytest.mark.parametrize("content", [b"", b"not a checkpoint", b"PK\x03\x04 truncated zip"])
def test_a_damaged_training_state_is_called_damaged_not_refused(tmp_path: Path, content: bytes):
    # garbage must not be reported as "holds objects" (which blames the writer): it is a damaged file
    (tmp_path / ckpt.STATE_FILE).write_bytes(content)
    with pytest.raises(ckpt.CheckpointError) as caught:
        ckpt.load_train_state(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / ckpt.STATE_FILE}: cannot load the training state (not a PyTorch file")
    assert "refused" not in message and "weights_only" not in message
    assert message.endswith("delete this checkpoint folder to resume from the one before")
