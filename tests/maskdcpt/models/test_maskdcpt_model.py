"""The MaskDCPT pre-training model: fresh masks, outputs, gradients, parameter groups."""

import pytest
import torch

from maskdcpt.models import (
    InputShapeError,
    MaskDCPT,
    MaskDCPTOutput,
    create_backbone,
    expand_mask,
    focal_loss,
)

SIZE = 32


def small_model(backbone="nafnet", **kwargs):
    torch.manual_seed(0)  # parameter init only
    if backbone == "nafnet":
        net = create_backbone("nafnet", width=8, enc_blk_nums=[1, 1], dec_blk_nums=[1, 1])
    else:
        net = create_backbone(
            "restormer", dim=8, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1, heads=[1, 1, 2, 2]
        )
    return MaskDCPT(net, num_classes=5, mask_ratio=0.5, mask_patch=8, **kwargs)


@pytest.mark.parametrize("backbone", ["nafnet", "restormer"])
def test_forward_outputs_and_reproducible_masks(backbone):
    model = small_model(backbone)
    images = torch.rand(3, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    out = model(images, generator=torch.Generator().manual_seed(11))
    assert isinstance(out, MaskDCPTOutput)
    assert out.restored.shape == (3, 3, SIZE, SIZE) and out.logits.shape == (3, 5)
    assert out.mask.shape == (3, 1, 4, 4) and out.mask.sum(dim=(1, 2, 3)).tolist() == [8, 8, 8]
    again = model(images, generator=torch.Generator().manual_seed(11))
    assert torch.equal(again.mask, out.mask) and torch.equal(again.logits, out.logits)
    given = model(images, mask=out.mask)
    assert torch.equal(given.restored, out.restored)
    next_step = model(images, generator=torch.Generator().manual_seed(12))
    assert not torch.equal(next_step.mask, out.mask)


def test_loss_backpropagates_into_backbone_classifier_and_level_weights():
    model = small_model("restormer")
    generator = torch.Generator().manual_seed(0)
    lq, gt = (
        torch.rand(2, 3, SIZE, SIZE, generator=generator),
        torch.rand(2, 3, SIZE, SIZE, generator=generator),
    )
    out = model(lq, generator=generator)
    loss = (out.restored - gt).abs().mean() + focal_loss(out.logits, torch.tensor([1, 4]))
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())
    assert model.classifier.level_weights.grad.abs().sum() > 0
    assert model.backbone.patch_embed.proj.weight.grad.abs().sum() > 0


def test_reconstruction_has_no_input_residual_unless_asked():
    model = small_model("nafnet")
    images = torch.rand(1, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        model.backbone.ending.weight.zero_()
        model.backbone.ending.bias.zero_()
        mask = torch.ones(1, 1, 4, 4, dtype=torch.bool)
        mask[0, 0, 0, 0] = False
        assert torch.equal(model(images, mask=mask).restored, torch.zeros_like(images))
        residual = small_model("nafnet", residual_input=True)
        residual.backbone.load_state_dict(model.backbone.state_dict())
        expected = images * expand_mask(mask, SIZE, SIZE)
        assert torch.equal(residual(images, mask=mask).restored, expected)


def test_parameter_groups_split_encoder_from_heads():
    model = small_model("nafnet")
    encoder = {id(p) for p in model.backbone_parameters()}
    heads = {id(p) for p in model.head_parameters()}
    assert not encoder & heads
    assert encoder | heads == {id(p) for p in model.parameters()}
    assert id(model.backbone.ending.weight) in heads and id(model.classifier.head.weight) in heads
    # The wrapped backbone keeps the official names: its state dict has no wrapper prefix.
    assert "intro.weight" in model.backbone.state_dict()


def test_bad_configuration_and_inputs_are_refused():
    net = create_backbone("nafnet", width=8, enc_blk_nums=[1, 1, 1], dec_blk_nums=[1, 1, 1])
    with pytest.raises(InputShapeError, match="multiple of the backbone's downsampling factor 8"):
        MaskDCPT(net, num_classes=3, mask_patch=4)
    model = small_model()
    with pytest.raises(InputShapeError, match="exactly one of"):
        model(torch.rand(1, 3, SIZE, SIZE))
    with pytest.raises(InputShapeError, match="does not match 32x32 images at mask_patch 8"):
        model(torch.rand(1, 3, SIZE, SIZE), mask=torch.ones(1, 1, 2, 2, dtype=torch.bool))
    with pytest.raises(InputShapeError, match="not a multiple of the mask patch 8"):
        model(torch.rand(1, 3, 36, 36), generator=torch.Generator())


@pytest.mark.parametrize("backbone", ["nafnet", "restormer"])
def test_masked_step_traces_as_one_graph_for_torch_compile(backbone):
    # Why the LayerNorm is dense: nonzero()-based gather/scatter has data-dependent shapes and breaks
    # the graph at every norm; the dense form keeps the whole masked forward one static graph.
    model = small_model(backbone)
    images = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(0))
    mask = model.draw_mask(images, torch.Generator().manual_seed(1))
    explanation = torch._dynamo.explain(model)(images, mask=mask)
    assert explanation.graph_count == 1 and explanation.graph_break_count == 0
