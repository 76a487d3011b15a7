"""`uir evaluate`: per-type table or JSON for our checkpoints and for official BasicSR .pth files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from cli.main import main
from maskdcpt.config import load_preset
from maskdcpt.models import create_backbone
from maskdcpt.toydata import write_toy_dataset

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=4, val_scenes=2, types=("GN", "LL", "H"))


@pytest.fixture(scope="module")
def pretrain_run(dataset: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("runs") / "pre"
    assert main(["train", "--out", str(run), "--manifest", str(dataset), "--max-steps", "2", "--device", "cpu",
                 "--set", "data.workers=0", "--set", "run.eval_every=1000"]) == 0
    return run


def test_json_scores_every_type_with_accuracy_for_pretraining(pretrain_run: Path, dataset: Path,
                                                               capsys: pytest.CaptureFixture):
    capsys.readouterr()
    assert main(["evaluate", str(pretrain_run), "--manifest", str(dataset), "--json", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["split"] == "val" and result["stage"] == "pretrain" and result["pairs"] == 6
    assert set(result["types"]) == {"GN", "LL", "H"}
    for scores in result["types"].values():
        assert scores["count"] == 2 and 0 <= scores["accuracy"] <= 1 and -1 <= scores["ssim"] <= 1
    assert main(["evaluate", str(pretrain_run), "--manifest", str(dataset), "--types", "LL", "--json"]) == 0
    assert set(json.loads(capsys.readouterr().out)["types"]) == {"LL"}


def test_table_output_lists_types_and_the_mean(pretrain_run: Path, dataset: Path, capsys: pytest.CaptureFixture):
    capsys.readouterr()
    assert main(["evaluate", str(pretrain_run), "--manifest", str(dataset), "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    for word in ("GN", "LL", "H", "mean", "PSNR", "SSIM", "acc"):
        assert word in out


def test_official_checkpoints_need_an_architecture(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    kwargs = load_preset("tiny-cpu").model.kwargs
    net = create_backbone("nafnet", **kwargs)
    official = tmp_path / "net_g_latest.pth"
    torch.save({"params": net.state_dict(), "params_ema": net.state_dict()}, official)  # BasicSR layout
    capsys.readouterr()
    assert main(["evaluate", str(official), "--manifest", str(dataset)]) == 1
    assert "pass --preset" in capsys.readouterr().err
    assert main(["evaluate", str(official), "--manifest", str(dataset), "--preset", "tiny-cpu", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["stage"] == "finetune" and "accuracy" not in result["mean"]
    assert main(["evaluate", str(official), "--manifest", str(dataset), "--preset", "nafnet-5d"]) == 1
    assert "does not match" in capsys.readouterr().err


def test_an_empty_split_is_a_clear_error(pretrain_run: Path, dataset: Path, capsys: pytest.CaptureFixture):
    capsys.readouterr()
    assert main(["evaluate", str(pretrain_run), "--manifest", str(dataset), "--split", "test"]) == 1
    assert "'test' split has no pairs" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--limit", "-1", "--limit must be 0 (every pair) or a positive number of pairs, got -1"),
        ("--types", "XYZ", "--types: unknown degradation type 'XYZ'"),
        ("--types", ",", "--types ',' names no type"),
        ("--crop", "-8", "--crop must be 0 (full images) or a positive size in pixels, got -8"),
    ],
)
def test_bad_options_are_usage_errors(option: str, value: str, message: str, dataset: Path, tmp_path: Path,
                                      capsys: pytest.CaptureFixture):
    capsys.readouterr()
    # Checked before the checkpoint is even opened (this one does not exist).
    assert main(["evaluate", str(tmp_path / "no-run"), "--manifest", str(dataset), option, value]) == 2
    assert message in capsys.readouterr().err


def test_limit_scores_exactly_that_many_pairs(pretrain_run: Path, dataset: Path, capsys: pytest.CaptureFixture):
    capsys.readouterr()
    assert main(["evaluate", str(pretrain_run), "--manifest", str(dataset), "--limit", "4", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pairs"] == 4


def test_an_unfinished_build_is_refused_unless_allowed(pretrain_run: Path, tmp_path: Path,
                                                       capsys: pytest.CaptureFixture):
    from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

    from uir_data.build import build_dataset

    for index in range(4):
        write_rgb(tmp_path / "photos" / f"img{index}.png", smooth_photo(index, 48, 64))
    partial = tmp_path / "partial"
    build_dataset(partial, "demo", sources=(str(tmp_path / "photos"),), types=PIPELINE_TYPES, workers=1,
                  pairs_per_task=4, task_index=1, num_tasks=2)  # one task of two: half the pairs
    capsys.readouterr()
    args = ["evaluate", str(pretrain_run), "--manifest", str(partial), "--split", "train", "--device", "cpu"]
    assert main(args) == 1
    assert "incomplete: 8 of 16 pairs" in capsys.readouterr().err
    assert main([*args, "--allow-incomplete", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["pairs"] > 0


def test_a_pickled_object_checkpoint_is_refused_without_unsafe_advice(dataset: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture):
    hostile = tmp_path / "hostile.pth"
    torch.save({"params": {"weight": torch.zeros(1)}, "extra": Path("x")}, hostile)  # a Path needs a real unpickle
    capsys.readouterr()
    assert main(["evaluate", str(hostile), "--manifest", str(dataset), "--preset", "tiny-cpu"]) == 1
    err = capsys.readouterr().err
    assert str(hostile) in err and "refused" in err and "weights_only" not in err
