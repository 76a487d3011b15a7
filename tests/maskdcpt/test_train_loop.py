"""The training loop on CPU: pre-training learns, resume is exact, fine-tuning starts from pre-training."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from maskdcpt import checkpoint as ckpt
from maskdcpt.config import ConfigError, TrainConfig, apply_overrides, load_preset
from maskdcpt.data import open_index
from maskdcpt.evaluate import Restorer, evaluate, load_restorer
from maskdcpt.metrics import psnr
from maskdcpt.models import create_backbone
from maskdcpt.runlog import MetricsLog
from maskdcpt.toydata import write_toy_dataset
from maskdcpt.train import init_backbone, start_head, train

torch.set_num_threads(1)


def tiny(dataset: Path, *assignments: str) -> TrainConfig:
    config = load_preset("tiny-cpu")
    config.data.manifests = [str(dataset)]
    return apply_overrides(config, ["data.workers=0", "run.log_every=1", "data.val_crop=64", "run.threads=1", *assignments])


def losses(run: Path, key: str = "loss") -> list[float]:
    return [r[key] for r in MetricsLog(run).read() if r["kind"] == "train"]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=10, val_scenes=2)


@pytest.fixture(scope="module")
def pretrained(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "pre"
    summary = train(tiny(dataset, "run.steps=40", "run.eval_every=40", "run.ckpt_every=20"), run)
    assert summary["finished"] and summary["step"] == 40
    return run


def test_pretraining_lowers_the_loss_and_classifies_above_chance(pretrained: Path):
    loss, acc = losses(pretrained), losses(pretrained, "acc")
    assert len(loss) == 40
    assert np.mean(loss[-8:]) < 0.85 * np.mean(loss[:8])
    assert np.mean(losses(pretrained, "l1")[-8:]) < 0.7 * np.mean(losses(pretrained, "l1")[:8])
    assert np.mean(losses(pretrained, "focal")[-8:]) < np.mean(losses(pretrained, "focal")[:8])
    assert np.mean(acc[-10:]) > 0.2 + 0.1  # five classes: chance is 20%
    val = [r for r in MetricsLog(pretrained).read() if r["kind"] == "val"]
    assert val[-1]["step"] == 40 and set(val[-1]["types"]) == {"GN", "GB", "J", "H", "LL"}


def test_pretrain_checkpoint_holds_the_backbone_under_official_names(pretrained: Path):
    folders = ckpt.complete_checkpoints(pretrained)
    assert [f.name for f in folders] == ["step-00000020", "step-00000040"]
    weights = load_file(folders[-1] / "ema.safetensors")
    assert {k.split(".")[0] for k in weights} == {"backbone", "classifier"}
    backbone = create_backbone("nafnet", **load_preset("tiny-cpu").model.kwargs)
    backbone.load_state_dict(ckpt.backbone_state(weights, "pretrain"), strict=True)
    state = torch.load(folders[-1] / ckpt.STATE_FILE, weights_only=True)
    assert state["step"] == 40 and state["data"]["position"] == 40 * 8


def test_an_interrupted_run_resumes_to_the_same_losses_and_weights(dataset: Path, tmp_path: Path):
    config = tiny(dataset, "run.steps=10", "run.ckpt_every=4", "run.eval_every=1000")
    train(config, tmp_path / "straight")
    # Preempted after step 7 (last checkpoint 4 is complete, step-7's is lost), then the same command again,
    # this time decoding in a worker process: the data position and draws are keyed, not worker state.
    train(config, tmp_path / "interrupted", stop_at=7)
    shutil.rmtree(tmp_path / "interrupted" / "checkpoints" / "step-00000007")
    resumed = apply_overrides(config, ["data.workers=1"])
    summary = train(resumed, tmp_path / "interrupted")
    assert summary["finished"]
    assert losses(tmp_path / "interrupted") == losses(tmp_path / "straight")
    steps = [r["step"] for r in MetricsLog(tmp_path / "interrupted").read() if r["kind"] == "train"]
    assert steps == list(range(1, 11))  # records of the lost steps 5-7 were dropped, then recomputed
    a = load_file(ckpt.latest_checkpoint(tmp_path / "straight") / "model.safetensors")
    b = load_file(ckpt.latest_checkpoint(tmp_path / "interrupted") / "model.safetensors")
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_resuming_with_other_settings_is_refused(pretrained: Path, dataset: Path):
    changed = tiny(dataset, "run.steps=40", "optim.lr_backbone=5e-4")
    with pytest.raises(ConfigError, match=r"optim.lr_backbone \(0.001 -> 0.0005\)"):
        train(changed, pretrained)


def test_finetuning_from_the_pretrain_run_learns_to_restore(pretrained: Path, dataset: Path, tmp_path: Path):
    config = tiny(dataset, 'stage="finetune"', f'finetune.init="{pretrained}"', "run.steps=30",
                  "run.eval_every=1000", "optim.ema_decay=0.9")
    summary = train(config, tmp_path / "ft")
    assert summary["classes"] == ["GN", "GB", "J", "H", "LL"]
    loss = losses(tmp_path / "ft")
    assert np.mean(loss[-5:]) < np.mean(loss[:5])
    restorer = load_restorer(tmp_path / "ft")
    assert restorer.stage == "finetune" and restorer.classes is not None
    scores = evaluate(restorer, open_index([dataset], "val", ["LL"]), torch.device("cpu"))
    assert scores["types"]["LL"]["psnr"] > scores["types"]["LL"]["psnr_input"] + 3  # brighter than the input


def test_finetuning_refuses_weights_of_another_architecture(pretrained: Path, dataset: Path, tmp_path: Path):
    config = tiny(dataset, 'stage="finetune"', f'finetune.init="{pretrained}"', "model.kwargs.width=8")
    with pytest.raises(ckpt.CheckpointError, match="use the same \\[model\\] settings"):
        train(config, tmp_path / "ft")


def test_evaluation_of_an_identity_network_scores_the_input(dataset: Path):
    backbone = create_backbone("nafnet", **load_preset("tiny-cpu").model.kwargs)
    torch.nn.init.zeros_(backbone.reconstruction_head().weight)
    torch.nn.init.zeros_(backbone.reconstruction_head().bias)  # plain forward = head + input = input
    index = open_index([dataset], "val")
    scores = evaluate(Restorer(backbone, "finetune", None, "identity"), index, torch.device("cpu"))
    assert scores["pairs"] == len(index) == 10
    for abbrev, entry in scores["types"].items():
        assert entry["psnr"] == pytest.approx(entry["psnr_input"], abs=1e-9)
        assert entry["ssim"] == pytest.approx(entry["ssim_input"], abs=1e-9)
        rows = [r for r in range(len(index)) if index.degradations[r] == abbrev]
        direct = []
        for row in rows:
            lq, gt = (torch.from_numpy(a).permute(2, 0, 1)[None].double() / 255 for a in index.read_pair(row))
            direct.append(psnr(lq, gt).item())
        assert entry["psnr_input"] == pytest.approx(np.mean(direct), abs=1e-6)  # float32 vs float64 decode


def test_resuming_over_changed_training_rows_is_refused(pretrained: Path, dataset: Path, tmp_path: Path):
    smaller = write_toy_dataset(tmp_path / "ds", scenes=9, val_scenes=2)  # same classes, fewer rows
    copy = tmp_path / "run"
    shutil.copytree(pretrained, copy)
    config = tiny(dataset, "run.steps=40", "run.eval_every=40", "run.ckpt_every=20")
    config.data.manifests = [str(smaller)]
    with pytest.raises(ckpt.CheckpointError, match=r"training rows changed .*\(40 -> 35 pairs\)"):
        train(config, copy, stop_at=41)


@pytest.mark.parametrize("from_pretraining", [True, False])
def test_a_finetune_starts_at_the_input(pretrained: Path, dataset: Path, from_pretraining: bool):
    """Step 0 of a fine-tune (after pre-training, or from scratch) scores exactly the input's PSNR."""
    init = f'finetune.init="{pretrained}"' if from_pretraining else 'finetune.init=""'
    config = tiny(dataset, 'stage="finetune"', init)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        backbone = create_backbone("nafnet", **config.model.kwargs)
    if from_pretraining:
        assert "output head re-initialised (zero)" in init_backbone(backbone, config)
        body = ckpt.backbone_state(load_file(ckpt.latest_checkpoint(pretrained) / "ema.safetensors"), "pretrain")
        assert torch.equal(backbone.state_dict()["intro.weight"], body["intro.weight"])  # the body is kept
    else:
        start_head(backbone, config)
    assert all(torch.count_nonzero(p) == 0 for p in backbone.reconstruction_head().parameters())
    scores = evaluate(Restorer(backbone, "finetune", None, "step 0"), open_index([dataset], "val"), torch.device("cpu"))
    for entry in scores["types"].values():
        assert entry["psnr"] == pytest.approx(entry["psnr_input"], abs=1e-6)


