"""Random patch masks for MaskDCPT and their expansion to every feature resolution.

A mask is a bool tensor (B, 1, H/p, W/p) on the patch grid, True = visible. Following the official
SparK-derived mask archs, exactly round(h*w*(1-ratio)) patches stay visible in
every sample, chosen by ranking uniform noise, and one patch-level mask serves every scale of the
network by nearest (repeat) upsampling; so masks stay aligned with the stride-2 down/upsamplers as long
as the patch size is a multiple of the network's total downsampling factor.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from maskdcpt.models.errors import InputShapeError


def random_patch_mask(
    batch: int,
    grid_height: int,
    grid_width: int,
    mask_ratio: float,
    generator: torch.Generator,
    device: torch.device | str | None = None,
) -> torch.Tensor:
    """Draw a (batch, 1, grid_height, grid_width) bool mask, True = visible, fresh per sample."""
    if not 0.0 <= mask_ratio < 1.0:
        raise InputShapeError(f"mask_ratio must be in [0, 1), got {mask_ratio}")
    if generator is None:
        raise InputShapeError("random_patch_mask needs an explicit torch.Generator (no global RNG state)")
    num_patches = grid_height * grid_width
    num_visible = round(num_patches * (1.0 - mask_ratio))
    # Ranking i.i.d. uniform noise gives a uniformly random subset of exactly num_visible patches.
    noise = torch.rand(batch, num_patches, generator=generator, device=generator.device)
    ranks = noise.argsort(dim=1).argsort(dim=1)
    visible = ranks < num_visible
    visible = visible.view(batch, 1, grid_height, grid_width)
    return visible.to(device) if device is not None else visible


def expand_mask(patch_mask: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Nearest-upsample a (B,1,h,w) patch mask to (B,1,height,width); height must be a multiple of h."""
    grid_height, grid_width = patch_mask.shape[-2:]
    if height % grid_height or width % grid_width:
        raise InputShapeError(
            f"feature size {height}x{width} is not a multiple of the mask grid {grid_height}x{grid_width}; "
            "the mask patch size must be a multiple of the network's downsampling factor"
        )
    scale_h, scale_w = height // grid_height, width // grid_width
    return patch_mask.repeat_interleave(scale_h, dim=-2).repeat_interleave(scale_w, dim=-1)


class PatchMask:
    """One patch-level mask, served as a 0/1 multiplier at any feature resolution (cached per size)."""

    def __init__(self, visible: torch.Tensor) -> None:
        if visible.dim() != 4 or visible.shape[1] != 1 or visible.dtype != torch.bool:
            raise InputShapeError(
                f"a patch mask must be a bool tensor of shape (B, 1, H/p, W/p), got {tuple(visible.shape)} "
                f"{visible.dtype}"
            )
        self.visible = visible
        self._cache: dict[tuple[int, int, torch.dtype], torch.Tensor] = {}

    def at(self, like: torch.Tensor) -> torch.Tensor:
        """Return the mask as a (B,1,h,w) tensor of like's dtype at like's spatial size."""
        height, width = like.shape[-2:]
        key = (height, width, like.dtype)
        if key not in self._cache:
            self._cache[key] = expand_mask(self.visible, height, width).to(like.dtype)
        return self._cache[key]

    def apply(self, features: torch.Tensor) -> torch.Tensor:
        """Zero the masked positions of features (emulates a submanifold op: masked sites stay empty)."""
        return features * self.at(features)


def remask(features: torch.Tensor, mask: PatchMask | None) -> torch.Tensor:
    """Zero masked positions when a mask is given; identity in plain (unmasked) mode."""
    return features if mask is None else mask.apply(features)


def pad_to_multiple(images: torch.Tensor, multiple: int, mode: str = "reflect") -> torch.Tensor:
    """Pad (B,C,H,W) on the bottom/right to multiples of `multiple` (reflect, as the official test code)."""
    height, width = images.shape[-2:]
    pad_h, pad_w = (-height) % multiple, (-width) % multiple
    if pad_h == 0 and pad_w == 0:
        return images
    if mode == "reflect" and (pad_h >= height or pad_w >= width):
        mode = "replicate"  # reflect padding cannot exceed the image size (tiny images)
    return F.pad(images, (0, pad_w, 0, pad_h), mode=mode)
