"""Typed training configuration: TOML file (or bundled preset) -> validated pydantic tables -> CLI overrides.

One config drives both stages (pretrain, finetune); the resolved config is written to RUN_DIR/config.toml
so a run can be resumed or reproduced from its folder alone.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

import tomli_w
from pydantic import AfterValidator, Field, ValidationError, model_validator

from uir_data.errors import UsageError
from uir_data.taxonomy import ABBREVS, get_type
from uir_data.validation import Table, dotted, first_problem

PRESETS_DIR = Path(__file__).resolve().parent / "presets"

# Constraints pydantic checks per key; its errors become "FILE: key KEY: PROBLEM" in from_mapping.
Positive = Annotated[int, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]
PositiveFloat = Annotated[float, Field(gt=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]
Fraction = Annotated[float, Field(ge=0, lt=1)]
# Type names or abbrevs (either case) -> the abbrev; get_type's error lists the 19 known types.
TypeAbbrev = Annotated[str, AfterValidator(lambda name: get_type(name).abbrev)]


class ConfigError(UsageError):
    """A config file, preset or override that is missing or malformed; the message names file and key."""


class ModelConfig(Table):
    name: str = "nafnet"
    kwargs: dict[str, Any] = Field(default_factory=dict)  # straight to create_backbone (official names)


class DataConfig(Table):
    manifests: list[str] = Field(default_factory=list)  # dataset roots (manifest/ folders or Hub exports)
    train_split: str = "train"
    val_split: str = "val"
    types: list[TypeAbbrev] = Field(default_factory=list)  # empty: every type present in the manifest
    crop_size: Positive = 256  # paper: 256x256 patches
    batch_size: Positive = 16  # GLOBAL batch, split over DDP ranks (paper: 16; global vs per-GPU unstated)
    workers: NonNegative = 4  # DataLoader workers per rank
    repeat_factors: dict[TypeAbbrev, Annotated[int, Field(ge=1)]] = Field(default_factory=dict)  # repeats per epoch
    val_max_images: NonNegative = 0  # evaluate at most this many val pairs (0: all), the first by sample_id
    val_crop: NonNegative = 0  # centre-crop val pairs to this size for quick in-training eval (0: full image)
    allow_incomplete: bool = False  # train on a build root whose build has not finished (--allow-incomplete)
    # Hub exports are read a Parquet row group at a time: an epoch visits the row groups in shuffled order
    # and mixes the rows of this many at once (each data worker caches as many); manifests shuffle fully.
    shuffle_window: Positive = 8


class OptimConfig(Table):
    lr_backbone: PositiveFloat = 3e-4  # paper: encoder 3e-4
    lr_heads: PositiveFloat = 1e-4  # paper: classifier + reconstruction decoder 1e-4
    weight_decay: NonNegativeFloat = 0.0  # paper: AdamW, weight decay 0
    betas: Annotated[list[float], Field(min_length=2, max_length=2)] = Field(default_factory=lambda: [0.9, 0.999])
    schedule_pretrain: Literal["constant", "cosine"] = "constant"  # paper: constant LR for pre-training
    schedule_finetune: Literal["constant", "cosine"] = "cosine"  # paper (mixed fine-tune): cosine decay to 1e-6
    min_lr: float = 1e-6
    warmup_steps: NonNegative = 0
    grad_clip: NonNegativeFloat = 0.0  # max global grad norm; 0 disables (DCPT's pre-training code does not clip)
    ema_decay: Fraction = 0.999  # BasicSR default; the paper evaluates EMA weights but gives no decay


class PretrainConfig(Table):
    mask_ratio: Fraction = 0.5  # paper Table VII: 50% best
    mask_patch: Positive = 16  # paper Table VIII: 16x16 patches best
    focal_gamma: float = 0.0  # unstated in the paper; 0 (cross-entropy) is the official focal class's default
    pixel_weight: float = 1.0  # alpha of Eq. 5
    cls_weight: float = 1.0


class FinetuneConfig(Table):
    init: str = ""  # pre-train run dir / checkpoint / official .pth; empty: from scratch
    init_weights: Literal["ema", "model"] = "ema"  # which weights of one of our checkpoints initialise the backbone
    init_key: str = "params_ema"  # key inside an official BasicSR .pth
    reset_head: bool = True  # re-initialise the output head after MaskDCPT (it was trained without +input)
    # Ours (not the paper's): an output head that is not loaded (from scratch, or reset after MaskDCPT) starts
    # at zero, so the plain forward head(x) + x is the identity at step 0 and a fine-tune scores the input's
    # PSNR before it learns anything; both arms of a pre-train-vs-scratch comparison start alike.
    # "default": PyTorch's init, as the official training code does.
    head_init: Literal["zero", "default"] = "zero"


class RunConfig(Table):
    steps: Positive = 100_000  # paper: 100k iterations
    eval_every: Positive = 5000
    ckpt_every: Positive = 5000
    log_every: Positive = 50
    keep_checkpoints: Positive = 3
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: bf16 autocast on CUDA, fp32 on CPU
    compile: bool = False
    # NHWC tensors for the convs on CUDA (tensor cores prefer them under bf16); off until bench.gpu_train
    # has measured it for each backbone: Restormer's transposed attention reshapes to NCHW anyway.
    channels_last: bool = False
    device: Literal["auto", "cpu", "cuda"] = "auto"
    threads: NonNegative = 0  # torch/OpenCV threads of each rank's main process; 0: the cores its data workers leave
    seed: int = 0


class TrainConfig(Table):
    stage: Literal["pretrain", "finetune"] = "pretrain"
    model: ModelConfig = Field(default_factory=ModelConfig)
    data: DataConfig = Field(default_factory=DataConfig)
    optim: OptimConfig = Field(default_factory=OptimConfig)
    pretrain: PretrainConfig = Field(default_factory=PretrainConfig)
    finetune: FinetuneConfig = Field(default_factory=FinetuneConfig)
    run: RunConfig = Field(default_factory=RunConfig)

    @property
    def schedule(self) -> str:
        return self.optim.schedule_pretrain if self.stage == "pretrain" else self.optim.schedule_finetune

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump()

    @model_validator(mode="after")
    def _masks_tile_the_crop(self) -> TrainConfig:
        # Across tables, so no single field's constraint can say it; from_mapping adds the file name.
        if self.stage == "pretrain" and self.data.crop_size % self.pretrain.mask_patch:
            raise ValueError(f"key data.crop_size: {self.data.crop_size} is not a multiple of pretrain.mask_patch "
                             f"({self.pretrain.mask_patch}); masks must tile the crop")
        return self


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """Deep merge of config mappings; tables merge key by key, everything else is replaced."""
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key not in ("kwargs", "repeat_factors"):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def from_mapping(data: dict[str, Any], origin: str) -> TrainConfig:
    """Build and validate a config from a mapping (a parsed TOML file); `origin` names it in errors."""
    try:
        return TrainConfig.model_validate(data)
    except ValidationError as error:
        location, problem = first_problem(error)
        raise ConfigError(f"{origin}: key {dotted(location)}: {problem}" if location else f"{origin}: {problem}") from None


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
# Writing the resolved config


def to_toml(config: TrainConfig) -> str:
    """The resolved config as TOML text, loadable again with load_config (floats written by repr: exact)."""
    header = "# Resolved uir training config (written by `uir train`; pass it back with --config).\n"
    return header + tomli_w.dumps(config.to_dict())


def known_types(config: TrainConfig) -> tuple[str, ...]:
    """The type filter as abbrevs in taxonomy order (all 19 when the filter is empty)."""
    return tuple(a for a in ABBREVS if not config.data.types or a in config.data.types)