def test_head_init_default_keeps_pytorch_init(dataset: Path):
    config = tiny(dataset, 'stage="finetune"', 'finetune.head_init="default"')
    backbone = create_backbone("nafnet", **config.model.kwargs)
    start_head(backbone, config)
    assert torch.count_nonzero(backbone.reconstruction_head().weight) > 0
    with pytest.raises(ConfigError, match=r"finetune.head_init: must be one of \('zero', 'default'\)"):
        tiny(dataset, 'finetune.head_init="ones"')


def test_evaluation_scores_the_float_output_not_an_8_bit_rounding(dataset: Path):
    backbone = create_backbone("nafnet", **load_preset("tiny-cpu").model.kwargs)
    torch.nn.init.zeros_(backbone.reconstruction_head().weight)
    torch.nn.init.constant_(backbone.reconstruction_head().bias, 0.3 / 255)  # output = input + 0.3 levels
    index = open_index([dataset], "val", ["LL"])
    scores = evaluate(Restorer(backbone, "finetune", None, "offset"), index, torch.device("cpu"))
    direct = []
    for row in range(len(index)):
        lq, gt = (torch.from_numpy(a).permute(2, 0, 1)[None].float() / 255 for a in index.read_pair(row))
        direct.append(psnr((lq + 0.3 / 255).clamp(0, 1), gt).item())
    # rounded to 8 bits the output would be the input again; scored as floats it is not
    assert scores["types"]["LL"]["psnr"] == pytest.approx(np.mean(direct), abs=1e-4)
    assert abs(scores["types"]["LL"]["psnr"] - scores["types"]["LL"]["psnr_input"]) > 0.01


def test_channels_last_computes_the_same_run(dataset: Path, tmp_path: Path):
    config = tiny(dataset, "run.steps=2", "run.eval_every=1000")
    train(config, tmp_path / "nchw")
    train(apply_overrides(config, ["run.channels_last=true"]), tmp_path / "nhwc")
    assert losses(tmp_path / "nhwc") == pytest.approx(losses(tmp_path / "nchw"), rel=1e-4)  # float order only
