"""The MaskDCPT pre-training model: masked backbone + reconstruction head + degradation classifier.

Per step (the MaskDCPT paper; docs/training.md): draw a fresh random 16x16-patch mask per sample
(ratio 0.5) from an explicit generator, run the backbone's masked forward, classify the degradation from
its decoder-level features, and reconstruct the clean image through the backbone's own head. The
trainer computes L1(restored, gt) over the whole image plus focal_loss(logits, labels).

Reconstruction has NO input residual: the official mask archs drop `+inp`, and
with a residual the one head would have to output a correction in visible patches but the whole image
in masked ones (whose input is zero); without it every pixel has the same target, the clean image.
`residual_input=True` restores the fine-tuning form (head + masked input) for experiments.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.classifier import DegradationClassifier
from maskdcpt.models.errors import InputShapeError
from maskdcpt.models.masking import expand_mask, random_patch_mask

# MaskDCPT defaults, paper Tables VII-VIII: 50% of 16x16 patches masked.
DEFAULT_MASK_RATIO = 0.5
DEFAULT_MASK_PATCH = 16


@dataclass
class MaskDCPTOutput:
    """One pre-training forward: reconstruction, class logits and the patch mask used (True = visible)."""

    restored: torch.Tensor
    logits: torch.Tensor
    mask: torch.Tensor
    features: list[torch.Tensor]


class MaskDCPT(nn.Module):
    """Wrap a backbone for masked degradation-classification pre-training."""

    def __init__(
        self,
        backbone: RestorationBackbone,
        num_classes: int,
        mask_ratio: float = DEFAULT_MASK_RATIO,
        mask_patch: int = DEFAULT_MASK_PATCH,
        residual_input: bool = False,
    ) -> None:
        super().__init__()
        if not 0.0 <= mask_ratio < 1.0:
            raise InputShapeError(f"mask_ratio must be in [0, 1), got {mask_ratio}")
        if mask_patch < 1 or mask_patch % backbone.downsampling_factor:
            raise InputShapeError(
                f"mask_patch {mask_patch} must be a positive multiple of the backbone's downsampling factor "
                f"{backbone.downsampling_factor}, so patches stay aligned at every scale"
            )
        self.backbone = backbone
        self.classifier = DegradationClassifier(backbone.feature_dims, num_classes)
        self.num_classes = num_classes
        self.mask_ratio = mask_ratio
        self.mask_patch = mask_patch
        self.residual_input = residual_input

    @property
    def size_multiple(self) -> int:
        """Crops must be multiples of this: the mask patch (itself a multiple of the downsampling)."""
        return self.mask_patch

    def draw_mask(self, images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """A fresh (B,1,H/p,W/p) visible-patch mask for this batch."""
        batch, _, height, width = images.shape
        if height % self.mask_patch or width % self.mask_patch:
            raise InputShapeError(
                f"crop size {height}x{width} is not a multiple of the mask patch {self.mask_patch}"
            )
        return random_patch_mask(
            batch,
            height // self.mask_patch,
            width // self.mask_patch,
            self.mask_ratio,
            generator,
            images.device,
        )

    def forward(
        self,
        images: torch.Tensor,
        generator: torch.Generator | None = None,
        mask: torch.Tensor | None = None,
    ) -> MaskDCPTOutput:
        """Mask `images` (new mask from `generator`, or the given `mask`), restore and classify."""
        if (generator is None) == (mask is None):
            raise InputShapeError("MaskDCPT.forward needs exactly one of generator= (draw a mask) or mask=")
        if mask is None:
            mask = self.draw_mask(images, generator)
        elif tuple(mask.shape[-2:]) != (
            images.shape[-2] // self.mask_patch,
            images.shape[-1] // self.mask_patch,
        ):
            raise InputShapeError(
                f"mask grid {tuple(mask.shape[-2:])} does not match {images.shape[-2]}x{images.shape[-1]} "
                f"images at mask_patch {self.mask_patch}"
            )
        restored, features = self.backbone.forward_masked(images, mask)
        if self.residual_input:
            restored = restored + images * expand_mask(mask, *images.shape[-2:]).to(images.dtype)
        return MaskDCPTOutput(
            restored=restored, logits=self.classifier(features), mask=mask, features=features
        )

    def backbone_parameters(self) -> list[nn.Parameter]:
        """Encoder parameters (paper: lr 3e-4): the backbone without its reconstruction head."""
        head_ids = {id(p) for p in self.backbone.reconstruction_head().parameters()}
        return [p for p in self.backbone.parameters() if id(p) not in head_ids]

    def head_parameters(self) -> list[nn.Parameter]:
        """Decoder parameters (paper: lr 1e-4): the classifier and the reconstruction head."""
        return list(self.classifier.parameters()) + list(self.backbone.reconstruction_head().parameters())
