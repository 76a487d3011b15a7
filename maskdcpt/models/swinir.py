"""SwinIR as used by MaskDCPT, with the official parameter names and a masked forward.

Architecture facts (Liang et al., "SwinIR", ICCVW 2021; MaskDCPT's swinir_arch.py / mask_swinir_arch.py):
a 3x3 `conv_first`, then residual Swin transformer blocks (RSTB = Swin blocks
alternating plain and half-window-shifted windows, then a 3x3 conv, plus the RSTB input), a LayerNorm,
`conv_after_body` plus the shallow features, and `conv_last` (3x3) added to the mean-centred input
(denoising/JPEG branch, upscale 1). MaskDCPT's copy removes the relative position bias and the shifted-window
attention mask, and splits the six RSTBs into `encode_layers` (first half, a ModuleList) and
`decode_layers0..2` (second half, attributes); the decode layers feed the degradation classifier.
Parameter names equal reference/official_state_dicts/SwinIR_maskdcpt.json and MaskSwinIR_maskdcpt.json.

`relative_position_bias=True, shifted_window_mask=True` rebuild the original SwinIR block (JingyunLiang/SwinIR
checkpoints, through maskdcpt.models.convert).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.errors import BackboneArgumentError, InputShapeError
from maskdcpt.models.masking import PatchMask, expand_mask, pad_to_multiple, remask
from maskdcpt.models.registry import register_backbone

# SwinIR's fixed RGB mean (DIV2K), subtracted before conv_first when in_chans == 3 (official arch).
RGB_MEAN = (0.4488, 0.4371, 0.4040)
RESIDUAL_CONNECTIONS = ("1conv", "3conv")
# Official SW-MSA mask value for token pairs from different regions of a rolled window.
SHIFT_MASK_VALUE = -100.0


def window_partition(tokens: torch.Tensor, window: int) -> torch.Tensor:
    """(B, H, W, C) -> (B * nW, window*window, C)."""
    batch, height, width, channels = tokens.shape
    grid = tokens.view(batch, height // window, window, width // window, window, channels)
    return grid.permute(0, 1, 3, 2, 4, 5).reshape(-1, window * window, channels)


def window_merge(windows: torch.Tensor, window: int, batch: int, height: int, width: int) -> torch.Tensor:
    """Inverse of window_partition: (B * nW, window*window, C) -> (B, H, W, C)."""
    grid = windows.view(batch, height // window, width // window, window, window, -1)
    return grid.permute(0, 1, 3, 2, 4, 5).reshape(batch, height, width, -1)


def relative_position_index(window: int) -> torch.Tensor:
    """(window^2, window^2) index into the (2w-1)^2 bias table, as the Swin Transformer."""
    coords = torch.stack(torch.meshgrid(torch.arange(window), torch.arange(window), indexing="ij")).flatten(1)
    relative = (coords[:, :, None] - coords[:, None, :]).permute(1, 2, 0) + (window - 1)
    return relative[..., 0] * (2 * window - 1) + relative[..., 1]


def shifted_window_mask(height: int, width: int, window: int, shift: int, device: torch.device) -> torch.Tensor:
    """(nW, w^2, w^2) additive mask that stops rolled-in tokens from attending across the image edge."""
    regions = torch.zeros(1, height, width, 1, device=device)
    bounds = (slice(0, -window), slice(-window, -shift), slice(-shift, None))
    for label, (rows, cols) in enumerate((r, c) for r in bounds for c in bounds):
        regions[:, rows, cols, :] = label
    labels = window_partition(regions, window).squeeze(-1)
    different = labels[:, None, :] != labels[:, :, None]
    return torch.zeros(different.shape, device=device).masked_fill(different, SHIFT_MASK_VALUE)


class WindowAttention(nn.Module):
    """Multi-head self-attention inside one window (keys `attn.qkv`, `attn.proj`)."""

    def __init__(
        self, dim: int, window: int, num_heads: int, qkv_bias: bool, qk_scale: float | None, position_bias: bool
    ) -> None:
        super().__init__()
        if dim % num_heads:
            raise BackboneArgumentError(f"SwinIR: {dim} channels cannot be split into {num_heads} heads")
        self.num_heads = num_heads
        self.scale = qk_scale or (dim // num_heads) ** -0.5
        if position_bias:
            # Created first: the original SwinIR state dict lists the table before qkv.
            self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * window - 1) ** 2, num_heads))
            nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
            self.register_buffer("relative_position_index", relative_position_index(window), persistent=False)
        self.position_bias = position_bias
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, windows: torch.Tensor, region_mask: torch.Tensor | None = None) -> torch.Tensor:
        count, tokens, channels = windows.shape
        qkv = self.qkv(windows).reshape(count, tokens, 3, self.num_heads, channels // self.num_heads)
        query, key, value = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        logits = (query * self.scale) @ key.transpose(-2, -1)
        if self.position_bias:
            bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
            logits = logits + bias.view(tokens, tokens, -1).permute(2, 0, 1).unsqueeze(0)
        if region_mask is not None:
            windows_per_image = region_mask.shape[0]
            logits = logits.view(-1, windows_per_image, self.num_heads, tokens, tokens)
            logits = (logits + region_mask[None, :, None]).view(count, self.num_heads, tokens, tokens)
        attended = logits.softmax(dim=-1) @ value
        return self.proj(attended.transpose(1, 2).reshape(count, tokens, channels))


class Mlp(nn.Module):
    """fc1 -> GELU -> fc2 (keys `mlp.fc1`, `mlp.fc2`)."""

    def __init__(self, dim: int, hidden: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        return self.fc2(F.gelu(self.fc1(tokens)))


def masked_norm(norm: nn.LayerNorm, tokens: torch.Tensor, visible: torch.Tensor | None) -> torch.Tensor:
    """LayerNorm per token; masked tokens come out zero (the official MaskLayerNorm's gather/scatter)."""
    normed = norm(tokens)
    return normed if visible is None else normed * visible


class SwinBlock(nn.Module):
    """x + (S)W-MSA(LN(x)), then x + MLP(LN(x)); channels-last (B, H, W, C) tokens."""

    def __init__(
        self,
        dim: int,
        num_heads: int,
        window: int,
        shift: int,
        mlp_ratio: float,
        qkv_bias: bool,
        qk_scale: float | None,
        position_bias: bool,
        shift_mask: bool,
    ) -> None:
        super().__init__()
        self.window, self.shift, self.shift_mask = window, shift, shift_mask
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, window, num_heads, qkv_bias, qk_scale, position_bias)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, tokens: torch.Tensor, visible: torch.Tensor | None = None) -> torch.Tensor:
        batch, height, width, _ = tokens.shape
        # Masked tokens enter attention as zeros, i.e. with the qkv biases only (official MaskSwinIR): they
        # carry nothing of the masked pixels, in plain and in shifted windows alike.
        normed = masked_norm(self.norm1, tokens, visible)
        if self.shift:
            normed = torch.roll(normed, shifts=(-self.shift, -self.shift), dims=(1, 2))
        region_mask = None
        if self.shift and self.shift_mask:
            region_mask = shifted_window_mask(height, width, self.window, self.shift, tokens.device)
        attended = self.attn(window_partition(normed, self.window), region_mask)
        attended = window_merge(attended, self.window, batch, height, width)
        if self.shift:
            attended = torch.roll(attended, shifts=(self.shift, self.shift), dims=(1, 2))
        tokens = tokens + attended
        tokens = tokens + self.mlp(masked_norm(self.norm2, tokens, visible))
        # Official mask arch: every block's output is re-masked, so the residual stream stays empty there.
        return tokens if visible is None else tokens * visible


