"""Training config: presets carry the paper's values, TOML round trips, errors name the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from maskdcpt.config import (
    ConfigError,
    apply_overrides,
    load_config,
    load_preset,
    preset_names,
    to_toml,
)
from maskdcpt.train import resolve_run_config


def test_presets_are_bundled_and_valid():
    assert {"tiny-cpu", "nafnet-5d", "restormer-5d"} <= set(preset_names())
    for name in preset_names():
        load_preset(name)


def test_paper_presets_hold_the_paper_hyper_parameters():
    for name, backbone in (("nafnet-5d", "nafnet"), ("restormer-5d", "restormer")):
        config = load_preset(name)
        assert config.model.name == backbone
        assert (config.optim.lr_backbone, config.optim.lr_heads, config.optim.weight_decay) == (3e-4, 1e-4, 0.0)
        assert (config.optim.schedule_pretrain, config.optim.schedule_finetune, config.optim.min_lr) == (
            "constant", "cosine", 1e-6)
        assert (config.run.steps, config.data.batch_size, config.data.crop_size) == (100_000, 16, 256)
        assert config.data.repeat_factors == {"H": 1, "RS": 300, "GN": 5, "MB": 5, "LL": 60}  # GN: x15 / 3 sigmas
        # The evidence: the official code's focal gamma default (0) and no clipping in DCPT's pre-training.
        assert (config.pretrain.focal_gamma, config.optim.grad_clip) == (0.0, 0.0)
        assert (config.pretrain.mask_ratio, config.pretrain.mask_patch) == (0.5, 16)
    assert load_preset("nafnet-5d").model.kwargs["enc_blk_nums"] == [1, 1, 1, 28]


def test_resolved_config_round_trips_through_toml(tmp_path: Path):
    config = apply_overrides(load_preset("nafnet-5d"), ['data.manifests=["/data/a b", "c"]', "run.seed=7"])
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config), encoding="utf-8")
    assert load_config(path) == config


def test_a_config_file_can_start_from_a_preset(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('base = "nafnet-5d"\n[optim]\nlr_backbone = 2e-4\n', encoding="utf-8")
    config = load_config(path)
    assert config.optim.lr_backbone == 2e-4
    assert config.optim.lr_heads == 1e-4  # inherited
    assert config.data.repeat_factors["RS"] == 300


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("[data]\ncrop_size = \"big\"\n", "data.crop_size", "expected an integer"),
        ("[optim]\nlearning_rate = 1e-4\n", "optim", "unknown key(s) ['learning_rate']"),
        ("stage = \"distill\"\n", "stage", "must be one of"),
        ("[data]\ncrop_size = 72\n", "data.crop_size", "multiple of pretrain.mask_patch"),
        ("[data]\ntypes = [\"XX\"]\n", "data.types", "unknown degradation type 'XX'"),
        ("[data.repeat_factors]\nGN = 0\n", "data.repeat_factors.GN", "must be >= 1"),
    ],
)
def test_bad_config_errors_name_file_and_key(tmp_path: Path, text: str, key: str, problem: str):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    message = str(error.value)
    assert str(path) in message and key in message and problem in message


def test_invalid_toml_and_missing_file_and_unknown_preset(tmp_path: Path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[data\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(broken)
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml")
    with pytest.raises(ConfigError, match="no preset named 'huge'.*tiny-cpu"):
        load_preset("huge")


def test_cli_flags_apply_on_top_and_init_implies_finetune(tmp_path: Path):
    config = resolve_run_config(tmp_path / "run", preset="tiny-cpu", manifests=[tmp_path / "ds"], init="pre",
                                max_steps=9, device="cpu", overrides=["optim.lr_backbone=5e-4"])
    assert config.stage == "finetune" and config.finetune.init == "pre"
    assert config.run.steps == 9 and config.run.device == "cpu" and config.optim.lr_backbone == 5e-4
    assert config.data.manifests == [str((tmp_path / "ds").resolve())]
    explicit = resolve_run_config(tmp_path / "run", preset="tiny-cpu", init="pre", stage="pretrain")
    assert explicit.stage == "pretrain"
    with pytest.raises(ConfigError, match="either --config or --preset"):
        resolve_run_config(tmp_path, preset="tiny-cpu", config_file=tmp_path / "x.toml")


def test_a_run_folder_reuses_its_saved_config(tmp_path: Path):
    run = tmp_path / "run"
    run.mkdir()
    saved = apply_overrides(load_preset("tiny-cpu"), ["run.seed=11"])
    (run / "config.toml").write_text(to_toml(saved), encoding="utf-8")
    assert resolve_run_config(run).run.seed == 0  # no checkpoint: a failed first attempt, not a run to resume
    (run / "checkpoints" / "step-00000010").mkdir(parents=True)
    (run / "checkpoints" / "step-00000010" / "meta.json").write_text("{}")
    assert resolve_run_config(run).run.seed == 11
