"""`uir restore`: any image size in, the same size out; pre-training checkpoints are refused."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from cli.main import main
from maskdcpt.toydata import write_toy_dataset

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("restore")
    dataset = write_toy_dataset(base / "ds", scenes=3, val_scenes=1, types=("GN", "LL"))
    quick = ["--manifest", str(dataset), "--max-steps", "2", "--device", "cpu", "--set", "data.workers=0",
             "--set", "run.eval_every=1000"]
    assert main(["train", "--out", str(base / "pre"), *quick]) == 0
    assert main(["train", "--out", str(base / "ft"), "--stage", "finetune", *quick]) == 0
    return {"pre": base / "pre", "ft": base / "ft", "base": base}


def test_restored_images_keep_their_size(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture):
    inputs = tmp_path / "in"
    inputs.mkdir()
    rng = np.random.default_rng(0)
    for name, (h, w) in {"odd.png": (37, 53), "wide.jpg": (20, 90)}.items():
        cv2.imwrite(str(inputs / name), rng.integers(0, 255, (h, w, 3), dtype=np.uint8))
    capsys.readouterr()
    assert main(["restore", str(runs["ft"]), str(inputs), "--out", str(tmp_path / "out"), "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["written"]
    assert sorted(Path(p).name for p in written) == ["odd.png", "wide.png"]
    assert cv2.imread(str(tmp_path / "out" / "odd.png")).shape == (37, 53, 3)
    assert cv2.imread(str(tmp_path / "out" / "wide.png")).shape == (20, 90, 3)


def test_pretraining_checkpoints_are_refused(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture):
    image = tmp_path / "a.png"
    cv2.imwrite(str(image), np.zeros((16, 16, 3), np.uint8))
    capsys.readouterr()
    assert main(["restore", str(runs["pre"]), str(image), "--out", str(tmp_path / "out")]) == 2
    assert "pre-training checkpoint" in capsys.readouterr().err


def test_unreadable_inputs_are_reported_and_the_rest_restored(runs: dict[str, Path], tmp_path: Path,
                                                               capsys: pytest.CaptureFixture):
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    cv2.imwrite(str(good), np.full((24, 24, 3), 128, np.uint8))
    bad.write_bytes(b"junk")
    capsys.readouterr()
    assert main(["restore", str(runs["ft"]), str(good), str(bad), "--out", str(tmp_path / "out")]) == 1
    captured = capsys.readouterr()
    assert "bad.png" in captured.err and (tmp_path / "out" / "good.png").is_file()
    assert main(["restore", str(runs["ft"]), str(good), str(tmp_path / "x" / "good.png"), "--out", "o"]) == 2
