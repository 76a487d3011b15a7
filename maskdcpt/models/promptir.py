"""PromptIR as used by MaskDCPT, with the official parameter names and a masked forward.

Architecture facts (Potlapalli et al., "PromptIR", NeurIPS 2023; MaskDCPT's promptir_arch.py /
mask_promptir_arch.py): Restormer's 4-level U-Net of MDTA + GDFN transformer
blocks (maskdcpt.models.restormer), plus a prompt at each decoder level. A prompt block averages the features
over space, turns them into softmax weights over `prompt_len` learned prompt tensors, sums the weighted prompts,
resizes the sum bilinearly to the feature size, and applies a bias-free 3x3 conv. The prompt is concatenated to
the features, passed through one transformer block (`noise_level<i>`), and reduced by a 1x1 conv
(`reduce_noise_level<i>`) before the level's upsampler. The patch embedding has no bias. MaskDCPT's mask arch
masks the prompt before and after its conv. Parameter names equal
reference/official_state_dicts/PromptIR_maskdcpt.json (released checkpoint, bias=True) and, with bias=False
(the MaskPromptIR default), MaskPromptIR_maskdcpt.json.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.errors import BackboneArgumentError, InputShapeError
from maskdcpt.models.masking import PatchMask, pad_to_multiple, remask
from maskdcpt.models.registry import register_backbone
from maskdcpt.models.restormer import (
    LAYER_NORM_TYPES,
    Downsample,
    PatchEmbed,
    TransformerBlock,
    TransformerStage,
    Upsample,
)

# Official prompt settings for dim 48 (PromptIR's PromptGenBlock calls): channels and side of the learned
# prompts at decoder levels 1, 2, 3 (highest resolution first), 5 prompts each.
PROMPT_DIMS = (64, 128, 320)
PROMPT_SIZES = (64, 32, 16)
PROMPT_LEN = 5


class PromptGenBlock(nn.Module):
    """Input-conditioned prompt: softmax-weighted sum of learned prompts, resized, 3x3 conv."""

    def __init__(self, prompt_dim: int, prompt_len: int, prompt_size: int, lin_dim: int) -> None:
        super().__init__()
        # U[0, 1) init, as the official torch.rand.
        self.prompt_param = nn.Parameter(torch.rand(1, prompt_len, prompt_dim, prompt_size, prompt_size))
        self.linear_layer = nn.Linear(lin_dim, prompt_len)
        self.conv3x3 = nn.Conv2d(prompt_dim, prompt_dim, 3, padding=1, bias=False)

    def forward(self, features: torch.Tensor, mask: PatchMask | None = None) -> torch.Tensor:
        height, width = features.shape[-2:]
        # Masked sites hold zeros (or input-independent biases) here, so the pooled summary sees visible
        # content only.
        weights = self.linear_layer(features.mean(dim=(-2, -1))).softmax(dim=1)
        prompt = (weights[:, :, None, None, None] * self.prompt_param).sum(dim=1)
        prompt = F.interpolate(prompt, (height, width), mode="bilinear", align_corners=False)
        # Official mask arch: the prompt is masked before and after its 3x3 conv.
        return remask(self.conv3x3(remask(prompt, mask)), mask)


@register_backbone("promptir", aliases=("PromptIR", "MaskPromptIR"))
class PromptIR(RestorationBackbone):
    """PromptIR with MaskDCPT's constructor arguments and parameter names (decoder prompts on)."""

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
        bias: bool = True,
        LayerNorm_type: str = "WithBias",  # noqa: N803 - the official keyword, kept so configs load as-is
        decoder: bool = True,
        window_size: int = 8,
        prompt_dims: Sequence[int] = PROMPT_DIMS,
        prompt_sizes: Sequence[int] = PROMPT_SIZES,
        prompt_len: int = PROMPT_LEN,
    ) -> None:
        super().__init__()
        if len(num_blocks) != 4 or len(heads) != 4:
            raise BackboneArgumentError(
                f"PromptIR has 4 levels: num_blocks and heads need 4 entries, got {list(num_blocks)} "
                f"and {list(heads)}"
            )
        if LayerNorm_type not in LAYER_NORM_TYPES:
            raise BackboneArgumentError(f"PromptIR LayerNorm_type must be one of {LAYER_NORM_TYPES}")
        if not decoder:
            # The official class cannot run without its decoder prompts either (channel counts then clash).
            raise BackboneArgumentError("PromptIR here needs decoder=True (every MaskDCPT config uses it)")
        if len(prompt_dims) != 3 or len(prompt_sizes) != 3:
            raise BackboneArgumentError("PromptIR needs 3 prompt_dims and 3 prompt_sizes (decoder levels 1-3)")
        self.window_size = window_size
        self.downsampling_factor = 8  # three Downsample stages

        def stage(channels: int, level: int, count: int) -> TransformerStage:
            return TransformerStage(channels, count, heads[level], ffn_expansion_factor, bias)

        def noise_block(channels: int) -> TransformerBlock:
            # Every prompt-fusion block uses the level-3 head count (official arch).
            return TransformerBlock(channels, heads[2], ffn_expansion_factor, bias)

        prompt1, prompt2, prompt3 = prompt_dims
        # Registration order = the official state-dict order (tests compare it to the released files).
        self.patch_embed = PatchEmbed(inp_channels, dim, bias=False)
        self.prompt1 = PromptGenBlock(prompt1, prompt_len, prompt_sizes[0], dim * 2)
        self.prompt2 = PromptGenBlock(prompt2, prompt_len, prompt_sizes[1], dim * 4)
        self.prompt3 = PromptGenBlock(prompt3, prompt_len, prompt_sizes[2], dim * 8)
        self.encoder_level1 = stage(dim, 0, num_blocks[0])
        self.down1_2 = Downsample(dim)
        self.encoder_level2 = stage(dim * 2, 1, num_blocks[1])
        self.down2_3 = Downsample(dim * 2)
        self.encoder_level3 = stage(dim * 4, 2, num_blocks[2])
        self.down3_4 = Downsample(dim * 4)
        self.latent = stage(dim * 8, 3, num_blocks[3])
        self.up4_3 = Upsample(dim * 4)
        self.reduce_chan_level3 = nn.Conv2d(dim * 2 + dim * 4, dim * 4, 1, bias=bias)
        self.noise_level3 = noise_block(dim * 8 + prompt3)
        self.reduce_noise_level3 = nn.Conv2d(dim * 8 + prompt3, dim * 4, 1, bias=bias)
        self.decoder_level3 = stage(dim * 4, 2, num_blocks[2])
        self.up3_2 = Upsample(dim * 4)
        self.reduce_chan_level2 = nn.Conv2d(dim * 4, dim * 2, 1, bias=bias)
        self.noise_level2 = noise_block(dim * 4 + prompt2)
        self.reduce_noise_level2 = nn.Conv2d(dim * 4 + prompt2, dim * 4, 1, bias=bias)
        self.decoder_level2 = stage(dim * 2, 1, num_blocks[1])
        self.up2_1 = Upsample(dim * 2)
        self.noise_level1 = noise_block(dim * 2 + prompt1)
        self.reduce_noise_level1 = nn.Conv2d(dim * 2 + prompt1, dim * 2, 1, bias=bias)
        # Level 1 keeps the concatenated 2*dim channels (no reduction), as in Restormer.
        self.decoder_level1 = stage(dim * 2, 0, num_blocks[0])
        self.refinement = stage(dim * 2, 0, num_refinement_blocks)
        self.output = nn.Conv2d(dim * 2, out_channels, 3, padding=1, bias=bias)
        # Taps: the three decoder levels before their prompts, highest resolution first (the official PromptIR_NoImg_DC taps).
        self.feature_dims = [dim * 2, dim * 2, dim * 4]

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Official plain forward, output(features) + input; any size: reflect-padded, cropped back."""
        if images.dim() != 4:
            raise InputShapeError(f"expected a (B, C, H, W) batch, got shape {tuple(images.shape)}")
        height, width = images.shape[-2:]
        padded = pad_to_multiple(images, self.size_multiple)
        restored, _ = self._forward_features(padded, None)
        return (restored + padded)[..., :height, :width]

    def _forward_features(
        self, images: torch.Tensor, mask: PatchMask | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        self.check_input(images)
        level1 = remask(self.patch_embed(images), mask)
        encoded1 = self.encoder_level1(level1, mask)
        encoded2 = self.encoder_level2(self.down1_2(encoded1, mask), mask)
        encoded3 = self.encoder_level3(self.down2_3(encoded2, mask), mask)
        latent = self.latent(self.down3_4(encoded3, mask), mask)
        latent = self._prompted(latent, self.prompt3, self.noise_level3, self.reduce_noise_level3, mask)

        decoded3 = torch.cat([self.up4_3(latent, mask), encoded3], dim=1)
        decoded3 = self.decoder_level3(self.reduce_chan_level3(decoded3), mask)
        prompted3 = self._prompted(decoded3, self.prompt2, self.noise_level2, self.reduce_noise_level2, mask)
        decoded2 = torch.cat([self.up3_2(prompted3, mask), encoded2], dim=1)
        decoded2 = self.decoder_level2(self.reduce_chan_level2(decoded2), mask)
        prompted2 = self._prompted(decoded2, self.prompt1, self.noise_level1, self.reduce_noise_level1, mask)
        decoded1 = torch.cat([self.up2_1(prompted2, mask), encoded1], dim=1)
        decoded1 = self.decoder_level1(decoded1, mask)

        refined = self.refinement(decoded1, mask)
        return self.output(refined), [decoded1, decoded2, decoded3]

    @staticmethod
    def _prompted(
        features: torch.Tensor,
        prompt: PromptGenBlock,
        fuse: TransformerBlock,
        reduce: nn.Conv2d,
        mask: PatchMask | None,
    ) -> torch.Tensor:
        """cat(features, prompt) -> transformer block -> 1x1 reduction (official decoder prompt step)."""
        joined = torch.cat([features, prompt(features, mask)], dim=1)
        return reduce(fuse(joined, mask))
