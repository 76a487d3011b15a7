"""Dense channel LayerNorm x mask vs the SparK gather/scatter MaskLayerNorm2d, side by side.

Run: python -m bench.masked_layernorm [--device cpu|cuda] [--repeats N] [--threads N] [--end-to-end]
     [--compile] [--batch B] [--size S]
Table 1: one LayerNorm at realistic feature shapes, forward and forward+backward, after asserting both
implementations give the same values. Table 2 (--end-to-end): one MaskDCPT training step (forward,
L1 + focal, backward) of NAFNet and Restormer with every masked LayerNorm dense vs gather/scatter.
Ratios are gather/scatter time / dense time (> 1: dense is faster), measured in the same run.
With --compile --end-to-end the gather/scatter model breaks the graph at every norm (nonzero() has a
data-dependent shape) and recompiles per shape, so its compile alone takes minutes on the official
configs; that cost is the point of the dense form.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial
from unittest import mock

import torch

from maskdcpt.models import MaskDCPT, PatchMask, create_backbone, focal_loss, random_patch_mask
from maskdcpt.models.layers import ChannelLayerNorm, channel_layer_norm, masked_layer_norm_gather_scatter

MASK_PATCH, MASK_RATIO, EPS = 16, 0.5, 1e-5  # MaskDCPT defaults (paper Tables VII-VIII)
# (batch, channels, size): level-1/level-2 NAFNet/Restormer feature maps at 128-256 px training crops.
SHAPES = [(4, 32, 128), (4, 64, 128), (4, 32, 256), (4, 64, 256), (4, 128, 128)]
# End-to-end configs: small ones on CPU; the official ones (the MaskDCPT paper) on a GPU.
SMALL_CONFIGS = {
    "nafnet": dict(width=16, enc_blk_nums=[1, 1, 1, 1], middle_blk_num=1, dec_blk_nums=[1, 1, 1, 1]),
    "restormer": dict(dim=16, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1, heads=[1, 1, 2, 2]),
}
OFFICIAL_CONFIGS = {
    "nafnet": dict(width=64, enc_blk_nums=[1, 1, 1, 28], middle_blk_num=1, dec_blk_nums=[1, 1, 1, 1]),
    "restormer": dict(),
}


def dense(features, mask, weight, bias):
    return channel_layer_norm(features, weight, bias, EPS) * mask


def gather_scatter(features, visible, weight, bias):
    return masked_layer_norm_gather_scatter(features, visible, weight, bias, EPS)


def gather_scatter_forward(self: ChannelLayerNorm, features: torch.Tensor, mask: PatchMask | None = None):
    """ChannelLayerNorm.forward with the official gather/scatter formulation, for the end-to-end table."""
    if mask is None:
        return channel_layer_norm(features, self.weight, self.bias, self.eps)
    visible = mask.at(features).bool()
    return masked_layer_norm_gather_scatter(features, visible, self.weight, self.bias, self.eps)


def layer_pass(function, inputs, mask_argument, weight, bias, backward: bool) -> None:
    """One call of a LayerNorm implementation, plus its backward when asked."""
    out = function(inputs, mask_argument, weight, bias)
    if backward:
        out.sum().backward()


def median_ms(step: Callable[[], None], repeats: int, device: torch.device) -> float:
    """Median wall time of `step` in ms after one warm-up call, synchronising CUDA around each call."""
    timings = []
    for attempt in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if attempt:
            timings.append(time.perf_counter() - start)
    return statistics.median(timings) * 1e3


def layer_table(device: torch.device, repeats: int, compile_functions: bool) -> None:
    dense_function, reference_function = dense, gather_scatter
    if compile_functions:  # the reference's nonzero() gives data-dependent shapes: graph breaks there
        dense_function, reference_function = torch.compile(dense), torch.compile(gather_scatter)
    generator = torch.Generator(device=device).manual_seed(0)
    mode = "torch.compile" if compile_functions else "eager"
    print(f"\n[1] one masked channel LayerNorm, fp32, {mode}, ratio {MASK_RATIO}, patch {MASK_PATCH}")
    print(
        f"{'B':>3} {'C':>4} {'H=W':>5} | {'pass':>7} | {'gather/scatter ms':>17} {'dense ms':>9} | {'ratio':>6}"
    )
    for batch, channels, size in SHAPES:
        features = torch.randn(batch, channels, size, size, generator=generator, device=device)
        weight = torch.randn(channels, generator=generator, device=device)
        bias = torch.randn(channels, generator=generator, device=device)
        patch_mask = random_patch_mask(batch, size // MASK_PATCH, size // MASK_PATCH, MASK_RATIO, generator)
        mask = PatchMask(patch_mask.to(device)).at(features)
        visible = mask.bool()
        torch.testing.assert_close(
            dense(features, mask, weight, bias),
            gather_scatter(features, visible, weight, bias),
            atol=1e-5,
            rtol=1e-5,
        )
        for backward in (False, True):
            inputs = features.clone().requires_grad_(backward)
            weight.requires_grad_(backward)
            bias.requires_grad_(backward)
            reference_args = (reference_function, inputs, visible, weight, bias, backward)
            reference = median_ms(partial(layer_pass, *reference_args), repeats, device)
            dense_args = (dense_function, inputs, mask, weight, bias, backward)
            ours = median_ms(partial(layer_pass, *dense_args), repeats, device)
            label = "fwd+bwd" if backward else "fwd"
            print(
                f"{batch:>3} {channels:>4} {size:>5} | {label:>7} | {reference:>17.2f} {ours:>9.2f} | "
                f"{reference / ours:>5.2f}x"
            )


def training_step_ms(
    backbone: str, config: dict, batch: int, size: int, device, repeats: int, compile_model: bool
) -> float:
    torch.manual_seed(0)  # parameter init only
    model = MaskDCPT(create_backbone(backbone, **config), num_classes=5).to(device)
    if compile_model:
        torch._dynamo.reset()  # the two LayerNorm forms must not share compiled graphs
    forward = torch.compile(model) if compile_model else model
    generator = torch.Generator(device=device).manual_seed(0)
    lq = torch.rand(batch, 3, size, size, generator=generator, device=device)
    gt = torch.rand(batch, 3, size, size, generator=generator, device=device)
    labels = torch.randint(0, 5, (batch,), generator=generator, device=device)
    autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=device.type == "cuda")

    def step() -> None:
        model.zero_grad(set_to_none=True)
        with autocast:
            out = forward(lq, mask=model.draw_mask(lq, generator))  # mask drawn eagerly
            loss = (out.restored.float() - gt).abs().mean() + focal_loss(out.logits, labels)
        loss.backward()

    return median_ms(step, repeats, device)


def end_to_end_table(device: torch.device, repeats: int, batch: int, size: int, compile_model: bool) -> None:
    configs = OFFICIAL_CONFIGS if device.type == "cuda" else SMALL_CONFIGS
    kind = "official" if device.type == "cuda" else "small"
    precision = "bf16 autocast" if device.type == "cuda" else "fp32"
    mode = "torch.compile" if compile_model else "eager"
    print(f"\n[2] one MaskDCPT training step, {kind} configs, batch {batch}, {size} px, {precision}, {mode}")
    print(f"{'backbone':>9} | {'gather/scatter ms':>17} {'dense ms':>9} | {'ratio':>6}")
    for backbone, config in configs.items():
        ours = training_step_ms(backbone, config, batch, size, device, repeats, compile_model)
        with mock.patch.object(ChannelLayerNorm, "forward", gather_scatter_forward):
            reference = training_step_ms(backbone, config, batch, size, device, repeats, compile_model)
        print(f"{backbone:>9} | {reference:>17.2f} {ours:>9.2f} | {reference / ours:>5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--threads", type=int, default=1, help="CPU threads (CPU runs only)")
    parser.add_argument("--end-to-end", action="store_true", help="also time whole MaskDCPT training steps")
    parser.add_argument("--compile", action="store_true", help="torch.compile both forms (GPU recommended)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--size", type=int, default=128)
    args = parser.parse_args()
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
    name = torch.cuda.get_device_name(device) if device.type == "cuda" else f"CPU, {args.threads} thread(s)"
    print(f"masked LayerNorm benchmark on {name}, torch {torch.__version__}; ratio = gather/scatter / dense")
    layer_table(device, args.repeats, args.compile)
    if args.end_to_end:
        end_to_end_table(device, args.repeats, args.batch, args.size, args.compile)


if __name__ == "__main__":
    main()
