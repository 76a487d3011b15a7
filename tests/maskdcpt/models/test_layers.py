"""Dense channel LayerNorm times the mask equals the SparK gather/scatter MaskLayerNorm2d."""

import torch

from maskdcpt.models import PatchMask, random_patch_mask
from maskdcpt.models.layers import ChannelLayerNorm, masked_layer_norm_gather_scatter


def test_dense_masked_layernorm_equals_gather_scatter():
    generator = torch.Generator().manual_seed(1)
    features = torch.randn(3, 24, 32, 48, generator=generator) * 3 + 1
    mask = PatchMask(random_patch_mask(3, 2, 3, 0.5, generator))
    norm = ChannelLayerNorm(24)
    with torch.no_grad():
        norm.weight.copy_(torch.randn(24, generator=generator))
        norm.bias.copy_(torch.randn(24, generator=generator))

    dense = norm(features, mask)
    visible = mask.at(features).bool()
    reference = masked_layer_norm_gather_scatter(features, visible, norm.weight, norm.bias, norm.eps)

    assert torch.allclose(dense, reference, atol=1e-5)
    assert torch.all(dense[visible.expand_as(dense) == 0] == 0)
    # Gradients agree too: the dense form is a drop-in replacement during training.
    grad_dense = torch.autograd.grad(dense.square().sum(), norm.weight)[0]
    reference = masked_layer_norm_gather_scatter(features, visible, norm.weight, norm.bias, norm.eps)
    grad_reference = torch.autograd.grad(reference.square().sum(), norm.weight)[0]
    assert torch.allclose(grad_dense, grad_reference, rtol=1e-4, atol=1e-3)


def test_channel_layernorm_normalises_each_pixel_over_channels_with_eps_1e5():
    norm = ChannelLayerNorm(16)
    assert norm.eps == 1e-5  # MaskDCPT NAFNetBaseline: nn.LayerNorm over channels, eps 1e-5
    features = torch.randn(2, 16, 5, 6)
    normed = norm(features)
    assert torch.allclose(normed.mean(dim=1), torch.zeros(2, 5, 6), atol=1e-5)
    assert torch.allclose(normed.var(dim=1, unbiased=False), torch.ones(2, 5, 6), atol=1e-3)
    assert set(norm.state_dict()) == {"weight", "bias"}
