"""NAFNet: official plain forward, masked forward without leakage, shapes of the decoder taps."""

import pytest
import torch

from maskdcpt.models import InputShapeError, NAFNetBaseline, create_backbone, expand_mask, random_patch_mask
from maskdcpt.models.masking import PatchMask

SIZE, PATCH = 32, 8


def small_nafnet():
    torch.manual_seed(0)  # parameter init only; every data draw below uses an explicit generator
    net = create_backbone(
        "nafnet",
        img_channel=3,
        width=8,
        middle_blk_num=1,
        enc_blk_nums=[1, 1],
        dec_blk_nums=[1, 1],
        window_size=8,
    )
    # beta/gamma start at zero (official init), which would hide the blocks; give them values.
    with torch.no_grad():
        for name, parameter in net.named_parameters():
            if name.endswith(("beta", "gamma")):
                parameter.normal_(0, 0.5, generator=torch.Generator().manual_seed(len(name)))
    return net.eval()


def test_plain_forward_is_head_plus_input():
    net = small_nafnet()
    images = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        out = net(images)
        everything_visible = torch.ones(2, 1, SIZE // PATCH, SIZE // PATCH, dtype=torch.bool)
        head, _ = net.forward_masked(images, everything_visible)
        assert torch.allclose(out, head + images, atol=1e-6)
        net.ending.weight.zero_()
        net.ending.bias.zero_()
        assert torch.equal(net(images), images)  # global input residual, as the official arch


def test_shape_facts_and_decoder_taps():
    net = small_nafnet()
    assert isinstance(net, NAFNetBaseline)
    assert net.downsampling_factor == 4 and net.size_multiple == 8 and net.feature_dims == [8, 16]
    mask = random_patch_mask(2, 4, 4, 0.5, torch.Generator().manual_seed(0))
    restored, taps = net.forward_masked(torch.rand(2, 3, SIZE, SIZE), mask)
    assert restored.shape == (2, 3, SIZE, SIZE)
    assert [tuple(tap.shape) for tap in taps] == [(2, 8, 32, 32), (2, 16, 16, 16)]
    official = create_backbone(
        "nafnet",
        width=64,
        enc_blk_nums=[1, 1, 1, 28],
        middle_blk_num=1,
        dec_blk_nums=[1, 1, 1, 1],
        window_size=16,
    )
    assert official.feature_dims == [64, 128, 256, 512] and official.size_multiple == 16


def test_no_leakage_visible_features_ignore_masked_pixels():
    net = small_nafnet()
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
        # The check can fail: skip the input zeroing and the masked pixels do reach visible features.
        _, leaky = net._forward_features(images, PatchMask(mask))
        _, leaky_changed = net._forward_features(changed, PatchMask(mask))
        visible_top = expand_mask(mask, SIZE, SIZE).expand_as(leaky[0])
        assert not torch.allclose(leaky[0][visible_top], leaky_changed[0][visible_top])
        # ... and a visible pixel does change them.
        nudged = images.clone()
        first_visible = visible[0, 0].nonzero()[0]
        nudged[0, :, first_visible[0], first_visible[1]] += 1.0
        assert not torch.equal(net.forward_masked(nudged, mask)[1][0], taps[0])


def test_sizes_that_do_not_divide_are_refused_with_a_hint():
    net = small_nafnet()
    with pytest.raises(InputShapeError, match="pad_to_multiple"):
        net(torch.rand(1, 3, 30, 32))
    with pytest.raises(InputShapeError, match="mask batch"):
        net.forward_masked(torch.rand(2, 3, SIZE, SIZE), torch.ones(1, 1, 4, 4, dtype=torch.bool))
