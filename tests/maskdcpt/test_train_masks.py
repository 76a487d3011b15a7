"""Pre-training masks: keyed by (seed, global sample position), drawn on the training device, exact ratio."""

from __future__ import annotations

import torch

from maskdcpt.models import MaskDCPT, create_backbone
from maskdcpt.train import draw_masks


def model(ratio: float = 0.5) -> MaskDCPT:
    backbone = create_backbone("nafnet", width=8, enc_blk_nums=[1, 1], dec_blk_nums=[1, 1], middle_blk_num=1)
    return MaskDCPT(backbone, num_classes=2, mask_ratio=ratio, mask_patch=16)


def test_masks_keep_exactly_the_visible_share_and_depend_only_on_the_position():
    net = model(0.5)
    masks = draw_masks(net, seed=0, first_position=100, batch=8, size=(64, 96))
    assert masks.shape == (8, 1, 4, 6) and masks.dtype == torch.bool
    assert masks.flatten(1).sum(1).tolist() == [12] * 8  # 50% of 24 patches visible, in every sample
    # a rank whose share starts at position 104 draws what the single process drew there
    assert torch.equal(draw_masks(net, 0, 104, 4, (64, 96)), masks[4:])
    assert torch.equal(draw_masks(net, 0, 100, 8, (64, 96)), masks)  # deterministic
    assert not torch.equal(draw_masks(net, 1, 100, 8, (64, 96)), masks)  # the seed matters
    assert len({tuple(m.flatten().tolist()) for m in masks}) == 8  # fresh per sample
    assert draw_masks(model(0.75), 0, 0, 2, (64, 64)).flatten(1).sum(1).tolist() == [4, 4]


def test_every_patch_is_masked_about_as_often():
    masks = draw_masks(model(0.5), seed=3, first_position=0, batch=4000, size=(64, 64)).flatten(1).double()
    frequency = masks.mean(0)
    assert torch.all((frequency - 0.5).abs() < 0.04), frequency  # 4000 draws: sd 0.008 per patch
    pairs = (masks[:, 0] == masks[:, 1]).double().mean()
    assert abs(pairs.item() - 7 / 15) < 0.04  # two patches of one sample: P(same) = 7/15 without replacement
