"""SwinIR: official names/shapes, plain forward, masked forward without leakage (windows and shifted windows)."""

import json
from pathlib import Path

import pytest
import torch

from maskdcpt.models import (
    BackboneArgumentError,
    create_backbone,
    expand_mask,
    load_official_weights,
    random_patch_mask,
)
from maskdcpt.models.swinir import SwinBlock, SwinIR

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "official_state_dicts"
SIZE, PATCH = 32, 8


def reference(name):
    return json.loads((REFERENCE / name).read_text())


def small_swinir(**overrides):
    torch.manual_seed(0)  # parameter init only; data draws use explicit generators
    kwargs = dict(img_size=SIZE, embed_dim=12, depths=[2, 2, 2, 2], num_heads=[2, 2, 2, 2], window_size=8)
    kwargs.update(overrides)
    net = create_backbone("swinir", **kwargs).eval()
    with torch.no_grad():  # official init zeroes Linear biases; give them values so biases are exercised
        for name, parameter in net.named_parameters():
            if name.endswith("bias"):
                parameter.normal_(0, 0.1, generator=torch.Generator().manual_seed(len(name)))
    return net


def test_official_config_has_the_released_names_shapes_order_and_count():
    spec, mask_spec = reference("SwinIR_maskdcpt.json"), reference("MaskSwinIR_maskdcpt.json")
    with torch.device("meta"):
        net = create_backbone("SwinIR", **spec["kwargs"])
    ours = {name: list(tensor.shape) for name, tensor in net.state_dict().items()}
    assert list(ours.items()) == list(spec["keys"].items())
    assert ours == mask_spec["keys"]  # MaskSwinIR uses the same names: pre-trained weights transfer 1:1
    assert sum(p.numel() for p in net.parameters()) == spec["params"] == mask_spec["params"]
    assert net.feature_dims == [180, 180, 180] and net.size_multiple == 8 and net.window_size == 8


def test_released_style_checkpoint_loads_strictly(tmp_path):
    spec = reference("SwinIR_maskdcpt.json")
    net = create_backbone("swinir", **spec["kwargs"])
    generator = torch.Generator().manual_seed(0)
    state = {name: torch.randn(shape, generator=generator) for name, shape in spec["keys"].items()}
    path = tmp_path / "swinir_maskdcpt_5d.pth"
    torch.save({"params_ema": state}, path)
    report = load_official_weights(net, path, strict=True)
    assert not (report.missing or report.unexpected or report.mismatched)
    assert torch.equal(net.state_dict()["decode_layers2.conv.weight"], state["decode_layers2.conv.weight"])


