"""Typed training configuration: TOML file (or bundled preset) -> validated dataclasses -> CLI overrides.

One config drives both stages (pretrain, finetune); the resolved config is written to RUN_DIR/config.toml
so a run can be resumed or reproduced from its folder alone.
"""

from __future__ import annotations

import dataclasses
import json
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uir_data.errors import UsageError
from uir_data.taxonomy import ABBREVS, UnknownDegradationError, get_type

PRESETS_DIR = Path(__file__).resolve().parent / "presets"
STAGES = ("pretrain", "finetune")
SCHEDULES = ("constant", "cosine")
PRECISIONS = ("auto", "fp32", "bf16")
DEVICES = ("auto", "cpu", "cuda")
INIT_WEIGHTS = ("ema", "model")
HEAD_INITS = ("zero", "default")


class ConfigError(UsageError):
    """A config file, preset or override that is missing or malformed; the message names file and key."""


class _KeyProblem(Exception):
    """Raised while walking a mapping; from_mapping prefixes the file name."""

    def __init__(self, key: str, problem: str):
        super().__init__(f"key {key}: {problem}")


@dataclass
class ModelConfig:
    name: str = "nafnet"
    kwargs: dict[str, Any] = field(default_factory=dict)  # straight to create_backbone (official names)


@dataclass
class DataConfig:
    manifests: list[str] = field(default_factory=list)  # dataset roots (manifest/ folders or Hub exports)
    train_split: str = "train"
    val_split: str = "val"
    types: list[str] = field(default_factory=list)  # empty: every type present in the manifest
    crop_size: int = 256  # paper: 256x256 patches (research/paper.md §2)
    batch_size: int = 16  # GLOBAL batch, split over DDP ranks (paper: 16; global vs per-GPU unstated)
    workers: int = 4  # DataLoader workers per rank
    repeat_factors: dict[str, int] = field(default_factory=dict)  # abbrev -> repeats per epoch (default 1)
    val_max_images: int = 0  # evaluate at most this many val pairs (0: all), the first by sample_id
    val_crop: int = 0  # centre-crop val pairs to this size for quick in-training eval (0: full image)
    allow_incomplete: bool = False  # train on a build root whose build has not finished (--allow-incomplete)
    # Hub exports are read a Parquet row group at a time: an epoch visits the row groups in shuffled order
    # and mixes the rows of this many at once (each data worker caches as many); manifests shuffle fully.
    shuffle_window: int = 8


@dataclass
class OptimConfig:
    lr_backbone: float = 3e-4  # paper: encoder 3e-4
    lr_heads: float = 1e-4  # paper: classifier + reconstruction decoder 1e-4
    weight_decay: float = 0.0  # paper: AdamW, weight decay 0
    betas: list[float] = field(default_factory=lambda: [0.9, 0.999])
    schedule_pretrain: str = "constant"  # paper: constant LR for pre-training
    schedule_finetune: str = "cosine"  # paper (mixed fine-tune): cosine decay to 1e-6
    min_lr: float = 1e-6
    warmup_steps: int = 0
    grad_clip: float = 0.0  # max global grad norm; 0 disables (DCPT's pre-training code does not clip)
    ema_decay: float = 0.999  # BasicSR default; the paper evaluates EMA weights but gives no decay


@dataclass
class PretrainConfig:
    mask_ratio: float = 0.5  # paper Table VII: 50% best
    mask_patch: int = 16  # paper Table VIII: 16x16 patches best
    focal_gamma: float = 0.0  # unstated in the paper; 0 (cross-entropy) is the official focal class's default
    pixel_weight: float = 1.0  # alpha of Eq. 5
    cls_weight: float = 1.0


@dataclass
class FinetuneConfig:
    init: str = ""  # pre-train run dir / checkpoint / official .pth; empty: from scratch
    init_weights: str = "ema"  # which weights of one of our checkpoints initialise the backbone
    init_key: str = "params_ema"  # key inside an official BasicSR .pth
    reset_head: bool = True  # re-initialise the output head after MaskDCPT (it was trained without +input)
    # Ours (not the paper's): an output head that is not loaded (from scratch, or reset after MaskDCPT) starts
    # at zero, so the plain forward head(x) + x is the identity at step 0 and a fine-tune scores the input's
    # PSNR before it learns anything; both arms of a pre-train-vs-scratch comparison start alike.
    # "default": PyTorch's init, as the official training code does.
    head_init: str = "zero"


@dataclass
class RunConfig:
    steps: int = 100_000  # paper: 100k iterations
    eval_every: int = 5000
    ckpt_every: int = 5000
    log_every: int = 50
    keep_checkpoints: int = 3
    precision: str = "auto"  # auto: bf16 autocast on CUDA, fp32 on CPU
    compile: bool = False
    # NHWC tensors for the convs on CUDA (tensor cores prefer them under bf16); off until bench.gpu_train
    # has measured it for each backbone: Restormer's transposed attention reshapes to NCHW anyway.
    channels_last: bool = False
    device: str = "auto"
    threads: int = 0  # torch/OpenCV threads of each rank's main process; 0: the cores its data workers leave
    seed: int = 0


