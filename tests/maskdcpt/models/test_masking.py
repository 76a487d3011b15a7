"""Random patch masks: exact visible count, fresh per sample, reproducible from an explicit generator."""

import pytest
import torch

from maskdcpt.models import InputShapeError, PatchMask, expand_mask, pad_to_multiple, random_patch_mask


def test_every_sample_keeps_exactly_round_hw_times_one_minus_ratio_patches():
    generator = torch.Generator().manual_seed(3)
    for grid, ratio in [((16, 16), 0.5), ((5, 7), 0.5), ((4, 4), 0.75), ((3, 3), 0.25), ((2, 2), 0.0)]:
        mask = random_patch_mask(6, *grid, ratio, generator)
        assert mask.shape == (6, 1, *grid) and mask.dtype == torch.bool
        expected = round(grid[0] * grid[1] * (1 - ratio))
        assert mask.sum(dim=(1, 2, 3)).tolist() == [expected] * 6


def test_masks_differ_per_sample_and_per_draw_but_replay_from_the_seed():
    generator = torch.Generator().manual_seed(7)
    first = random_patch_mask(8, 16, 16, 0.5, generator)
    second = random_patch_mask(8, 16, 16, 0.5, generator)
    assert len({tuple(sample.flatten().tolist()) for sample in first}) == 8  # fresh per sample
    assert not torch.equal(first, second)  # fresh per step
    replay = torch.Generator().manual_seed(7)
    assert torch.equal(random_patch_mask(8, 16, 16, 0.5, replay), first)


def test_every_patch_is_equally_likely_to_be_visible():
    generator = torch.Generator().manual_seed(0)
    frequency = random_patch_mask(4000, 4, 4, 0.5, generator).float().mean(dim=0).flatten()
    assert torch.allclose(frequency, torch.full_like(frequency, 0.5), atol=0.04)


def test_bad_ratio_or_missing_generator_is_refused():
    with pytest.raises(InputShapeError, match="mask_ratio"):
        random_patch_mask(1, 2, 2, 1.0, torch.Generator())
    with pytest.raises(InputShapeError, match="explicit torch.Generator"):
        random_patch_mask(1, 2, 2, 0.5, None)


def test_expanded_mask_is_constant_on_each_patch_at_every_scale():
    patch_mask = torch.tensor([[[[True, False], [False, True]]]])
    full = expand_mask(patch_mask, 32, 32)
    assert full.shape == (1, 1, 32, 32)
    assert full[0, 0, :16, :16].all() and not full[0, 0, :16, 16:].any() and full[0, 0, 16:, 16:].all()
    holder = PatchMask(patch_mask)
    half = holder.at(torch.zeros(1, 4, 16, 16))
    assert half.dtype == torch.float32 and torch.equal(half, expand_mask(patch_mask, 16, 16).float())
    with pytest.raises(InputShapeError, match="multiple of the mask grid"):
        expand_mask(patch_mask, 15, 16)
    with pytest.raises(InputShapeError, match="bool tensor"):
        PatchMask(patch_mask.float())


def test_pad_to_multiple_pads_bottom_right_only():
    images = torch.arange(2 * 3 * 10 * 13, dtype=torch.float32).reshape(2, 3, 10, 13)
    padded = pad_to_multiple(images, 8)
    assert padded.shape == (2, 3, 16, 16)
    assert torch.equal(padded[..., :10, :13], images)
    assert pad_to_multiple(padded, 8) is padded
    assert pad_to_multiple(torch.zeros(1, 3, 3, 3), 16).shape == (1, 3, 16, 16)  # tiny input: replicate