def test_plain_forward_is_head_plus_input_and_any_size_is_padded_and_cropped():
    net = small_swinir()
    images = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        everything_visible = torch.ones(2, 1, SIZE // PATCH, SIZE // PATCH, dtype=torch.bool)
        head, _ = net.forward_masked(images, everything_visible)
        assert torch.allclose(net(images), head + images, atol=1e-5)
        odd = images[:, :, :29, :21]
        padded = torch.nn.functional.pad(odd, (0, 3, 0, 3), mode="reflect")  # official check_image_size
        assert torch.allclose(net(odd), net(padded)[..., :29, :21], atol=1e-6)
        net.conv_last.weight.zero_()
        net.conv_last.bias.zero_()
        assert torch.equal(net(odd), odd)  # x + conv_last(res): global input residual


def test_taps_are_the_decode_layers_subsampled_for_the_classifier():
    net = small_swinir()
    assert net.feature_dims == [12, 12] and net.downsampling_factor == 2 and net.size_multiple == 8
    mask = random_patch_mask(2, 4, 4, 0.5, torch.Generator().manual_seed(0))
    restored, taps = net.forward_masked(torch.rand(2, 3, SIZE, SIZE), mask)
    assert restored.shape == (2, 3, SIZE, SIZE)
    assert [tuple(tap.shape) for tap in taps] == [(2, 12, 32, 32), (2, 12, 16, 16)]


@pytest.mark.parametrize("original_attention", [False, True], ids=["maskdcpt", "original-swinir"])
def test_no_leakage_visible_outputs_ignore_masked_pixels(original_attention):
    net = small_swinir(relative_position_bias=original_attention, shifted_window_mask=original_attention)
    generator = torch.Generator().manual_seed(2)
    images = torch.rand(2, 3, SIZE, SIZE, generator=generator)
    mask = random_patch_mask(2, SIZE // PATCH, SIZE // PATCH, 0.5, generator)
    visible = expand_mask(mask, SIZE, SIZE)
    changed = torch.where(visible, images, torch.rand(images.shape, generator=generator) * 5)
    with torch.no_grad():
        restored, taps = net.forward_masked(images, mask)
        restored_changed, taps_changed = net.forward_masked(changed, mask)
        assert torch.equal(restored, restored_changed)
        for tap, tap_changed in zip(taps, taps_changed, strict=True):
            assert torch.equal(tap, tap_changed)
            masked_sites = expand_mask(mask, *tap.shape[-2:]).logical_not().expand_as(tap)
            assert torch.all(tap[masked_sites] == 0)
        # ... while a visible pixel does change them.
        nudged = images.clone()
        first_visible = visible[0, 0].nonzero()[0]
        nudged[0, :, first_visible[0], first_visible[1]] += 1.0
        assert not torch.equal(net.forward_masked(nudged, mask)[1][0], taps[0])


@pytest.mark.parametrize("shift", [0, 4], ids=["window", "shifted-window"])
def test_window_attention_keeps_masked_tokens_out_even_if_upstream_left_content_there(shift):
    torch.manual_seed(0)
    block = SwinBlock(12, 2, 8, shift, 2.0, True, None, position_bias=False, shift_mask=False).eval()
    generator = torch.Generator().manual_seed(3)
    tokens = torch.randn(2, 16, 16, 12, generator=generator)
    patch_mask = random_patch_mask(2, 4, 4, 0.5, generator)  # 4x4-token patches: shifted windows straddle them
    visible = expand_mask(patch_mask, 16, 16).permute(0, 2, 3, 1).float()
    changed = tokens + (1 - visible) * torch.randn(tokens.shape, generator=generator) * 3
    with torch.no_grad():
        out, out_changed = block(tokens, visible), block(changed, visible)
        assert torch.equal(out * visible, out_changed * visible)
        assert torch.all(out[visible.expand_as(out) == 0] == 0)
        # Control: without the mask, the same masked tokens do reach visible tokens through (shifted) windows.
        plain, plain_changed = block(tokens), block(changed)
        assert not torch.allclose(plain * visible, plain_changed * visible)


def test_original_swinir_attention_adds_the_position_table_and_argument_checks():
    net = small_swinir(relative_position_bias=True, shifted_window_mask=True)
    names = net.state_dict()
    assert names["encode_layers.0.residual_group.blocks.1.attn.relative_position_bias_table"].shape == (225, 2)
    assert not any("relative_position_index" in name or "attn_mask" in name for name in names)
    assert isinstance(create_backbone("MaskSwinIR", embed_dim=12, depths=[1, 1], num_heads=[1, 1]), SwinIR)
    tiny = create_backbone("swinir", img_size=6, embed_dim=12, depths=[1, 1], num_heads=[1, 1])
    assert tiny.window_size == 6  # official rule: a training size within one window means no shift
    with pytest.raises(BackboneArgumentError, match="even number"):
        small_swinir(depths=[2, 2, 2], num_heads=[2, 2, 2])
    with pytest.raises(BackboneArgumentError, match="super-resolution"):
        small_swinir(upscale=2, upsampler="pixelshuffle")
    with pytest.raises(BackboneArgumentError, match="cannot be split into 5 heads"):
        small_swinir(num_heads=[5, 2, 2, 2])


@pytest.mark.parametrize("shift_mask", [False, True], ids=["maskdcpt-wraps", "original-masks-the-wrap"])
def test_shifted_windows_roll_and_the_original_mask_stops_attention_across_the_edge(shift_mask):
    torch.manual_seed(0)
    block = SwinBlock(12, 2, 8, 4, 2.0, True, None, position_bias=False, shift_mask=shift_mask).eval()
    tokens = torch.randn(1, 16, 16, 12, generator=torch.Generator().manual_seed(4))
    nudged = tokens.clone()
    # One channel (LayerNorm ignores a shift of all). Rolled by -4, (0, 0) shares a window with (3, 3) and
    # with the far corner (15, 15), which wrapped around.
    nudged[0, 0, 0, 0] += 1.0
    with torch.no_grad():
        moved = (block(nudged) - block(tokens)).abs().sum(dim=-1)[0]
    assert moved[3, 3] > 0 and moved[8, 8] == 0  # (8, 8) lies in another shifted window
    # MaskDCPT's SwinIR lets the wrapped-around corner attend to (0, 0); the original SW-MSA mask forbids it.
    assert (moved[15, 15] == 0) == shift_mask