@dataclass
class TrainConfig:
    stage: str = "pretrain"
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    optim: OptimConfig = field(default_factory=OptimConfig)
    pretrain: PretrainConfig = field(default_factory=PretrainConfig)
    finetune: FinetuneConfig = field(default_factory=FinetuneConfig)
    run: RunConfig = field(default_factory=RunConfig)

    @property
    def schedule(self) -> str:
        return self.optim.schedule_pretrain if self.stage == "pretrain" else self.optim.schedule_finetune

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# ----------------------------------------------------------------------------------------------------------
# Mapping -> dataclass, with a type check per key


def _check_value(value: Any, annotation: Any, where: str) -> Any:
    origin = typing.get_origin(annotation)
    if annotation is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _KeyProblem(where, f"expected a number, got {value!r}")
        return float(value)
    if annotation is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _KeyProblem(where, f"expected an integer, got {value!r}")
        return value
    if annotation in (str, bool):
        if not isinstance(value, annotation):
            raise _KeyProblem(where, f"expected a {annotation.__name__}, got {value!r}")
        return value
    if origin is list:
        (item,) = typing.get_args(annotation)
        if not isinstance(value, list):
            raise _KeyProblem(where, f"expected a list, got {value!r}")
        return [_check_value(v, item, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        _, item = typing.get_args(annotation)
        if not isinstance(value, dict):
            raise _KeyProblem(where, f"expected a table, got {value!r}")
        if item is Any:
            return dict(value)
        return {str(k): _check_value(v, item, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(annotation):
        return _build(annotation, value, where)
    if origin is types.UnionType:  # pragma: no cover - no optional fields today
        return value
    raise _KeyProblem(where, f"unsupported config type {annotation}")  # pragma: no cover


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise _KeyProblem(where, f"expected a table, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise _KeyProblem(where, f"unknown key(s) {unknown}; known keys: {sorted(names)}")
    prefix = "" if where == "(top level)" else f"{where}."
    values = {name: _check_value(data[name], hints[name], f"{prefix}{name}") for name in data}
    return cls(**values)


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of config mappings; tables merge key by key, everything else is replaced."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in ("kwargs", "repeat_factors"):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate(config: TrainConfig, origin: str) -> TrainConfig:
    """Cross-field checks; `origin` names the file (or 'command line') in messages."""

    def fail(key: str, problem: str) -> None:
        raise ConfigError(f"{origin}: key {key}: {problem}")

    if config.stage not in STAGES:
        fail("stage", f"must be one of {STAGES}, got {config.stage!r}")
    for key in ("schedule_pretrain", "schedule_finetune"):
        if getattr(config.optim, key) not in SCHEDULES:
            fail(f"optim.{key}", f"must be one of {SCHEDULES}, got {getattr(config.optim, key)!r}")
    if config.run.precision not in PRECISIONS:
        fail("run.precision", f"must be one of {PRECISIONS}, got {config.run.precision!r}")
    if config.run.device not in DEVICES:
        fail("run.device", f"must be one of {DEVICES}, got {config.run.device!r}")
    if config.finetune.init_weights not in INIT_WEIGHTS:
        fail("finetune.init_weights", f"must be one of {INIT_WEIGHTS}, got {config.finetune.init_weights!r}")
    if config.finetune.head_init not in HEAD_INITS:
        fail("finetune.head_init", f"must be one of {HEAD_INITS}, got {config.finetune.head_init!r}")
    positive = {
        "data.crop_size": config.data.crop_size,
        "data.batch_size": config.data.batch_size,
        "run.steps": config.run.steps,
        "run.eval_every": config.run.eval_every,
        "run.ckpt_every": config.run.ckpt_every,
        "run.log_every": config.run.log_every,
        "run.keep_checkpoints": config.run.keep_checkpoints,
        "pretrain.mask_patch": config.pretrain.mask_patch,
        "data.shuffle_window": config.data.shuffle_window,
    }
    for key, value in positive.items():
        if value <= 0:
            fail(key, f"must be positive, got {value}")
    for key, value in {"run.threads": config.run.threads, "data.workers": config.data.workers, "optim.warmup_steps": config.optim.warmup_steps,
                       "data.val_max_images": config.data.val_max_images, "data.val_crop": config.data.val_crop}.items():
        if value < 0:
            fail(key, f"must be >= 0, got {value}")
    if not 0.0 <= config.pretrain.mask_ratio < 1.0:
        fail("pretrain.mask_ratio", f"must be in [0, 1), got {config.pretrain.mask_ratio}")
    if config.stage == "pretrain" and config.data.crop_size % config.pretrain.mask_patch:
        fail("data.crop_size", f"{config.data.crop_size} is not a multiple of pretrain.mask_patch "
             f"({config.pretrain.mask_patch}); masks must tile the crop")
    if not 0.0 <= config.optim.ema_decay < 1.0:
        fail("optim.ema_decay", f"must be in [0, 1), got {config.optim.ema_decay}")
    if len(config.optim.betas) != 2:
        fail("optim.betas", f"must hold two numbers, got {config.optim.betas}")
    for key in ("lr_backbone", "lr_heads"):
        if getattr(config.optim, key) <= 0:
            fail(f"optim.{key}", "must be positive")
    if config.optim.grad_clip < 0 or config.optim.weight_decay < 0:
        fail("optim", "grad_clip and weight_decay must be >= 0")
    try:
        config.data.types = [get_type(t).abbrev for t in config.data.types]
        config.data.repeat_factors = {get_type(k).abbrev: v for k, v in config.data.repeat_factors.items()}
    except UnknownDegradationError as error:
        fail("data.types / data.repeat_factors", str(error))
    for abbrev, factor in config.data.repeat_factors.items():
        if factor < 1:
            fail(f"data.repeat_factors.{abbrev}", f"must be >= 1, got {factor}")
    return config


def from_mapping(data: dict[str, Any], origin: str) -> TrainConfig:
    """Build and validate a config from a mapping (a parsed TOML file); `origin` names it in errors."""
    try:
        built = _build(TrainConfig, data, "(top level)")
    except _KeyProblem as problem:
        raise ConfigError(f"{origin}: {problem}") from None
    return validate(built, origin)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.toml"))


def preset_path(name: str) -> Path:
    """The bundled preset file for a name (tiny-cpu, nafnet-5d, restormer-5d)."""
    path = PRESETS_DIR / f"{name}.toml"
    if not path.is_file():
        raise ConfigError(f"no preset named {name!r}; presets: {', '.join(preset_names())}")
    return path


def load_mapping(path: Path) -> dict[str, Any]:
    """Raw mapping of a config file, with `base = "<preset>"` resolved (the file's keys win)."""
    data = _read_toml(Path(path))
    base = data.pop("base", None)
    if base is not None:
        if not isinstance(base, str):
            raise ConfigError(f"{path}: key base: expected a preset name, got {base!r}")
        data = _merge(load_mapping(preset_path(base)), data)
    return data


def load_config(path: Path | str) -> TrainConfig:
    """Load and validate a config TOML file (may start from a preset with `base = "tiny-cpu"`)."""
    return from_mapping(load_mapping(Path(path)), str(path))


def load_preset(name: str) -> TrainConfig:
    return load_config(preset_path(name))


def parse_assignment(text: str) -> tuple[list[str], Any]:
    """'optim.lr_backbone=1e-4' -> (['optim', 'lr_backbone'], 1e-4); values are TOML, else plain strings."""
    if "=" not in text:
        raise ConfigError(f"override {text!r}: expected KEY=VALUE, e.g. optim.lr_backbone=1e-4")
    key, raw = text.split("=", 1)
    try:
        value = tomllib.loads(f"v = {raw.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return [part.strip() for part in key.split(".")], value


def apply_overrides(config: TrainConfig, assignments: list[str]) -> TrainConfig:
    """Apply `--set key=value` overrides on top of a config (re-validated as a whole)."""
    data = config.to_dict()
    for text in assignments:
        keys, value = parse_assignment(text)
        node = data
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                raise ConfigError(f"override {text!r}: {'.'.join(keys[:-1])} is not a config table")
            node = node[key]
        node[keys[-1]] = value
    return from_mapping(data, "command line")


# ----------------------------------------------------------------------------------------------------------
# Writing the resolved config (tomllib reads only; this writer covers the shapes TrainConfig uses)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value)  # JSON strings are valid TOML basic strings
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def _toml_key(key: str) -> str:
    return key if key.replace("_", "").replace("-", "").isalnum() and key.isascii() else json.dumps(key)


def to_toml(config: TrainConfig) -> str:
    """The resolved config as TOML text, loadable again with load_config."""
    data = config.to_dict()
    lines = ["# Resolved uir training config (written by `uir train`; pass it back with --config)."]
    lines += [f"{k} = {_toml_value(v)}" for k, v in data.items() if not isinstance(v, dict)]
    for table, values in data.items():
        if not isinstance(values, dict):
            continue
        lines.append(f"\n[{table}]")
        lines += [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in values.items()]
    return "\n".join(lines) + "\n"


def known_types(config: TrainConfig) -> tuple[str, ...]:
    """The type filter as abbrevs in taxonomy order (all 19 when the filter is empty)."""
    return tuple(a for a in ABBREVS if not config.data.types or a in config.data.types)
