"""What every backbone offers: plain restoration forward, masked forward, and its shape facts."""

from __future__ import annotations

import math

import torch
from torch import nn

from maskdcpt.models.errors import InputShapeError
from maskdcpt.models.masking import PatchMask


class RestorationBackbone(nn.Module):
    """Base class: subclasses set `downsampling_factor`, `window_size`, `feature_dims` and both forwards.

    - `forward(x)` is the official plain forward (fine-tuning, inference): head(features) + x.
    - `forward_masked(x, patch_mask)` is the MaskDCPT encoder pass: input zeroed by the mask, features
      re-masked after every spatially mixing op; returns (head output, decoder-level features, highest
      resolution first). The head output has no input residual (see maskdcpt.models.maskdcpt).
    """

    downsampling_factor: int = 1
    window_size: int = 1
    feature_dims: list[int]
    head_name: str  # the attribute holding the output head (MaskDCPT's reconstruction decoder)

    def reconstruction_head(self) -> nn.Module:
        """The backbone's own output head, used as MaskDCPT's reconstruction decoder."""
        return getattr(self, self.head_name)

    @property
    def size_multiple(self) -> int:
        """Inputs must be padded to a multiple of this: the downsamplings and the official window size."""
        return math.lcm(self.downsampling_factor, self.window_size)

    def check_input(self, images: torch.Tensor) -> None:
        """Refuse inputs the stride-2 down/upsamplers cannot round-trip."""
        if images.dim() != 4:
            raise InputShapeError(f"expected a (B, C, H, W) batch, got shape {tuple(images.shape)}")
        height, width = images.shape[-2:]
        factor = self.downsampling_factor
        if height % factor or width % factor:
            raise InputShapeError(
                f"input size {height}x{width} is not a multiple of {factor} ({type(self).__name__} "
                f"downsamples {factor}x); pad it first, e.g. maskdcpt.models.pad_to_multiple(x, "
                f"net.size_multiple)"
            )

    def forward_masked(
        self, images: torch.Tensor, patch_mask: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Masked encoder pass; see the class docstring."""
        self.check_input(images)
        mask = PatchMask(patch_mask)
        if mask.visible.shape[0] != images.shape[0]:
            raise InputShapeError(
                f"mask batch {mask.visible.shape[0]} does not match image batch {images.shape[0]}"
            )
        restored, taps = self._forward_features(mask.apply(images), mask)
        # Taps leave with masked positions zeroed, so the classifier sees visible content only.
        return restored, [mask.apply(tap) for tap in taps]

    def _forward_features(
        self, images: torch.Tensor, mask: PatchMask | None
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
        """Run the network; return (head output without input residual, decoder-level taps)."""
        raise NotImplementedError
