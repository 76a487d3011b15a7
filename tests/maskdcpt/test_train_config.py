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


def test_round_trip_is_exact_for_awkward_values(tmp_path: Path):
    # RUN_DIR/config.toml is read back on resume and compared key by key: any drift refuses the resume.
    config = apply_overrides(load_preset("tiny-cpu"), [
        'data.manifests=["C:\\\\data\\\\a b", "quote\\"d", "naïve/ünïcode", "tab\\tand\\nnewline"]',
        "optim.lr_backbone=0.30000000000000004", "optim.min_lr=1e-300", "optim.betas=[0.9, 0.999]",
        'model.kwargs={width = 8, "odd key" = 1.5, nested = {flag = true, sizes = [1, 2]}}',
        "data.repeat_factors={gn = 2}",
    ])
    path = tmp_path / "config.toml"
    path.write_text(to_toml(config), encoding="utf-8")
    loaded = load_config(path)
    assert loaded == config and loaded.to_dict() == config.to_dict()
    assert loaded.data.manifests[0] == "C:\\data\\a b" and loaded.optim.lr_backbone == 0.1 + 0.2
    assert loaded.model.kwargs["nested"] == {"flag": True, "sizes": [1, 2]} and loaded.data.repeat_factors == {"GN": 2}
    assert to_toml(loaded) == path.read_text(encoding="utf-8")  # a second write is byte-identical


def test_a_config_written_by_the_previous_writer_still_loads(tmp_path: Path):
    # Run folders written before tomli-w hold inline tables; resuming them must keep working.
    path = tmp_path / "config.toml"
    path.write_text('stage = "finetune"\n\n[model]\nname = "nafnet"\nkwargs = {width = 8, enc_blk_nums = [1, 1]}\n'
                    '\n[data]\nrepeat_factors = {GN = 5}\ntypes = ["GN"]\n\n[optim]\nbetas = [0.9, 0.99]\n',
                    encoding="utf-8")
    config = load_config(path)
    assert config.model.kwargs == {"width": 8, "enc_blk_nums": [1, 1]} and config.data.repeat_factors == {"GN": 5}
    assert config.optim.betas == [0.9, 0.99] and config.stage == "finetune"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[optim]\nlr_backbon = 1e-4\n", "key optim: unknown key(s) ['lr_backbon'] (did you mean 'lr_backbone'?); "
         "known keys: ['betas', 'ema_decay', 'grad_clip', 'lr_backbone', 'lr_heads', 'min_lr', 'schedule_finetune', "
         "'schedule_pretrain', 'warmup_steps', 'weight_decay']"),
        ("colour = 1\n", "unknown key(s) ['colour']; known keys: "
         "['data', 'finetune', 'model', 'optim', 'pretrain', 'run', 'stage']"),
        ('[run]\ndevice = "gpu"\n', "key run.device: must be one of ('auto', 'cpu', 'cuda'), got 'gpu'"),
        ("[run]\ncompile = 1\n", "key run.compile: expected true or false, got 1"),
        ("[run]\nsteps = 0\n", "key run.steps: must be positive, got 0"),
        ('[data]\ncrop_size = "256"\n', "key data.crop_size: expected an integer, got '256'"),
        ("[optim]\nbetas = [0.9]\n", "key optim.betas: must hold at least 2 item(s), got [0.9]"),
        ('[optim]\nbetas = [0.9, "a"]\n', "key optim.betas[1]: expected a number, got 'a'"),
        ("[pretrain]\nmask_ratio = 1.0\n", "key pretrain.mask_ratio: must be < 1.0, got 1.0"),
        ("[data]\ncrop_size = 72\n", "key data.crop_size: 72 is not a multiple of pretrain.mask_patch (16); "
         "masks must tile the crop"),
        ("data = 3\n", "key data: expected a table, got 3"),
    ],
)
def test_bad_config_messages_in_full(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value) == f"{path}: {message}"


def test_type_names_are_canonical_abbrevs():
    config = apply_overrides(load_preset("tiny-cpu"), ['data.types=["j", "gn"]', "data.repeat_factors={rs = 3}"])
    assert config.data.types == ["J", "GN"] and config.data.repeat_factors == {"RS": 3}
