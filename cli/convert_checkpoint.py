"""`uir convert-checkpoint`: rewrite an original NAFNet/Restormer/PromptIR/SwinIR checkpoint with MaskDCPT's names.

`uir restore`, `uir evaluate` and `uir train --init` already convert on the fly; this writes the converted
weights once (BasicSR .pth or .safetensors), optionally checking them strictly against an architecture.
"""

from __future__ import annotations

import io
from pathlib import Path

import typer

from cli.output import print_json, stdout

OUT_SUFFIXES = (".pth", ".pt", ".safetensors")


def command(
    source: Path = typer.Argument(..., help="Checkpoint to convert (.pth, .pt, .ckpt or .safetensors)."),
    out: Path = typer.Argument(..., help="Converted file: .pth/.pt (BasicSR layout) or .safetensors."),
    key: str | None = typer.Option(None, "--key", help="Entry holding the weights (default: params_ema, "
                                   "params, then state_dict, else the whole file)."),
    preset: str | None = typer.Option(None, "--preset", help="Check the result strictly against this architecture."),
    config: Path | None = typer.Option(None, "--config", help="Check the result strictly against this TOML's model."),
    as_json: bool = typer.Option(False, "--json", help="Print what was done as JSON."),
) -> None:
    """Rename the weights of SOURCE to MaskDCPT's parameter names and write them to OUT."""
    import torch

    from maskdcpt.config import load_config, load_preset
    from maskdcpt.models import create_backbone, load_official_weights, read_checkpoint
    from maskdcpt.models.convert import convert_state_dict
    from maskdcpt.models.official import CHECKPOINT_KEYS, select_state_dict
    from uir_data.atomic import write_bytes_atomic
    from uir_data.errors import UsageError

    if out.suffix not in OUT_SUFFIXES:
        raise UsageError(f"{out}: the output must end in {', '.join(OUT_SUFFIXES)}")
    checkpoint = read_checkpoint(source)
    chosen = key or next((candidate for candidate in CHECKPOINT_KEYS if candidate in checkpoint), None)
    conversion = convert_state_dict(select_state_dict(checkpoint, chosen, str(source)), str(source))
    arch = load_config(config) if config else load_preset(preset) if preset else None
    if arch is not None:
        load_official_weights(create_backbone(arch.model.name, **arch.model.kwargs), conversion.state, strict=True)
    state = {name: value.contiguous() for name, value in conversion.state.items()}
    if out.suffix == ".safetensors":
        from safetensors.torch import save

        data = save(state)
    else:
        buffer = io.BytesIO()
        # Keep EMA weights labelled as EMA; anything else is written as BasicSR's raw `params`.
        torch.save({"params_ema" if chosen == "params_ema" else "params": state}, buffer)
        data = buffer.getvalue()
    write_bytes_atomic(out, data)
    summary = {
        "source": str(source), "out": str(out), "entry": chosen, "tensors": len(state),
        "renamed": conversion.renamed, "dropped": conversion.dropped,
        "checked_against": arch.model.name if arch is not None else None,
    }
    if as_json:
        print_json(summary)
        return
    checked = f", checked strictly against {arch.model.name}" if arch is not None else ""
    stdout.print(f"wrote {len(state)} tensors to {out} ({conversion.renamed} renamed, "
                 f"{len(conversion.dropped)} dropped{checked})")
