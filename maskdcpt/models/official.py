"""Load released (Mask)DCPT / BasicSR checkpoints into our backbones, strictly by name and shape.

Released checkpoints are BasicSR dicts holding `params` and/or `params_ema` (the test YAMLs load
`param_key_g: params_ema`); our backbones use the same parameter names, so
loading is a straight strict `load_state_dict` after unwrapping that dict. Checkpoints of the backbones'
own repositories (NAFNet, Restormer, PromptIR's Lightning `state_dict`, SwinIR) are renamed first by
maskdcpt.models.convert, so they load the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from maskdcpt.models.convert import convert_state_dict, mismatch_hint
from maskdcpt.models.errors import OfficialWeightsError
from maskdcpt.models.torch_files import TorchFileError, load_tensors_only

# BasicSR stores EMA weights under params_ema and raw weights under params; EMA is what is evaluated.
# PyTorch Lightning (the original PromptIR) stores the module's weights under state_dict.
CHECKPOINT_KEYS = ("params_ema", "params", "state_dict")
# Prefixes added by wrappers when a state dict is taken from a DDP or torch.compile'd module.
WRAPPER_PREFIXES = ("module.", "_orig_mod.")
MAX_NAMES_IN_MESSAGE = 5


@dataclass
class LoadReport:
    """What a non-strict load left out; all empty after a strict load."""

    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatched: list[str] = field(default_factory=list)


def read_checkpoint(path: str | Path) -> dict:
    """Read a .pth/.pt (weights_only) or .safetensors file into a dict on the CPU."""
    path = Path(path)
    if not path.is_file():
        raise OfficialWeightsError(f"{path}: checkpoint file not found")
    try:
        if path.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(path), device="cpu"))
        loaded = load_tensors_only(path)
    except TorchFileError as error:
        if error.refused:
            raise OfficialWeightsError(
                f"{path}: refused, it holds pickled objects other than tensors and plain containers; load only "
                "checkpoints that hold weights (re-save the state dict alone with the code that wrote it)"
            ) from None
        raise OfficialWeightsError(
            f"{path}: cannot read checkpoint ({error.detail}); download or export it again"
        ) from None
    except Exception as error:  # a damaged safetensors file
        raise OfficialWeightsError(
            f"{path}: cannot read checkpoint ({type(error).__name__}: {error})"
        ) from error
    if not isinstance(loaded, Mapping):
        raise OfficialWeightsError(f"{path}: expected a dict of tensors, found {type(loaded).__name__}")
    return dict(loaded)


def select_state_dict(checkpoint: Mapping, key: str | None, source: str) -> dict[str, torch.Tensor]:
    """Pick checkpoint[key]; key None picks params_ema, then params, then state_dict, else the dict itself."""
    if key is None:
        key = next((candidate for candidate in CHECKPOINT_KEYS if candidate in checkpoint), None)
    if key is not None:
        if key not in checkpoint:
            raise OfficialWeightsError(
                f"{source}: no {key!r} entry; top-level keys are {sorted(map(str, checkpoint))[:10]}"
            )
        checkpoint = checkpoint[key]
    if not isinstance(checkpoint, Mapping):
        raise OfficialWeightsError(
            f"{source}: entry {key!r} is a {type(checkpoint).__name__}, not a state dict"
        )
    state = {}
    for name, value in checkpoint.items():
        if not isinstance(value, torch.Tensor):
            raise OfficialWeightsError(
                f"{source}: {name!r} is a {type(value).__name__}, not a tensor; pass key='params_ema' or "
                "key='params' to pick the weights out of a training checkpoint"
            )
        for prefix in WRAPPER_PREFIXES:
            if name.startswith(prefix):
                name = name[len(prefix) :]
        state[name] = value
    return state


def _listed(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_NAMES_IN_MESSAGE])
    more = len(names) - MAX_NAMES_IN_MESSAGE
    return shown + (f" (+{more} more)" if more > 0 else "")


def load_official_weights(
    net: nn.Module,
    path_or_state_dict: str | Path | Mapping,
    key: str | None = None,
    strict: bool = True,
) -> LoadReport:
    """Load a released checkpoint into `net`; strict: every name and shape must match exactly."""
    if isinstance(path_or_state_dict, Mapping):
        source, checkpoint = "state dict", path_or_state_dict
    else:
        source, checkpoint = str(path_or_state_dict), read_checkpoint(path_or_state_dict)
    state = convert_state_dict(select_state_dict(checkpoint, key, source), source).state
    expected = net.state_dict()
    report = LoadReport(
        missing=[name for name in expected if name not in state],
        unexpected=[name for name in state if name not in expected],
        mismatched=[
            f"{name} {tuple(state[name].shape)} vs {tuple(expected[name].shape)}"
            for name in expected
            if name in state and state[name].shape != expected[name].shape
        ],
    )
    if strict and (report.missing or report.unexpected or report.mismatched):
        problems = []
        if report.missing:
            problems.append(f"missing {len(report.missing)}: {_listed(report.missing)}")
        if report.unexpected:
            problems.append(f"unexpected {len(report.unexpected)}: {_listed(report.unexpected)}")
        if report.mismatched:
            problems.append(
                f"shape mismatch (file vs net) {len(report.mismatched)}: {_listed(report.mismatched)}"
            )
        raise OfficialWeightsError(
            f"{source} does not match {type(net).__name__} ({'; '.join(problems)}); check the backbone "
            f"name and its constructor arguments{mismatch_hint(state, expected)}"
        )
    mismatched_names = {entry.split(" ", 1)[0] for entry in report.mismatched}
    loadable = {
        name: value for name, value in state.items() if name in expected and name not in mismatched_names
    }
    net.load_state_dict(loadable, strict=strict)
    return report
