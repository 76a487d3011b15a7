"""Checkpoints of the original NAFNet/Restormer/PromptIR/SwinIR repositories load after renaming, strictly."""

import re

import pytest
import torch

from maskdcpt.models import OfficialWeightsError, create_backbone, load_official_weights
from maskdcpt.models.convert import convert_state_dict

# Names as each original repository's arch file registers them -> MaskDCPT's names.
KNOWN_PAIRS = {
    "encoder_level1.0.norm1.body.weight": "encoder_level1.blocks.0.norm1.weight",
    "encoder_level1.0.norm1.body.bias": "encoder_level1.blocks.0.norm1.bias",
    "latent.7.attn.qkv_dwconv.weight": "latent.blocks.7.attn.qkv_dwconv.weight",
    "refinement.3.norm2.body.weight": "refinement.blocks.3.norm2.weight",
    "refinement.3.norm2.body.bias": "refinement.blocks.3.norm2.bias",
    "down3_4.body.0.weight": "down3_4.conv.weight",
    "up2_1.body.0.weight": "up2_1.conv.weight",
    "noise_level2.norm1.body.weight": "noise_level2.norm1.weight",
    "noise_level2.norm1.body.bias": "noise_level2.norm1.bias",
    "reduce_noise_level1.weight": "reduce_noise_level1.weight",
    "encoders.3.27.conv2.weight": "encoders.3.blocks.27.conv2.weight",
    "middle_blks.0.sca.1.weight": "middle_blks.blocks.0.sca.1.weight",
    "decoders.2.0.norm1.weight": "decoder2.blocks.0.norm1.weight",
    "ups.1.0.weight": "ups.1.0.weight",
    "layers.2.residual_group.blocks.5.attn.qkv.weight": "encode_layers.2.residual_group.blocks.5.attn.qkv.weight",
    "layers.3.conv.bias": "decode_layers0.conv.bias",
    "layers.5.residual_group.blocks.0.mlp.fc2.weight": "decode_layers2.residual_group.blocks.0.mlp.fc2.weight",
}


def test_each_rule_gives_the_maskdcpt_name():
    state = {name: torch.zeros(1) for name in KNOWN_PAIRS}
    state["layers.0.residual_group.blocks.1.attn_mask"] = torch.zeros(1)  # six SwinIR layers in all
    state["layers.4.residual_group.blocks.0.attn.relative_position_index"] = torch.zeros(1)
    state["chnl_reduce3.weight"] = torch.zeros(1)
    state["reduce_noise_channel_2.weight"] = torch.zeros(1)
    conversion = convert_state_dict(state)
    assert list(conversion.state) == list(KNOWN_PAIRS.values())
    assert conversion.dropped == [
        "layers.0.residual_group.blocks.1.attn_mask",
        "layers.4.residual_group.blocks.0.attn.relative_position_index",
        "chnl_reduce3.weight",
        "reduce_noise_channel_2.weight",
    ]


@pytest.mark.parametrize("backbone", ["nafnet", "restormer", "promptir", "swinir"])
def test_maskdcpt_names_are_left_alone(backbone):
    state = tiny(backbone).state_dict()
    conversion = convert_state_dict(state)
    assert list(conversion.state) == list(state) and conversion.renamed == 0 and not conversion.dropped


def tiny(backbone, **overrides):
    torch.manual_seed(0)
    kwargs = {
        "nafnet": dict(width=8, enc_blk_nums=[1, 2], dec_blk_nums=[2, 1], middle_blk_num=2),
        "restormer": dict(dim=8, num_blocks=[1, 2, 1, 2], num_refinement_blocks=2, heads=[1, 1, 2, 2],
                          LayerNorm_type="WithBias"),
        "promptir": dict(dim=8, num_blocks=[1, 2, 1, 2], num_refinement_blocks=2, heads=[1, 1, 2, 2],
                         prompt_dims=[4, 8, 8], prompt_sizes=[8, 4, 2], prompt_len=2, bias=False),
        "swinir": dict(img_size=16, embed_dim=12, depths=[2, 2, 2, 2], num_heads=[2, 2, 2, 2],
                       relative_position_bias=True, shifted_window_mask=True),
    }[backbone]
    kwargs.update(overrides)
    return create_backbone(backbone, **kwargs).eval()


