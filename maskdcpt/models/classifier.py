"""The degradation classifier of (Mask)DCPT: a ResNet18-like net fed the backbone's decoder features.

Design = `PromptIR_NoImg_DC` of the official repos: softmax-normalised learnable level weights
(initialised to ones); for each level i, h = Bottleneck x2 (h + w_i * F_i), then 1x1 conv (no bias) ->
MaxPool 2 -> ReLU to the next level's width; the last level too (its width kept), so the last stage sees
a map halved once more; then a last stage of Bottleneck x2, global mean and a Linear layer. The
bottleneck is Detectron2's BottleneckBlock with channel LayerNorm (eps 1e-6) instead of BatchNorm,
bottleneck width 2x the feature width, bias-free convs, MSRA init; the 1x1 transitions keep PyTorch's
default conv init, as in the official code.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from maskdcpt.models.errors import InputShapeError
from maskdcpt.models.layers import ChannelLayerNorm

CLASSIFIER_NORM_EPS = 1e-6  # Detectron2's channels-first LayerNorm default, used by the official classifier
BOTTLENECK_EXPANSION = 2  # bottleneck_channels = 2 x feature width (official PromptIR_NoImg_DC)
BLOCKS_PER_STAGE = 2  # two bottlenecks per stage: ResNet18-like depth (paper §IV-B-2)


def msra_fill(conv: nn.Conv2d) -> None:
    """Detectron2's c2_msra_fill: Kaiming normal (fan_out, ReLU), zero bias."""
    nn.init.kaiming_normal_(conv.weight, mode="fan_out", nonlinearity="relu")
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class ConvNorm(nn.Module):
    """Bias-free conv followed by a channel LayerNorm."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, padding=kernel_size // 2, bias=False)
        self.norm = ChannelLayerNorm(out_channels, eps=CLASSIFIER_NORM_EPS)
        msra_fill(self.conv)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.norm(self.conv(features))


class Bottleneck(nn.Module):
    """1x1 -> LN -> ReLU -> 3x3 -> LN -> ReLU -> 1x1 -> LN, plus identity, ReLU (width-preserving)."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        inner = channels * BOTTLENECK_EXPANSION
        self.reduce = ConvNorm(channels, inner, 1)
        self.spatial = ConvNorm(inner, inner, 3)
        self.expand = ConvNorm(inner, channels, 1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        hidden = F.relu(self.reduce(features))
        hidden = F.relu(self.spatial(hidden))
        return F.relu(self.expand(hidden) + features)


def bottleneck_stage(channels: int) -> nn.Sequential:
    """BLOCKS_PER_STAGE bottlenecks at one width."""
    return nn.Sequential(*(Bottleneck(channels) for _ in range(BLOCKS_PER_STAGE)))


class DegradationClassifier(nn.Module):
    """Predict the degradation class from decoder features ordered highest resolution first."""

    def __init__(self, feature_dims: Sequence[int], num_classes: int) -> None:
        super().__init__()
        if not feature_dims:
            raise InputShapeError("the degradation classifier needs at least one feature level")
        if num_classes < 1:
            raise InputShapeError(f"num_classes must be positive, got {num_classes}")
        self.feature_dims = list(feature_dims)
        self.num_classes = num_classes
        self.level_weights = nn.Parameter(torch.ones(len(self.feature_dims)))
        self.stages = nn.ModuleList(bottleneck_stage(dim) for dim in self.feature_dims)
        widths_after = [*self.feature_dims[1:], self.feature_dims[-1]]  # the last level keeps its width
        self.transitions = nn.ModuleList(
            nn.Conv2d(dim, next_dim, 1, bias=False) for dim, next_dim in zip(self.feature_dims, widths_after, strict=True)
        )
        self.last_stage = bottleneck_stage(self.feature_dims[-1])
        self.head = nn.Linear(self.feature_dims[-1], num_classes)

    def forward(self, features: Sequence[torch.Tensor]) -> torch.Tensor:
        """Return (B, num_classes) logits."""
        if len(features) != len(self.feature_dims):
            raise InputShapeError(
                f"the classifier expects {len(self.feature_dims)} feature levels, got {len(features)}"
            )
        weights = self.level_weights.softmax(dim=0)
        hidden: torch.Tensor | int = 0
        for level, (feature, stage) in enumerate(zip(features, self.stages, strict=True)):
            if feature.shape[1] != self.feature_dims[level]:
                raise InputShapeError(
                    f"feature level {level} has {feature.shape[1]} channels, expected {self.feature_dims[level]}"
                )
            mixed = hidden + weights[level] * feature
            hidden = F.relu(F.max_pool2d(self.transitions[level](stage(mixed)), 2))
        hidden = self.last_stage(hidden)
        return self.head(hidden.mean(dim=(2, 3)))
