"""`uir restore`: any image size in, the same size and extension out; folders (recursive), tiles, and
unreadable files skipped with their reason; pre-training checkpoints are refused."""

from __future__ import annotations

import json
import struct
import zlib
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


def huge_png_header(side: int = 100_000) -> bytes:
    """A PNG whose header claims side x side pixels (a decompression bomb as far as the header goes)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)) + \
        chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b"")


def noise(path: Path, height: int, width: int, seed: int = 0) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.random.default_rng(seed).integers(0, 255, (height, width, 3), dtype=np.uint8))
    return path


def restore(runs: dict[str, Path], *args: str) -> int:
    return main(["restore", str(runs["ft"]), *args, "--device", "cpu"])


def test_restored_images_keep_their_size_and_extension(runs: dict[str, Path], tmp_path: Path,
                                                        capsys: pytest.CaptureFixture):
    noise(tmp_path / "in" / "odd.png", 37, 53)
    noise(tmp_path / "in" / "wide.jpg", 20, 90)
    capsys.readouterr()
    assert restore(runs, str(tmp_path / "in"), "--out", str(tmp_path / "out"), "--json") == 0
    result = json.loads(capsys.readouterr().out)
    assert sorted(Path(p).name for p in result["written"]) == ["odd.png", "wide.jpg"] and result["skipped"] == []
    assert cv2.imread(str(tmp_path / "out" / "odd.png")).shape == (37, 53, 3)
    assert (tmp_path / "out" / "wide.jpg").read_bytes()[:3] == b"\xff\xd8\xff"  # really a JPEG
    assert cv2.imread(str(tmp_path / "out" / "wide.jpg")).shape == (20, 90, 3)


def test_ext_converts_every_output(runs: dict[str, Path], tmp_path: Path):
    source = noise(tmp_path / "photo.jpg", 24, 24)
    assert restore(runs, str(source), "--out", str(tmp_path / "out"), "--ext", "png") == 0
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["photo.png"]
    assert (tmp_path / "out" / "photo.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert restore(runs, str(source), "--out", str(tmp_path / "o2"), "--ext", "gif") == 2


def test_recursive_keeps_the_folder_structure(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture):
    noise(tmp_path / "in" / "top.png", 16, 16)
    noise(tmp_path / "in" / "a" / "b" / "deep.png", 16, 16)
    noise(tmp_path / "in" / "c" / "top.png", 16, 16)  # same name as the top-level one, other folder
    capsys.readouterr()
    assert restore(runs, str(tmp_path / "in"), "--out", str(tmp_path / "flat")) == 0
    assert sorted(p.relative_to(tmp_path / "flat").as_posix() for p in (tmp_path / "flat").rglob("*.png")) == ["top.png"]
    assert f"{tmp_path / 'in'}: 2 sub-folder(s) not searched; pass --recursive" in capsys.readouterr().err
    assert restore(runs, str(tmp_path / "in"), "--out", str(tmp_path / "tree"), "--recursive") == 0
    written = sorted(p.relative_to(tmp_path / "tree").as_posix() for p in (tmp_path / "tree").rglob("*.png"))
    assert written == ["a/b/deep.png", "c/top.png", "top.png"]


def test_unreadable_inputs_are_skipped_by_name_and_the_rest_restored(runs: dict[str, Path], tmp_path: Path,
                                                                     capsys: pytest.CaptureFixture):
    inputs = tmp_path / "in"
    noise(inputs / "good.png", 24, 24)
    (inputs / "empty.png").write_bytes(b"")
    (inputs / "junk.jpg").write_bytes(b"junk")
    (inputs / "bomb.png").write_bytes(huge_png_header())
    capsys.readouterr()
    assert restore(runs, str(inputs), "--out", str(tmp_path / "out"), "--json") == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    reasons = {Path(s["file"]).name: s["reason"] for s in result["skipped"]}
    assert set(reasons) == {"empty.png", "junk.jpg", "bomb.png"}
    assert reasons["empty.png"] == "empty file (0 bytes)"
    assert "100000x100000" in reasons["bomb.png"] and "exceeds the limit" in reasons["bomb.png"]
    for name in reasons:
        assert f"skipped: {inputs / name}: " in captured.err
    assert [Path(p).name for p in result["written"]] == ["good.png"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["good.png"]
    # Nothing restorable at all: exit 1.
    assert restore(runs, str(inputs / "empty.png"), str(inputs / "bomb.png"), "--out", str(tmp_path / "o2")) == 1


def test_tiled_restoration_matches_the_whole_image(runs: dict[str, Path], tmp_path: Path):
    image = cv2.imread(str(Path(skimage_data_dir()) / "astronaut.png"))[:96, :120]
    cv2.imwrite(str(tmp_path / "in.png"), image)
    assert restore(runs, str(tmp_path / "in.png"), "--out", str(tmp_path / "whole")) == 0
    assert restore(runs, str(tmp_path / "in.png"), "--out", str(tmp_path / "tiled"), "--tile", "48",
                   "--tile-overlap", "16") == 0
    assert restore(runs, str(tmp_path / "in.png"), "--out", str(tmp_path / "seams"), "--tile", "48",
                   "--tile-overlap", "0") == 0
    whole, tiled, seams = (cv2.imread(str(tmp_path / d / "in.png")).astype(int) for d in ("whole", "tiled", "seams"))
    assert tiled.shape == whole.shape == (96, 120, 3)
    # NAFNet's channel attention pools over the whole input, so tiles cannot be bit-exact; blended
    # overlaps keep every pixel within one grey level, while butt-joined tiles show seams.
    assert np.abs(tiled - whole).max() <= 1
    assert np.abs(seams - whole).max() > 1
    assert np.abs(whole - image.astype(int)).mean() > 1  # the network did change the image


def test_usage_errors(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture):
    good = noise(tmp_path / "good.png", 24, 24)
    (tmp_path / "file").write_bytes(b"x")
    capsys.readouterr()
    assert restore(runs, str(good), "--out", str(tmp_path / "file")) == 2
    assert f"--out {tmp_path / 'file'} is a file, not a folder" in capsys.readouterr().err
    assert (tmp_path / "file").read_bytes() == b"x"
    assert restore(runs, str(good), str(tmp_path / "x" / "good.png"), "--out", str(tmp_path / "o")) == 2
    assert restore(runs, str(good), "--out", str(tmp_path)) == 2
    assert "would overwrite its input" in capsys.readouterr().err
    noise(tmp_path / "other" / "good.png", 8, 8)
    assert restore(runs, str(good), str(tmp_path / "other" / "good.png"), "--out", str(tmp_path / "o")) == 2
    assert "would both be written as" in capsys.readouterr().err
    for tile, overlap in (("-1", "0"), ("32", "16"), ("32", "-1")):
        assert restore(runs, str(good), "--out", str(tmp_path / "o"), "--tile", tile, "--tile-overlap", overlap) == 2
    assert not (tmp_path / "o").exists()


def skimage_data_dir() -> str:
    import skimage

    return str(Path(skimage.__file__).parent / "data")


def test_pretraining_checkpoints_are_refused(runs: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture):
    image = tmp_path / "a.png"
    cv2.imwrite(str(image), np.zeros((16, 16, 3), np.uint8))
    capsys.readouterr()
    assert main(["restore", str(runs["pre"]), str(image), "--out", str(tmp_path / "out")]) == 2
    assert "pre-training checkpoint" in capsys.readouterr().err
