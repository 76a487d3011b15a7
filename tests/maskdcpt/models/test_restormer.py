"""Restormer: official plain forward, masked forward without leakage, sparse residual stream."""

import pytest
import torch

from maskdcpt.models import BackboneArgumentError, Restormer, create_backbone, expand_mask, random_patch_mask
from maskdcpt.models.restormer import TransformerStage

SIZE, PATCH = 32, 8


def small_restormer(**overrides):
    torch.manual_seed(0)  # parameter init only; data draws use explicit generators
    kwargs = dict(
        inp_channels=3,
        out_channels=3,
        dim=8,
        num_blocks=[1, 1, 1, 1],
        num_refinement_blocks=1,
        heads=[1, 1, 2, 2],
        ffn_expansion_factor=2.66,
        bias=False,
        LayerNorm_type="WithBias",
    )
    kwargs.update(overrides)
    return create_backbone("restormer", **kwargs).eval()


def test_plain_forward_is_head_plus_input():
    net = small_restormer()
    images = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        everything_visible = torch.ones(2, 1, SIZE // PATCH, SIZE // PATCH, dtype=torch.bool)
        head, _ = net.forward_masked(images, everything_visible)
        assert torch.allclose(net(images), head + images, atol=1e-6)
        net.output.weight.zero_()
        assert torch.equal(net(images), images)


def test_shape_facts_and_decoder_taps():
    net = small_restormer()
    assert isinstance(net, Restormer)
    assert net.downsampling_factor == 8 and net.size_multiple == 8 and net.feature_dims == [16, 16, 32]
    mask = random_patch_mask(2, 4, 4, 0.5, torch.Generator().manual_seed(0))
    restored, taps = net.forward_masked(torch.rand(2, 3, SIZE, SIZE), mask)
    assert restored.shape == (2, 3, SIZE, SIZE)
    assert [tuple(tap.shape) for tap in taps] == [(2, 16, 32, 32), (2, 16, 16, 16), (2, 32, 8, 8)]
    assert create_backbone("restormer").feature_dims == [96, 96, 192]  # the taps of the official DC classifier


def test_no_leakage_and_every_stage_output_stays_zero_at_masked_sites():
    net = small_restormer()
    generator = torch.Generator().manual_seed(2)
    images = torch.rand(2, 3, SIZE, SIZE, generator=generator)
    mask = random_patch_mask(2, SIZE // PATCH, SIZE // PATCH, 0.5, generator)
    changed = torch.where(
        expand_mask(mask, SIZE, SIZE), images, torch.rand(images.shape, generator=generator)
    )
    stage_outputs = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: stage_outputs.append(out))
        for module in net.modules()
        if isinstance(module, TransformerStage)
    ]
    with torch.no_grad():
        restored, taps = net.forward_masked(images, mask)
        restored_changed, taps_changed = net.forward_masked(changed, mask)
    for hook in hooks:
        hook.remove()
    assert torch.equal(restored, restored_changed)
    for tap, tap_changed in zip(taps, taps_changed, strict=True):
        assert torch.equal(tap, tap_changed)
    # Bias-free Restormer re-masked after qkv dwconv, GDFN and down/up convs keeps the residual stream
    # exactly zero at masked sites at every resolution (submanifold behaviour, nothing spreads).
    assert len(stage_outputs) == 2 * 8
    for output in stage_outputs:
        masked_sites = expand_mask(mask, *output.shape[-2:]).logical_not().expand_as(output)
        assert torch.all(output[masked_sites] == 0)
        assert output[masked_sites.logical_not()].abs().sum() > 0


def test_dual_pixel_variant_and_argument_checks():
    net = small_restormer(inp_channels=6, dual_pixel_task=True)
    assert "skip_conv.weight" in net.state_dict()
    with torch.no_grad():
        net.output.weight.zero_()
        assert torch.equal(net(torch.rand(1, 6, 16, 16)), torch.zeros(1, 3, 16, 16))  # no input residual
    with pytest.raises(BackboneArgumentError, match="4 levels"):
        small_restormer(num_blocks=[1, 1, 1])
    with pytest.raises(BackboneArgumentError, match="heads"):
        small_restormer(dim=6, heads=[4, 1, 2, 2])


def test_every_conv_starts_from_a_truncated_normal_of_std_002():
    torch.manual_seed(0)
    net = Restormer(dim=16, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1, bias=True)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    weights = torch.cat([m.weight.detach().flatten() for m in convs])
    assert weights.numel() > 20_000 and abs(weights.std().item() - 0.02) < 0.001
    assert weights.abs().max().item() < 2 * 0.02 * 3  # the default init of a 1x1 conv on 16 channels reaches 0.25
    assert all(torch.count_nonzero(m.bias) == 0 for m in convs if m.bias is not None)
