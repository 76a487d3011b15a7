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
    # A 1x1 conv + MaxPool + ReLU after every level, the last one included (it keeps the width 32).
    assert [tuple(conv.weight.shape) for conv in classifier.transitions] == [(16, 8, 1, 1), (32, 16, 1, 1), (32, 32, 1, 1)]
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


def test_transitions_keep_pytorchs_default_init_and_the_last_stage_sees_a_pooled_map():
    torch.manual_seed(0)
    classifier = DegradationClassifier([64, 64], num_classes=3)
    for conv in classifier.transitions:
        bound = 1 / conv.in_channels**0.5  # kaiming_uniform(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in))
        assert conv.weight.abs().max() <= bound and conv.weight.std() < 0.8 * bound
    spatial = classifier.stages[0][0].spatial.conv.weight  # MSRA (fan_out, ReLU): std sqrt(2 / (128 * 9))
    assert abs(spatial.std().item() - (2 / (128 * 9)) ** 0.5) < 0.003
    seen = []
    classifier.last_stage.register_forward_hook(lambda module, inputs, output: seen.append(inputs[0].shape))
    generator = torch.Generator().manual_seed(0)
    classifier(features(generator, dims=(64, 64), size=16))
    assert seen == [torch.Size([2, 64, 4, 4])]  # 16 -> pooled to 8 after level 0, to 4 after the last level