class SwinLayer(nn.Module):
    """The Swin blocks of one RSTB (keys `residual_group.blocks.<i>`)."""

    def __init__(self, blocks: list[SwinBlock]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(blocks)

    def forward(self, tokens: torch.Tensor, visible: torch.Tensor | None) -> torch.Tensor:
        for block in self.blocks:
            tokens = block(tokens, visible)
        return tokens


def residual_conv(dim: int, kind: str) -> nn.Module:
    """RSTB / body tail conv: one 3x3 ('1conv') or the lighter 3x3 -> 1x1 -> 3x3 at dim/4 ('3conv')."""
    if kind == "1conv":
        return nn.Conv2d(dim, dim, 3, padding=1)
    return nn.Sequential(
        nn.Conv2d(dim, dim // 4, 3, padding=1),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(dim // 4, dim // 4, 1),
        nn.LeakyReLU(0.2, inplace=True),
        nn.Conv2d(dim // 4, dim, 3, padding=1),
    )


def to_channels_first(tokens: torch.Tensor) -> torch.Tensor:
    return tokens.permute(0, 3, 1, 2)


def to_channels_last(features: torch.Tensor) -> torch.Tensor:
    return features.permute(0, 2, 3, 1)


class RSTB(nn.Module):
    """Residual Swin transformer block: Swin blocks, a conv, plus the block input."""

    def __init__(self, blocks: list[SwinBlock], dim: int, resi_connection: str) -> None:
        super().__init__()
        self.residual_group = SwinLayer(blocks)
        self.conv = residual_conv(dim, resi_connection)

    def forward(self, tokens: torch.Tensor, mask: PatchMask | None, visible: torch.Tensor | None) -> torch.Tensor:
        mixed = to_channels_first(self.residual_group(tokens, visible))
        # The 3x3 conv spreads into masked sites; the official mask arch zeroes them again.
        return to_channels_last(remask(self.conv(mixed), mask)) + tokens


class PatchNorm(nn.Module):
    """SwinIR's patch embedding at patch size 1: only its LayerNorm has weights (key `patch_embed.norm`)."""

    def __init__(self, dim: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(dim)

    def forward(self, tokens: torch.Tensor, visible: torch.Tensor | None) -> torch.Tensor:
        return masked_norm(self.norm, tokens, visible)


@register_backbone("swinir", aliases=("SwinIR", "MaskSwinIR"))
class SwinIR(RestorationBackbone):
    """SwinIR (denoising/JPEG form, upscale 1) with MaskDCPT's constructor arguments and parameter names."""

    head_name = "conv_last"

    def __init__(
        self,
        img_size: int | Sequence[int] = 128,
        patch_size: int = 1,
        in_chans: int = 3,
        embed_dim: int = 180,
        depths: Sequence[int] = (6, 6, 6, 6, 6, 6),
        num_heads: Sequence[int] = (6, 6, 6, 6, 6, 6),
        window_size: int = 8,
        mlp_ratio: float = 2.0,
        qkv_bias: bool = True,
        qk_scale: float | None = None,
        drop_rate: float = 0.0,
        attn_drop_rate: float = 0.0,
        drop_path_rate: float = 0.0,
        ape: bool = False,
        patch_norm: bool = True,
        use_checkpoint: bool = False,
        upscale: int = 1,
        img_range: float = 1.0,
        upsampler: str = "",
        resi_connection: str = "1conv",
        relative_position_bias: bool = False,
        shifted_window_mask: bool = False,
    ) -> None:
        super().__init__()
        self._check_arguments(
            patch_size, depths, num_heads, (drop_rate, attn_drop_rate, drop_path_rate), ape, use_checkpoint,
            upscale, upsampler, resi_connection,
        )
        sizes = (img_size, img_size) if isinstance(img_size, int) else tuple(img_size)
        # Official rule: a training size no larger than the window means one unshifted window per image.
        window, shift = window_size, window_size // 2
        if min(sizes) <= window_size:
            window, shift = min(sizes), 0
        self.window_size = window
        self.img_range = img_range
        mean = RGB_MEAN if in_chans == 3 else (0.0,) * in_chans
        self.register_buffer("mean", torch.tensor(mean).view(1, in_chans, 1, 1), persistent=False)

        def rstb(level: int) -> RSTB:
            blocks = [
                SwinBlock(
                    embed_dim, num_heads[level], window, 0 if index % 2 == 0 else shift, mlp_ratio, qkv_bias,
                    qk_scale, relative_position_bias, shifted_window_mask,
                )
                for index in range(depths[level])
            ]
            return RSTB(blocks, embed_dim, resi_connection)

        half = len(depths) // 2
        self.conv_first = nn.Conv2d(in_chans, embed_dim, 3, padding=1)
        self.patch_embed = PatchNorm(embed_dim) if patch_norm else None
        self.encode_layers = nn.ModuleList(rstb(level) for level in range(half))
        # The second half are attributes decode_layers0.. (official MaskDCPT names); they feed the classifier.
        self.decode_names = [f"decode_layers{index}" for index in range(half)]
        for index, name in enumerate(self.decode_names):
            self.add_module(name, rstb(half + index))
        self.norm = nn.LayerNorm(embed_dim)
        self.conv_after_body = residual_conv(embed_dim, resi_connection)
        self.conv_last = nn.Conv2d(embed_dim, in_chans, 3, padding=1)
        self.apply(_init_weights)
        # Isotropic network: the classifier's multi-scale input is made by nearest subsampling decode
        # layer i by 2^i (official PromptIR_NoImg_DC downsample=True), so taps need sizes divisible by 2^(n-1).
        self.feature_dims = [embed_dim] * half
        self.downsampling_factor = 2 ** (half - 1)

    @staticmethod
    def _check_arguments(
        patch_size: int,
        depths: Sequence[int],
        num_heads: Sequence[int],
        drop_rates: tuple[float, float, float],
        ape: bool,
        use_checkpoint: bool,
        upscale: int,
        upsampler: str,
        resi_connection: str,
    ) -> None:
        if len(depths) != len(num_heads) or len(depths) < 2 or len(depths) % 2:
            raise BackboneArgumentError(
                f"SwinIR needs an even number (>= 2) of RSTBs, one head count each (half encode, half decode), "
                f"got depths={list(depths)} and num_heads={list(num_heads)}"
            )
        if patch_size != 1 or upscale != 1 or upsampler:
            raise BackboneArgumentError(
                "SwinIR here is the restoration form of MaskDCPT (patch_size=1, upscale=1, upsampler=''); "
                "super-resolution variants are not supported"
            )
        if any(drop_rates) or ape or use_checkpoint:
            raise BackboneArgumentError(
                "SwinIR here has no dropout, drop path, absolute position embedding or checkpointing "
                "(the MaskDCPT configs use none); leave drop_rate, attn_drop_rate, drop_path_rate at 0 and ape, "
                "use_checkpoint false"
            )
        if resi_connection not in RESIDUAL_CONNECTIONS:
            raise BackboneArgumentError(f"SwinIR resi_connection must be one of {RESIDUAL_CONNECTIONS}")

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        """Official plain forward, x + conv_last(...); any size: reflect-padded to the window, cropped back."""
        if images.dim() != 4:
            raise InputShapeError(f"expected a (B, C, H, W) batch, got shape {tuple(images.shape)}")
        height, width = images.shape[-2:]
        padded = pad_to_multiple(images, self.window_size)
        restored, _ = self._forward_features(padded, None)
        return (restored + padded)[..., :height, :width]

    def _forward_features(
        self, images: torch.Tensor, mask: PatchMask | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        height, width = images.shape[-2:]
        if height % self.window_size or width % self.window_size:
            raise InputShapeError(
                f"input size {height}x{width} is not a multiple of the SwinIR window {self.window_size}; pad it "
                f"first, e.g. maskdcpt.models.pad_to_multiple(x, net.size_multiple)"
            )
        visible = None
        if mask is not None:
            visible = to_channels_last(expand_mask(mask.visible, height, width).to(images.dtype))
        # Centre first, then mask, so masked pixels are zero in the network's input space in both passes.
        centred = remask((images - self.mean) * self.img_range, mask)
        shallow = remask(self.conv_first(centred), mask)
        tokens = to_channels_last(shallow)
        if self.patch_embed is not None:
            tokens = self.patch_embed(tokens, visible)
        for layer in self.encode_layers:
            tokens = layer(tokens, mask, visible)
        taps = []
        for name in self.decode_names:
            tokens = getattr(self, name)(tokens, mask, visible)
            taps.append(tokens)
        body = to_channels_first(masked_norm(self.norm, tokens, visible))
        features = remask(self.conv_after_body(body), mask) + shallow
        restored = self.conv_last(features) / self.img_range
        # Decode layer i subsampled by 2^i (nearest, as F.interpolate(scale_factor=1/2^i) in the classifier).
        scaled = [to_channels_first(tap)[..., :: 2**level, :: 2**level] for level, tap in enumerate(taps)]
        return restored, scaled


def _init_weights(module: nn.Module) -> None:
    """Official SwinIR init: truncated-normal (std 0.02) Linear weights, zero biases; LayerNorm 1/0."""
    if isinstance(module, nn.Linear):
        nn.init.trunc_normal_(module.weight, std=0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.LayerNorm):
        nn.init.ones_(module.weight)
        nn.init.zeros_(module.bias)