def original_names(backbone, name):
    """Hand-written inverse of the renames: the name the original repository uses."""
    if backbone == "nafnet":
        name = re.sub(r"^(encoders\.\d+)\.blocks\.", r"\1.", name)
        name = re.sub(r"^middle_blks\.blocks\.", "middle_blks.", name)
        return re.sub(r"^decoder(\d+)\.blocks\.", r"decoders.\1.", name)
    if backbone in ("restormer", "promptir"):
        name = re.sub(r"^(encoder_level\d|decoder_level\d|latent|refinement)\.blocks\.", r"\1.", name)
        name = re.sub(r"\.(norm\d)\.(weight|bias)$", r".\1.body.\2", name)
        return re.sub(r"^((?:down|up)\d_\d)\.conv\.", r"\1.body.0.", name)
    name = re.sub(r"^encode_layers\.(\d)\.", r"layers.\1.", name)
    return re.sub(r"^decode_layers(\d)\.", lambda m: f"layers.{int(m.group(1)) + 2}.", name)


def original_checkpoint(backbone, net):
    """The container each original repository saves, with its extra entries."""
    generator = torch.Generator().manual_seed(1)
    state = {original_names(backbone, name): torch.randn(value.shape, generator=generator)
             for name, value in net.state_dict().items()}
    if backbone == "promptir":  # Lightning: module weights under state_dict, prefixed by the attribute name
        state["chnl_reduce1.weight"] = torch.zeros(4, 4, 1, 1)
        state["reduce_noise_channel_1.weight"] = torch.zeros(8, 12, 1, 1)
        return {"state_dict": {f"net.{name}": value for name, value in state.items()}, "epoch": 120}
    if backbone == "swinir":
        state["layers.0.residual_group.blocks.1.attn_mask"] = torch.zeros(4, 64, 64)
        state["layers.0.residual_group.blocks.0.attn.relative_position_index"] = torch.zeros(64, 64)
    return {"params": state}


@pytest.mark.parametrize("backbone", ["nafnet", "restormer", "promptir", "swinir"])
def test_original_repository_checkpoints_load_strictly_into_the_right_parameters(backbone, tmp_path):
    checkpoint = original_checkpoint(backbone, tiny(backbone))
    path = tmp_path / "original.pth"
    torch.save(checkpoint, path)
    net = tiny(backbone)
    report = load_official_weights(net, path, strict=True)
    assert not (report.missing or report.unexpected or report.mismatched)
    inner = checkpoint.get("state_dict", checkpoint.get("params"))
    for name, value in net.state_dict().items():
        original = original_names(backbone, name)
        assert torch.equal(value, inner[f"net.{original}" if backbone == "promptir" else original])


def test_bias_free_restormer_is_refused_with_the_reason(tmp_path):
    state = {name: value for name, value in original_checkpoint("restormer", tiny("restormer"))["params"].items()
             if not name.endswith("norm1.body.bias")}
    path = tmp_path / "real_denoising.pth"
    torch.save({"params": state}, path)
    with pytest.raises(OfficialWeightsError, match="real_denoising.pth uses Restormer's BiasFree LayerNorm"):
        load_official_weights(tiny("restormer"), path)


def test_a_mismatch_names_the_constructor_argument_that_fits(tmp_path):
    swinir = tmp_path / "swinir_original.pth"
    torch.save(original_checkpoint("swinir", tiny("swinir")), swinir)
    plain = tiny("swinir", relative_position_bias=False, shifted_window_mask=False)
    with pytest.raises(OfficialWeightsError, match="relative_position_bias = true and shifted_window_mask = true"):
        load_official_weights(plain, swinir)
    promptir = tmp_path / "promptir_original.ckpt"
    torch.save(original_checkpoint("promptir", tiny("promptir")), promptir)
    with pytest.raises(OfficialWeightsError, match="no conv biases: build the backbone with bias = false"):
        load_official_weights(tiny("promptir", bias=True), promptir)
