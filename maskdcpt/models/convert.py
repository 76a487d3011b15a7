"""Rename the parameters of the original NAFNet/Restormer/PromptIR/SwinIR repositories to MaskDCPT's names.

MaskDCPT's archs keep the original layers but regroup them, so a checkpoint from the backbones' own repositories
loads after renaming only (facts from each repository's arch file):

- Restormer / PromptIR (swz30/Restormer, va1shn9v/PromptIR): stages are nn.Sequential (`encoder_level1.0.`)
  where MaskDCPT has `encoder_level1.blocks.0.`; LayerNorms wrap their weights in `body` (`norm1.body.weight`);
  the resizers are `body.0` convs (`down1_2.body.0.weight` -> `down1_2.conv.weight`). PromptIR's Lightning
  checkpoints hold them under `state_dict` with a `net.` prefix, plus six 1x1 convs its forward never calls
  (`chnl_reduce1..3`, `reduce_noise_channel_1..3`), which are dropped.
- SwinIR (JingyunLiang/SwinIR): one `layers` list; MaskDCPT calls its first half `encode_layers.<i>` and its
  second half `decode_layers<i>`. The index and shifted-window-mask buffers are recomputed, so dropped.
- NAFNet (megvii-research/NAFNet): `encoders.<i>.<j>.` / `middle_blks.<j>.` / `decoders.<i>.<j>.` become
  `encoders.<i>.blocks.<j>.` / `middle_blks.blocks.<j>.` / `decoder<i>.blocks.<j>.`.

Names that are already MaskDCPT's match no rule, so converting is idempotent and safe on every checkpoint.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch

from maskdcpt.models.errors import OfficialWeightsError

RESTORMER_STAGES = r"encoder_level\d|decoder_level\d|latent|refinement"
# Layers of the original PromptIR that its forward never uses (no MaskDCPT counterpart).
PROMPTIR_UNUSED = re.compile(r"^(chnl_reduce\d|reduce_noise_channel_\d)\.")
# Buffers the original SwinIR saves but that are functions of the window size (recomputed here).
SWINIR_BUFFERS = re.compile(r"\.(attn_mask|relative_position_index)$")
# A prefix every key carries when a whole training module was saved (PromptIR's LightningModule: self.net).
MODULE_PREFIXES = ("net.",)

RENAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"^({RESTORMER_STAGES})\.(\d+)\."), r"\1.blocks.\2."),
    (re.compile(r"\.(norm\d)\.body\.(weight|bias)$"), r".\1.\2"),
    (re.compile(r"^((?:down|up)\d_\d)\.body\.0\."), r"\1.conv."),
    (re.compile(r"^encoders\.(\d+)\.(\d+)\."), r"encoders.\1.blocks.\2."),
    (re.compile(r"^middle_blks\.(\d+)\."), r"middle_blks.blocks.\1."),
    (re.compile(r"^decoders\.(\d+)\.(\d+)\."), r"decoder\1.blocks.\2."),
)
SWINIR_LAYER = re.compile(r"^layers\.(\d+)\.")


@dataclass
class Conversion:
    """A renamed state dict and what was done to it (empty lists: it already had MaskDCPT's names)."""

    state: dict[str, torch.Tensor]
    renamed: int = 0
    dropped: list[str] = field(default_factory=list)


def convert_state_dict(state: Mapping[str, torch.Tensor], source: str = "state dict") -> Conversion:
    """Map an original-repository state dict to MaskDCPT's parameter names (see the module docstring)."""
    names = list(state)
    for prefix in MODULE_PREFIXES:
        if names and all(name.startswith(prefix) for name in names):
            names = [name[len(prefix) :] for name in names]
    _refuse_bias_free_layer_norm(names, source)
    swinir_layers = sorted({int(match.group(1)) for name in names if (match := SWINIR_LAYER.match(name))})
    half = (len(swinir_layers) + 1) // 2
    conversion = Conversion(state={})
    for name, original, value in zip(names, state, state.values(), strict=True):
        if PROMPTIR_UNUSED.match(name) or SWINIR_BUFFERS.search(name):
            conversion.dropped.append(original)
            continue
        renamed = name
        for pattern, replacement in RENAMES:
            renamed = pattern.sub(replacement, renamed)
        if match := SWINIR_LAYER.match(renamed):
            index = int(match.group(1))
            target = f"encode_layers.{index}." if index < half else f"decode_layers{index - half}."
            renamed = target + renamed[match.end() :]
        conversion.renamed += renamed != original
        conversion.state[renamed] = value
    return conversion


def _refuse_bias_free_layer_norm(names: list[str], source: str) -> None:
    """Restormer's BiasFree LayerNorm (x / std * w, no mean subtraction) has no MaskDCPT counterpart."""
    present = set(names)
    bias_free = [
        name for name in names if name.endswith(".body.weight") and ".norm" in name
        and name[: -len("weight")] + "bias" not in present
    ]
    if bias_free:
        raise OfficialWeightsError(
            f"{source} uses Restormer's BiasFree LayerNorm ({bias_free[0]} has no bias), which divides by the "
            "standard deviation without subtracting the mean; MaskDCPT's backbones normalise with a mean "
            "(WithBias), so these weights would compute something else. Use a WithBias checkpoint (deraining, "
            "motion or defocus deblurring) or one trained with uir"
        )


def mismatch_hint(state: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor]) -> str:
    """A sentence naming the constructor argument that would make `state` fit, when one does ('' if none)."""
    extra = [name for name in state if name not in expected]
    missing = [name for name in expected if name not in state]
    if any(name.endswith("relative_position_bias_table") for name in extra):
        return (
            "; it is an original SwinIR checkpoint (relative position bias): build the backbone with "
            "relative_position_bias = true and shifted_window_mask = true"
        )
    if missing and all(name.endswith(".bias") for name in missing) and not extra:
        return "; the checkpoint has no conv biases: build the backbone with bias = false"
    if extra and all(name.endswith(".bias") for name in extra) and not missing:
        return "; the checkpoint has conv biases: build the backbone with bias = true"
    return ""
