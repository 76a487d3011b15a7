"""SwinIR and PromptIR through the CLI: pre-train, fine-tune, evaluate, restore odd sizes, official .pth files."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch

from cli.main import main
from maskdcpt.models import create_backbone
from maskdcpt.toydata import write_toy_dataset

torch.set_num_threads(1)

# Tiny widths of the two presets' backbones: a few CPU steps each.
TINY = {
    "swinir": "{ img_size = 32, embed_dim = 12, depths = [1, 1, 1, 1], num_heads = [2, 2, 2, 2] }",
    "promptir": (
        "{ dim = 8, num_blocks = [1, 1, 1, 1], num_refinement_blocks = 1, heads = [1, 1, 2, 2], "
        "prompt_dims = [4, 8, 8], prompt_sizes = [8, 4, 2], prompt_len = 2 }"
    ),
}
TYPES = ("GN", "LL")


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=3, val_scenes=1, types=TYPES)


def quick(backbone: str, dataset: Path) -> list[str]:
    return [
        "--preset", f"{backbone}-5d", "--manifest", str(dataset), "--device", "cpu",
        "--set", f"model.kwargs={TINY[backbone]}", "--set", f"data.types={json.dumps(list(TYPES))}",
        "--set", "data.repeat_factors={}", "--set", "data.crop_size=32", "--set", "data.batch_size=4",
        "--set", "data.workers=0", "--set", "run.eval_every=1000", "--set", "run.log_every=1",
    ]


@pytest.mark.parametrize("backbone", ["swinir", "promptir"])
def test_pretrain_finetune_evaluate_and_restore_an_odd_size(backbone: str, dataset: Path, tmp_path: Path,
                                                            capsys: pytest.CaptureFixture):
    argv = quick(backbone, dataset)
    assert main(["train", "--out", str(tmp_path / "pre"), *argv, "--max-steps", "2", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["step"] == 2 and summary["stage"] == "pretrain"
    assert f'name = "{backbone}"' in (tmp_path / "pre" / "config.toml").read_text(encoding="utf-8")
    assert main(["train", "--out", str(tmp_path / "ft"), *argv, "--init", str(tmp_path / "pre"),
                 "--max-steps", "2", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["stage"] == "finetune"

    # The toy images are 48-96 px, mostly not multiples of the window or the downsampling factor.
    assert main(["evaluate", str(tmp_path / "ft"), "--manifest", str(dataset), "--json", "--device", "cpu"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert set(result["types"]) == set(TYPES) and all(s["count"] == 1 for s in result["types"].values())
    assert main(["evaluate", str(tmp_path / "pre"), "--manifest", str(dataset), "--json", "--device", "cpu"]) == 0
    assert all(0 <= s["accuracy"] <= 1 for s in json.loads(capsys.readouterr().out)["types"].values())

    image = tmp_path / "odd.png"
    cv2.imwrite(str(image), np.random.default_rng(0).integers(0, 255, (37, 29, 3), dtype=np.uint8))
    assert main(["restore", str(tmp_path / "ft"), str(image), "--out", str(tmp_path / "out"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["written"] == [str(tmp_path / "out" / "odd.png")]
    assert cv2.imread(str(tmp_path / "out" / "odd.png")).shape == (37, 29, 3)


@pytest.mark.parametrize("backbone", ["swinir", "promptir"])
def test_a_released_style_pth_restores_with_a_config(backbone: str, tmp_path: Path, capsys: pytest.CaptureFixture):
    config = tmp_path / "arch.toml"
    config.write_text(f'base = "{backbone}-5d"\n[model]\nkwargs = {TINY[backbone]}\n', encoding="utf-8")
    torch.manual_seed(0)
    net = create_backbone(backbone, **_kwargs(TINY[backbone]))
    with torch.no_grad():
        net.reconstruction_head().weight.zero_()  # output = input exactly: the restore is the identity
        net.reconstruction_head().bias.zero_()
    official = tmp_path / f"{backbone}_maskdcpt_5d.pth"
    torch.save({"params": net.state_dict(), "params_ema": net.state_dict()}, official)
    pixels = np.random.default_rng(1).integers(0, 255, (21, 34, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "in.png"), pixels)
    capsys.readouterr()
    assert main(["restore", str(official), str(tmp_path / "in.png"), "--config", str(config),
                 "--out", str(tmp_path / "out")]) == 0
    assert np.array_equal(cv2.imread(str(tmp_path / "out" / "in.png")), pixels)


def _kwargs(inline: str) -> dict:
    import tomllib

    return tomllib.loads(f"v = {inline}")["v"]


def test_an_original_swinir_checkpoint_restores_directly_and_converts(dataset: Path, tmp_path: Path,
                                                                      capsys: pytest.CaptureFixture):
    """A JingyunLiang/SwinIR-style file: one `layers` list, position tables, saved buffers, `params` entry."""
    arch = "{ img_size = 32, embed_dim = 12, depths = [2, 2], num_heads = [2, 2], relative_position_bias = true, " \
           "shifted_window_mask = true }"
    config = tmp_path / "swinir-original.toml"
    config.write_text(f'base = "swinir-5d"\n[model]\nkwargs = {arch}\n', encoding="utf-8")
    torch.manual_seed(0)
    net = create_backbone("swinir", **_kwargs(arch)).eval()
    original = {
        name.replace("encode_layers.0.", "layers.0.").replace("decode_layers0.", "layers.1."): value
        for name, value in net.state_dict().items()
    }
    original["layers.1.residual_group.blocks.1.attn_mask"] = torch.zeros(16, 64, 64)
    source = tmp_path / "005_colorDN_SwinIR.pth"
    torch.save({"params": original}, source)
    pixels = np.random.default_rng(2).integers(0, 255, (19, 27, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "in.png"), pixels)
    with torch.no_grad():
        lq = torch.from_numpy(pixels[..., ::-1].copy()).permute(2, 0, 1)[None].float() / 255
        expected = (net(lq)[0].clamp(0, 1) * 255).round().byte().permute(1, 2, 0).numpy()[..., ::-1]
    capsys.readouterr()
    assert main(["restore", str(source), str(tmp_path / "in.png"), "--config", str(config),
                 "--out", str(tmp_path / "direct"), "--device", "cpu"]) == 0
    assert np.array_equal(cv2.imread(str(tmp_path / "direct" / "in.png")), expected)
    capsys.readouterr()
    assert main(["evaluate", str(source), "--config", str(config), "--manifest", str(dataset), "--json",
                 "--device", "cpu"]) == 0
    assert set(json.loads(capsys.readouterr().out)["types"]) == set(TYPES)

    converted = tmp_path / "swinir_uir.safetensors"
    assert main(["convert-checkpoint", str(source), str(converted), "--config", str(config), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["entry"] == "params" and summary["checked_against"] == "swinir"
    assert summary["dropped"] == ["layers.1.residual_group.blocks.1.attn_mask"]
    assert summary["tensors"] == len(net.state_dict()) and summary["renamed"] > 0
    from safetensors.torch import load_file

    assert list(load_file(str(converted))) == sorted(net.state_dict())  # safetensors stores names sorted
    assert main(["restore", str(converted), str(tmp_path / "in.png"), "--config", str(config),
                 "--out", str(tmp_path / "converted"), "--device", "cpu"]) == 0
    assert np.array_equal(cv2.imread(str(tmp_path / "converted" / "in.png")), expected)

    # Without the original attention flags the architecture is refused, with the flags to set.
    assert main(["convert-checkpoint", str(source), str(tmp_path / "x.pth"), "--preset", "swinir-5d"]) == 1
    assert "relative_position_bias = true" in capsys.readouterr().err and not (tmp_path / "x.pth").exists()
    assert main(["convert-checkpoint", str(source), str(tmp_path / "x.bin")]) == 2
    assert "must end in .pth, .pt, .safetensors" in capsys.readouterr().err
