"""NAFNet as MaskDCPT's `NAFNetBaseline`, with the official parameter names and a masked forward.

Architecture facts (Chen et al., "Simple Baselines for Image Restoration", ECCV 2022; MaskDCPT's
NAFNetBaseline): a U-Net of NAFBlocks (LayerNorm -> 1x1 conv (2x) ->
depthwise 3x3 -> SimpleGate -> simplified channel attention -> 1x1 conv, scaled by `beta`; then
LayerNorm -> 1x1 (2x) -> SimpleGate -> 1x1, scaled by `gamma`), 2x2 stride-2 convs to go down,
1x1 conv + PixelShuffle to go up, additive skips, output = ending(features) + input. MaskDCPT's variant
uses nn.LayerNorm over channels (eps 1e-5) and names decoder stages `decoder0..` (lowest resolution
first). Parameter names equal reference/official_state_dicts/NAFNetBaseline_maskdcpt.json.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.errors import BackboneArgumentError
from maskdcpt.models.layers import ChannelLayerNorm
from maskdcpt.models.masking import PatchMask, remask
from maskdcpt.models.registry import register_backbone

# NAFNet's expansion ratios: depthwise branch and FFN both widen 2x, then SimpleGate halves.
DEPTHWISE_EXPANSION = 2
FFN_EXPANSION = 2


def simple_gate(features: torch.Tensor) -> torch.Tensor:
    """NAFNet's SimpleGate: split channels in two halves and multiply them."""
    first, second = features.chunk(2, dim=1)
    return first * second


class NAFBlock(nn.Module):
    """One NAFNet block; with a mask, its spatially mixing branch is re-masked (official MaskNAFBlock)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        wide = channels * DEPTHWISE_EXPANSION
        # Creation order mirrors the official state dict (beta, gamma, conv1..3, sca, conv4, conv5, norms).
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.conv1 = nn.Conv2d(channels, wide, 1)
        self.conv2 = nn.Conv2d(wide, wide, 3, padding=1, groups=wide)
        self.conv3 = nn.Conv2d(wide // 2, channels, 1)
        # Simplified channel attention: global average pool then 1x1 conv (key `sca.1`).
        self.sca = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Conv2d(wide // 2, wide // 2, 1))
        ffn = channels * FFN_EXPANSION
        self.conv4 = nn.Conv2d(channels, ffn, 1)
        self.conv5 = nn.Conv2d(ffn // 2, channels, 1)
        self.norm1 = ChannelLayerNorm(channels)
        self.norm2 = ChannelLayerNorm(channels)

    def forward(self, inputs: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        mixed = simple_gate(self.conv2(self.conv1(self.norm1(inputs, mask))))
        mixed = self.conv3(mixed * self.sca(mixed))
        # The depthwise 3x3 spreads values into masked sites; zero them again (submanifold emulation).
        mixed = remask(mixed, mask)
        hidden = inputs + mixed * self.beta
        # The FFN is 1x1 only (no spatial mixing), so the official arch does not re-mask it; the next
        # masked LayerNorm zeroes masked sites before any spatial op.
        ffn = self.conv5(simple_gate(self.conv4(self.norm2(hidden, mask))))
        return hidden + ffn * self.gamma


class NAFStage(nn.Module):
    """A run of NAFBlocks at one resolution (keys `<stage>.blocks.<i>`)."""

    def __init__(self, channels: int, num_blocks: int) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(NAFBlock(channels) for _ in range(num_blocks))

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        for block in self.blocks:
            features = block(features, mask)
        return features


@register_backbone("nafnet", aliases=("NAFNetBaseline", "MaskNAFNetBaseline", "NAFNet"))
class NAFNetBaseline(RestorationBackbone):
    """NAFNet U-Net with MaskDCPT's official constructor arguments and parameter names."""

    head_name = "ending"

    def __init__(
        self,
        img_channel: int = 3,
        width: int = 16,
        middle_blk_num: int = 1,
        enc_blk_nums: Sequence[int] = (),
        dec_blk_nums: Sequence[int] = (),
        window_size: int = 8,
    ) -> None:
        super().__init__()
        if len(enc_blk_nums) != len(dec_blk_nums):
            raise BackboneArgumentError(
                f"NAFNet needs one decoder stage per encoder stage, got enc_blk_nums={list(enc_blk_nums)} "
                f"and dec_blk_nums={list(dec_blk_nums)}"
            )
        self.window_size = window_size
        self.downsampling_factor = 2 ** len(enc_blk_nums)
        self.intro = nn.Conv2d(img_channel, width, 3, padding=1)
        self.ending = nn.Conv2d(width, img_channel, 3, padding=1)
        # Modules are registered in the official state-dict order: encoders, middle, ups, downs, decoders.
        self.encoders = nn.ModuleList()
        downs = []
        channels = width
        for num_blocks in enc_blk_nums:
            self.encoders.append(NAFStage(channels, num_blocks))
            downs.append(nn.Conv2d(channels, channels * 2, 2, stride=2))
            channels *= 2
        self.middle_blks = NAFStage(channels, middle_blk_num)
        self.ups = nn.ModuleList()
        self.downs = nn.ModuleList(downs)
        decoders = []
        for num_blocks in dec_blk_nums:
            # 1x1 conv to 2x channels then PixelShuffle(2): half the channels at twice the resolution.
            self.ups.append(
                nn.Sequential(nn.Conv2d(channels, channels * 2, 1, bias=False), nn.PixelShuffle(2))
            )
            channels //= 2
            decoders.append(NAFStage(channels, num_blocks))
        # The official MaskDCPT arch names decoder stages decoder0 (lowest resolution) ... decoderN.
        self.decoder_names = [f"decoder{level}" for level in range(len(decoders))]
        for name, decoder in zip(self.decoder_names, decoders, strict=True):
            self.add_module(name, decoder)
        self.feature_dims = [width * 2**level for level in range(len(dec_blk_nums))]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Official plain forward: ending(features) + input."""
        self.check_input(images)
        restored, _ = self._forward_features(images, None)
        return restored + images

    def _forward_features(
        self, images: torch.Tensor, mask: PatchMask | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        features = remask(self.intro(images), mask)
        skips = []
        for encoder, down in zip(self.encoders, self.downs, strict=True):
            features = encoder(features, mask)
            skips.append(features)
            features = down(features)
        features = self.middle_blks(features, mask)
        decoder_outputs = []
        for name, up, skip in zip(self.decoder_names, self.ups, reversed(skips), strict=True):
            features = getattr(self, name)(up(features) + skip, mask)
            decoder_outputs.append(features)
        return self.ending(features), decoder_outputs[::-1]
