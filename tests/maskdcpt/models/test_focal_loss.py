"""Focal loss: -alpha_y (1 - p_y)^gamma log p_y, averaged over the batch."""

import pytest
import torch
import torch.nn.functional as F

from maskdcpt.models import focal_loss


def test_gamma_zero_without_alpha_is_cross_entropy():
    generator = torch.Generator().manual_seed(0)
    logits, labels = torch.randn(16, 5, generator=generator), torch.randint(0, 5, (16,), generator=generator)
    assert torch.allclose(focal_loss(logits, labels, gamma=0.0), F.cross_entropy(logits, labels))


def test_matches_the_formula_and_down_weights_easy_examples():
    logits = torch.tensor([[4.0, 0.0, 0.0], [0.0, 0.5, 0.0]])
    labels = torch.tensor([0, 1])
    p = logits.softmax(dim=1)[torch.arange(2), labels]
    expected = (-((1 - p) ** 2) * p.log()).mean()
    assert torch.allclose(focal_loss(logits, labels, gamma=2.0), expected)
    per_example_ce = F.cross_entropy(logits, labels, reduction="none")
    ratio = torch.stack([focal_loss(logits[i : i + 1], labels[i : i + 1], gamma=2.0) for i in range(2)]) / per_example_ce
    assert ratio[0] < ratio[1] < 1  # the confident example is damped more


def test_alpha_scalar_and_per_class():
    generator = torch.Generator().manual_seed(1)
    logits, labels = torch.randn(8, 3, generator=generator), torch.tensor([0, 1, 2, 0, 1, 2, 0, 0])
    base = focal_loss(logits, labels)
    assert torch.allclose(focal_loss(logits, labels, alpha=0.25), 0.25 * base)
    weights = torch.tensor([1.0, 2.0, 3.0])
    p = logits.softmax(dim=1)[torch.arange(8), labels]
    expected = (-weights[labels] * (1 - p) ** 2 * p.log()).mean()
    assert torch.allclose(focal_loss(logits, labels, gamma=2.0, alpha=[1.0, 2.0, 3.0]), expected)
    with pytest.raises(ValueError, match="one weight per class"):
        focal_loss(logits, labels, alpha=[1.0, 2.0])


def test_bf16_logits_give_a_float32_loss_with_gradients():
    logits = torch.randn(4, 3, generator=torch.Generator().manual_seed(2)).bfloat16().requires_grad_()
    loss = focal_loss(logits, torch.tensor([0, 1, 2, 0]))
    assert loss.dtype == torch.float32
    loss.backward()
    assert logits.grad is not None and torch.isfinite(logits.grad.float()).all()


def test_default_gamma_is_the_official_classes_default_cross_entropy():
    logits, labels = torch.randn(5, 4, generator=torch.Generator().manual_seed(3)), torch.tensor([0, 1, 2, 3, 0])
    assert torch.allclose(focal_loss(logits, labels), F.cross_entropy(logits, labels))
