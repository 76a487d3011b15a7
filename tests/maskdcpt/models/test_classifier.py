"""The degradation classifier follows PromptIR_NoImg_DC: level weights, bottleneck stages, LN eps 1e-6."""

import pytest
import torch
from torch import nn

from maskdcpt.models import DegradationClassifier, InputShapeError
from maskdcpt.models.classifier import Bottleneck
from maskdcpt.models.layers import ChannelLayerNorm


def features(generator, dims=(8, 16, 32), size=16, batch=2):
    return [
        torch.randn(batch, dim, size >> level, size >> level, generator=generator)
        for level, dim in enumerate(dims)
    ]


def test_structure_matches_the_official_design():
    classifier = DegradationClassifier([8, 16, 32], num_classes=7)
    assert torch.equal(classifier.level_weights.detach(), torch.ones(3))
    assert [len(stage) for stage in classifier.stages] == [2, 2, 2] and len(classifier.last_stage) == 2
    assert [conv.out_channels for conv in classifier.transitions] == [16, 32]
    assert all(conv.bias is None for conv in classifier.modules() if isinstance(conv, nn.Conv2d))
    assert all(norm.eps == 1e-6 for norm in classifier.modules() if isinstance(norm, ChannelLayerNorm))
    first = classifier.stages[0][0]
    assert isinstance(first, Bottleneck) and first.reduce.conv.out_channels == 16  # 2x the feature width
    assert classifier.head.out_features == 7


def test_logits_depend_on_every_level_through_softmax_weights():
    generator = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    classifier = DegradationClassifier([8, 16, 32], num_classes=4).eval()
    inputs = features(generator)
    logits = classifier(inputs)
    assert logits.shape == (2, 4)
    for level in range(3):
        changed = list(inputs)
        changed[level] = changed[level] + 1.0
        assert not torch.allclose(classifier(changed), logits)
    # Scaling all raw level weights equally leaves the softmax (and the logits) unchanged.
    with torch.no_grad():
        classifier.level_weights.add_(3.0)
    assert torch.allclose(classifier(inputs), logits, atol=1e-6)


def test_wrong_levels_are_refused():
    classifier = DegradationClassifier([8, 16], num_classes=2)
    generator = torch.Generator().manual_seed(0)
    with pytest.raises(InputShapeError, match="expects 2 feature levels"):
        classifier(features(generator))
    with pytest.raises(InputShapeError, match="has 12 channels, expected 16"):
        classifier(features(generator, dims=(8, 12)))
