"""Restormer as used by MaskDCPT, with the official parameter names and a masked forward.

Architecture facts (Zamir et al., "Restormer", CVPR 2022; MaskDCPT's official archs): a 4-level U-Net of
transformer blocks, each = LayerNorm -> multi-Dconv head transposed attention (MDTA: 1x1 qkv, depthwise
3x3, attention across channels with a learned per-head temperature) and LayerNorm -> gated-Dconv FFN
(GDFN: 1x1 to 2*hidden, depthwise 3x3, GELU gate, 1x1). Downsample = 3x3 conv to C/2 + PixelUnshuffle(2);
Upsample = 3x3 conv to 2C + PixelShuffle(2); 1x1 channel reduction after the level-3/2 skip concats; a
refinement stage at 2*dim; output = conv3x3(features) + input. MaskDCPT's Restormer stores every norm
as a channel LayerNorm with weight and bias (`norm1.weight`, `norm1.bias`) even with its default
LayerNorm_type='BiasFree' (reference/official_state_dicts/Restormer_maskdcpt.json), so LayerNorm_type
is accepted for signature compatibility and does not change the layer.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.errors import BackboneArgumentError
from maskdcpt.models.layers import ChannelLayerNorm
from maskdcpt.models.masking import PatchMask, remask
from maskdcpt.models.registry import register_backbone

LAYER_NORM_TYPES = ("WithBias", "BiasFree")
INIT_STD = 0.02  # MaskDCPT's Restormer: trunc_normal(std=0.02) on every conv and linear weight, zero biases


def init_weights(module: nn.Module) -> None:
    """The official init of one layer (PyTorch's default conv init would give std ~0.11 at 1x1, 48 ch)."""
    if isinstance(module, nn.Conv2d | nn.Linear):
        nn.init.trunc_normal_(module.weight, std=INIT_STD)
        if module.bias is not None:
            nn.init.zeros_(module.bias)


class TransposedAttention(nn.Module):
    """MDTA: self-attention across channels (a CxC map per head), so cost is linear in pixels."""

    def __init__(self, dim: int, num_heads: int, bias: bool) -> None:
        super().__init__()
        if dim % num_heads:
            raise BackboneArgumentError(f"Restormer: {dim} channels cannot be split into {num_heads} heads")
        self.num_heads = num_heads
        self.temperature = nn.Parameter(torch.ones(num_heads, 1, 1))
        self.qkv = nn.Conv2d(dim, dim * 3, 1, bias=bias)
        self.qkv_dwconv = nn.Conv2d(dim * 3, dim * 3, 3, padding=1, groups=dim * 3, bias=bias)
        self.project_out = nn.Conv2d(dim, dim, 1, bias=bias)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        batch, channels, height, width = features.shape
        # Masked after the depthwise 3x3 (official mask arch): masked sites then add nothing to the
        # channel-by-channel attention sums and receive nothing back (their v is zero).
        qkv = remask(self.qkv_dwconv(self.qkv(features)), mask)
        heads = qkv.reshape(batch, 3, self.num_heads, channels // self.num_heads, height * width)
        query, key, value = heads.unbind(dim=1)
        query = F.normalize(query, dim=-1)
        key = F.normalize(key, dim=-1)
        attention = (query @ key.transpose(-2, -1)) * self.temperature
        attended = attention.softmax(dim=-1) @ value
        return self.project_out(attended.reshape(batch, channels, height, width))


class GatedDconvFeedForward(nn.Module):
    """GDFN: 1x1 expand to two halves, depthwise 3x3, GELU(first) * second, 1x1 project back."""

    def __init__(self, dim: int, expansion_factor: float, bias: bool) -> None:
        super().__init__()
        hidden = int(dim * expansion_factor)  # int() truncation as the official arch (48*2.66 -> 127)
        self.project_in = nn.Conv2d(dim, hidden * 2, 1, bias=bias)
        self.dwconv = nn.Conv2d(hidden * 2, hidden * 2, 3, padding=1, groups=hidden * 2, bias=bias)
        self.project_out = nn.Conv2d(hidden, dim, 1, bias=bias)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        gate, content = self.dwconv(self.project_in(features)).chunk(2, dim=1)
        return remask(self.project_out(F.gelu(gate) * content), mask)


class TransformerBlock(nn.Module):
    """x + MDTA(LN(x)), then x + GDFN(LN(x))."""

    def __init__(self, dim: int, num_heads: int, ffn_expansion_factor: float, bias: bool) -> None:
        super().__init__()
        self.norm1 = ChannelLayerNorm(dim)
        self.attn = TransposedAttention(dim, num_heads, bias)
        self.norm2 = ChannelLayerNorm(dim)
        self.ffn = GatedDconvFeedForward(dim, ffn_expansion_factor, bias)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        features = features + self.attn(self.norm1(features, mask), mask)
        return features + self.ffn(self.norm2(features, mask), mask)


class TransformerStage(nn.Module):
    """A run of transformer blocks at one resolution (keys `<stage>.blocks.<i>`)."""

    def __init__(self, dim: int, num_blocks: int, num_heads: int, ffn_expansion_factor: float, bias: bool):
        super().__init__()
        self.blocks = nn.ModuleList(
            TransformerBlock(dim, num_heads, ffn_expansion_factor, bias) for _ in range(num_blocks)
        )

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        for block in self.blocks:
            features = block(features, mask)
        return features


class PatchEmbed(nn.Module):
    """Overlapped 3x3 conv embedding (key `patch_embed.proj`)."""

    def __init__(self, in_channels: int, dim: int, bias: bool) -> None:
        super().__init__()
        self.proj = nn.Conv2d(in_channels, dim, 3, padding=1, bias=bias)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.proj(images)


class Downsample(nn.Module):
    """3x3 conv to C/2, then PixelUnshuffle(2): 2C channels at half resolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels // 2, 3, padding=1, bias=False)
        self.unshuffle = nn.PixelUnshuffle(2)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        return self.unshuffle(remask(self.conv(features), mask))


class Upsample(nn.Module):
    """3x3 conv to 2C, then PixelShuffle(2): C/2 channels at twice the resolution."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels * 2, 3, padding=1, bias=False)
        self.shuffle = nn.PixelShuffle(2)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        return self.shuffle(remask(self.conv(features), mask))


@register_backbone("restormer", aliases=("Restormer", "MaskRestormer"))
class Restormer(RestorationBackbone):
    """Restormer with the official constructor arguments and MaskDCPT's parameter names."""

    head_name = "output"

    def __init__(
        self,
        inp_channels: int = 3,
        out_channels: int = 3,
        dim: int = 48,
        num_blocks: Sequence[int] = (4, 6, 6, 8),
        num_refinement_blocks: int = 4,
        heads: Sequence[int] = (1, 2, 4, 8),
        ffn_expansion_factor: float = 2.66,
        bias: bool = False,
        LayerNorm_type: str = "BiasFree",  # noqa: N803 - the official keyword, kept so configs load as-is
        dual_pixel_task: bool = False,
        scale: int = 1,
        window_size: int = 8,
    ) -> None:
        super().__init__()
        if len(num_blocks) != 4 or len(heads) != 4:
            raise BackboneArgumentError(
                f"Restormer has 4 levels: num_blocks and heads need 4 entries, got {list(num_blocks)} "
                f"and {list(heads)}"
            )
        if LayerNorm_type not in LAYER_NORM_TYPES:
            raise BackboneArgumentError(f"Restormer LayerNorm_type must be one of {LAYER_NORM_TYPES}")
        if scale != 1:
            raise BackboneArgumentError("Restormer here restores at scale 1 only (as all MaskDCPT configs)")
        self.window_size = window_size
        self.downsampling_factor = 8  # three Downsample stages
        self.dual_pixel_task = dual_pixel_task

        def stage(channels: int, level: int, count: int) -> TransformerStage:
            return TransformerStage(channels, count, heads[level], ffn_expansion_factor, bias)

        self.patch_embed = PatchEmbed(inp_channels, dim, bias)
        self.encoder_level1 = stage(dim, 0, num_blocks[0])
        self.down1_2 = Downsample(dim)
        self.encoder_level2 = stage(dim * 2, 1, num_blocks[1])
        self.down2_3 = Downsample(dim * 2)
        self.encoder_level3 = stage(dim * 4, 2, num_blocks[2])
        self.down3_4 = Downsample(dim * 4)
        self.latent = stage(dim * 8, 3, num_blocks[3])
        self.up4_3 = Upsample(dim * 8)
        self.reduce_chan_level3 = nn.Conv2d(dim * 8, dim * 4, 1, bias=bias)
        self.decoder_level3 = stage(dim * 4, 2, num_blocks[2])
        self.up3_2 = Upsample(dim * 4)
        self.reduce_chan_level2 = nn.Conv2d(dim * 4, dim * 2, 1, bias=bias)
        self.decoder_level2 = stage(dim * 2, 1, num_blocks[1])
        self.up2_1 = Upsample(dim * 2)
        # Level 1 keeps the concatenated 2*dim channels (no reduction), as in the official arch.
        self.decoder_level1 = stage(dim * 2, 0, num_blocks[0])
        self.refinement = stage(dim * 2, 0, num_refinement_blocks)
        if dual_pixel_task:
            self.skip_conv = nn.Conv2d(dim, dim * 2, 1, bias=bias)
        self.output = nn.Conv2d(dim * 2, out_channels, 3, padding=1, bias=bias)
        # Taps: the three decoder levels, highest resolution first (as in the official MaskDCPT code).
        self.feature_dims = [dim * 2, dim * 2, dim * 4]
        self.apply(init_weights)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Official plain forward: output(features) + input (dual-pixel task: no input residual)."""
        self.check_input(images)
        restored, _ = self._forward_features(images, None)
        return restored if self.dual_pixel_task else restored + images

    def _forward_features(
        self, images: torch.Tensor, mask: PatchMask | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        level1 = remask(self.patch_embed(images), mask)
        encoded1 = self.encoder_level1(level1, mask)
        encoded2 = self.encoder_level2(self.down1_2(encoded1, mask), mask)
        encoded3 = self.encoder_level3(self.down2_3(encoded2, mask), mask)
        latent = self.latent(self.down3_4(encoded3, mask), mask)

        decoded3 = torch.cat([self.up4_3(latent, mask), encoded3], dim=1)
        decoded3 = self.decoder_level3(self.reduce_chan_level3(decoded3), mask)
        decoded2 = torch.cat([self.up3_2(decoded3, mask), encoded2], dim=1)
        decoded2 = self.decoder_level2(self.reduce_chan_level2(decoded2), mask)
        decoded1 = torch.cat([self.up2_1(decoded2, mask), encoded1], dim=1)
        decoded1 = self.decoder_level1(decoded1, mask)

        refined = self.refinement(decoded1, mask)
        if self.dual_pixel_task:
            refined = refined + self.skip_conv(level1)
        return self.output(refined), [decoded1, decoded2, decoded3]
