"""PromptIR: official names/shapes (PromptIR and MaskPromptIR), plain forward, masked forward without leakage."""

import json
from pathlib import Path

import pytest
import torch

from maskdcpt.models import (
    BackboneArgumentError,
    create_backbone,
    expand_mask,
    load_official_weights,
    random_patch_mask,
)
from maskdcpt.models.masking import PatchMask
from maskdcpt.models.promptir import PromptGenBlock, PromptIR
from maskdcpt.models.restormer import TransformerBlock, TransformerStage

REFERENCE = Path(__file__).resolve().parents[2] / "data" / "official_state_dicts"
SIZE, PATCH = 32, 8


def reference(name):
    return json.loads((REFERENCE / name).read_text())


def small_promptir(**overrides):
    torch.manual_seed(0)  # parameter init only; data draws use explicit generators
    kwargs = dict(
        dim=8,
        num_blocks=[1, 1, 1, 1],
        num_refinement_blocks=1,
        heads=[1, 1, 2, 2],
        prompt_dims=[4, 8, 8],
        prompt_sizes=[8, 4, 2],
        prompt_len=3,
    )
    kwargs.update(overrides)
    return create_backbone("promptir", **kwargs).eval()


@pytest.mark.parametrize("name", ["PromptIR", "MaskPromptIR"])
def test_official_classes_have_the_released_names_shapes_order_and_count(name):
    spec = reference(f"{name}_maskdcpt.json")
    # Built from the official class's own defaults: PromptIR (released weights) has conv biases,
    # MaskPromptIR defaults to bias=False, which drops them.
    with torch.device("meta"):
        net = create_backbone(name, **spec["init_defaults"])
    ours = {key: list(tensor.shape) for key, tensor in net.state_dict().items()}
    assert list(ours.items()) == list(spec["keys"].items())
    assert sum(p.numel() for p in net.parameters()) == spec["params"]
    assert net.feature_dims == [96, 96, 192] and net.size_multiple == 8


@pytest.mark.parametrize("name", ["PromptIR", "MaskPromptIR"])
def test_released_style_checkpoints_load_strictly(name, tmp_path):
    spec = reference(f"{name}_maskdcpt.json")
    # The released PromptIR is the default configuration; MaskPromptIR is it with bias=False.
    net = create_backbone("promptir", **spec["kwargs"], **({} if name == "PromptIR" else {"bias": False}))
    generator = torch.Generator().manual_seed(0)
    state = {name: torch.randn(shape, generator=generator) for name, shape in spec["keys"].items()}
    path = tmp_path / f"{name}.pth"
    torch.save({"params_ema": state}, path)
    report = load_official_weights(net, path, strict=True)
    assert not (report.missing or report.unexpected or report.mismatched)
    assert torch.equal(net.state_dict()["prompt3.prompt_param"], state["prompt3.prompt_param"])


def test_plain_forward_is_head_plus_input_and_any_size_is_padded_and_cropped():
    net = small_promptir()
    images = torch.rand(2, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        everything_visible = torch.ones(2, 1, SIZE // PATCH, SIZE // PATCH, dtype=torch.bool)
        head, taps = net.forward_masked(images, everything_visible)
        assert torch.allclose(net(images), head + images, atol=1e-5)
        assert [tuple(tap.shape) for tap in taps] == [(2, 16, 32, 32), (2, 16, 16, 16), (2, 32, 8, 8)]
        odd = images[:, :, :27, :19]
        padded = torch.nn.functional.pad(odd, (0, 5, 0, 5), mode="reflect")
        assert torch.allclose(net(odd), net(padded)[..., :27, :19], atol=1e-6)
        net.output.weight.zero_()
        net.output.bias.zero_()
        assert torch.equal(net(odd), odd)


@pytest.mark.parametrize("bias", [False, True], ids=["maskpromptir", "promptir"])
def test_no_leakage_through_blocks_and_prompts(bias):
    net = small_promptir(bias=bias)
    generator = torch.Generator().manual_seed(2)
    images = torch.rand(2, 3, SIZE, SIZE, generator=generator)
    mask = random_patch_mask(2, SIZE // PATCH, SIZE // PATCH, 0.5, generator)
    visible = expand_mask(mask, SIZE, SIZE)
    changed = torch.where(visible, images, torch.rand(images.shape, generator=generator) * 5)
    prompts = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: prompts.append(out))
        for module in net.modules()
        if isinstance(module, PromptGenBlock)
    ]
    with torch.no_grad():
        restored, taps = net.forward_masked(images, mask)
        restored_changed, taps_changed = net.forward_masked(changed, mask)
    for hook in hooks:
        hook.remove()
    assert torch.equal(restored, restored_changed)
    for tap, tap_changed in zip(taps, taps_changed, strict=True):
        assert torch.equal(tap, tap_changed)
    assert len(prompts) == 6
    for prompt, prompt_changed in zip(prompts[:3], prompts[3:], strict=True):
        assert torch.equal(prompt, prompt_changed)
        masked_sites = expand_mask(mask, *prompt.shape[-2:]).logical_not().expand_as(prompt)
        assert torch.all(prompt[masked_sites] == 0) and prompt[masked_sites.logical_not()].abs().sum() > 0
    # Control: skip the input zeroing and the masked pixels reach the visible features.
    with torch.no_grad():
        _, leaky = net._forward_features(images, PatchMask(mask))
        _, leaky_changed = net._forward_features(changed, PatchMask(mask))
    assert not torch.allclose(leaky[0] * visible, leaky_changed[0] * visible)


def test_bias_free_residual_stream_stays_exactly_zero_at_masked_sites():
    net = small_promptir(bias=False)
    generator = torch.Generator().manual_seed(4)
    mask = random_patch_mask(2, SIZE // PATCH, SIZE // PATCH, 0.5, generator)
    outputs = []
    hooks = [
        module.register_forward_hook(lambda _m, _i, out: outputs.append(out))
        for name, module in net.named_modules()
        if isinstance(module, TransformerStage) or (isinstance(module, TransformerBlock) and "noise" in name)
    ]
    with torch.no_grad():
        net.forward_masked(torch.rand(2, 3, SIZE, SIZE, generator=generator), mask)
    for hook in hooks:
        hook.remove()
    assert len(outputs) == 8 + 3  # 8 stages and the 3 prompt-fusion blocks
    for output in outputs:
        masked_sites = expand_mask(mask, *output.shape[-2:]).logical_not().expand_as(output)
        assert torch.all(output[masked_sites] == 0)
        assert output[masked_sites.logical_not()].abs().sum() > 0


def test_prompt_weights_follow_the_features_and_argument_checks():
    block = PromptGenBlock(prompt_dim=4, prompt_len=3, prompt_size=4, lin_dim=6)
    features = torch.rand(2, 6, 8, 8, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        out = block(features)
        assert out.shape == (2, 4, 8, 8)
        assert not torch.allclose(out, block(features * 3))  # the prompt mix depends on the input
    assert isinstance(create_backbone("MaskPromptIR", dim=8, heads=[1, 1, 2, 2]), PromptIR)
    with pytest.raises(BackboneArgumentError, match="decoder=True"):
        small_promptir(decoder=False)
    with pytest.raises(BackboneArgumentError, match="4 levels"):
        small_promptir(num_blocks=[1, 1, 1])
