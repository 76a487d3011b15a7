"""Official configs reproduce the released state-dict names/shapes, and released-style files load strictly."""

import json
from pathlib import Path

import pytest
import torch

from maskdcpt.models import OfficialWeightsError, create_backbone, load_official_weights

# Parameter names and shapes of the released MaskDCPT checkpoints (read from the official weight files),
# kept in tests/data so CI's clean clone has them.
REFERENCE = Path(__file__).resolve().parents[2] / "data" / "official_state_dicts"

CASES = [
    ("nafnet", "NAFNetBaseline_maskdcpt.json", "MaskNAFNetBaseline_maskdcpt.json"),
    ("restormer", "Restormer_maskdcpt.json", "MaskRestormer_maskdcpt.json"),
]


def reference(name):
    return json.loads((REFERENCE / name).read_text())


@pytest.fixture(scope="module", params=CASES, ids=[case[0] for case in CASES])
def official(request):
    backbone, plain_json, mask_json = request.param
    spec = reference(plain_json)
    net = create_backbone(backbone, **spec["kwargs"])
    return backbone, spec, reference(mask_json), net


def test_state_dict_names_and_shapes_equal_the_official(official):
    _, spec, mask_spec, net = official
    ours = {name: list(tensor.shape) for name, tensor in net.state_dict().items()}
    assert ours == spec["keys"]
    assert list(ours) == list(spec["keys"])  # same order as the released files, too
    # The Mask* archs of the official repo use the same names, so pre-trained weights transfer 1:1.
    assert ours == mask_spec["keys"]
    assert sum(p.numel() for p in net.parameters()) == spec["params"]


def test_released_style_checkpoint_loads_strictly(official, tmp_path):
    _, spec, _, net = official
    generator = torch.Generator().manual_seed(0)
    state = {name: torch.randn(shape, generator=generator) for name, shape in spec["keys"].items()}
    path = tmp_path / "released.pth"
    torch.save({"params_ema": state}, path)

    report = load_official_weights(net, path, key="params_ema", strict=True)

    assert not (report.missing or report.unexpected or report.mismatched)
    loaded = net.state_dict()
    for name in (next(iter(state)), "ending.weight" if "ending.weight" in state else "output.weight"):
        assert torch.equal(loaded[name], state[name])


def test_load_picks_params_ema_then_params_and_strips_wrapper_prefixes():
    net = create_backbone("nafnet", width=8, enc_blk_nums=[1], dec_blk_nums=[1])
    raw = {name: torch.full_like(value, 1.0) for name, value in net.state_dict().items()}
    ema = {f"module.{name}": torch.full_like(value, 2.0) for name, value in net.state_dict().items()}

    load_official_weights(net, {"params": raw, "params_ema": ema})
    assert torch.all(net.intro.weight == 2.0)
    load_official_weights(net, {"params": raw, "params_ema": ema}, key="params")
    assert torch.all(net.intro.weight == 1.0)


def test_safetensors_weights_load(tmp_path):
    from safetensors.torch import save_file

    net = create_backbone(
        "restormer", dim=8, num_blocks=[1, 1, 1, 1], num_refinement_blocks=1, heads=[1, 1, 2, 2]
    )
    state = {name: torch.full_like(value, 0.5) for name, value in net.state_dict().items()}
    path = tmp_path / "ema.safetensors"
    save_file(state, str(path))
    load_official_weights(net, path)
    assert all(torch.all(value == 0.5) for value in net.state_dict().values())


def test_mismatched_checkpoint_names_the_file_and_the_problem(tmp_path):
    net = create_backbone("nafnet", width=8, enc_blk_nums=[1], dec_blk_nums=[1])
    state = dict(net.state_dict())
    state.pop("ending.bias")
    state["intro.weight"] = torch.zeros(4, 3, 3, 3)
    state["extra.weight"] = torch.zeros(1)
    path = tmp_path / "wrong.pth"
    torch.save({"params": state}, path)

    with pytest.raises(OfficialWeightsError) as error:
        load_official_weights(net, path)
    message = str(error.value)
    assert str(path) in message
    assert "ending.bias" in message and "extra.weight" in message and "intro.weight (4, 3, 3, 3)" in message

    with pytest.raises(OfficialWeightsError, match="no 'params_ema' entry"):
        load_official_weights(net, path, key="params_ema")

    report = load_official_weights(net, path, strict=False)
    assert report.missing == ["ending.bias"] and report.unexpected == ["extra.weight"]
    assert len(report.mismatched) == 1


def test_unreadable_checkpoint_is_a_clear_error(tmp_path):
    net = create_backbone("nafnet", width=8, enc_blk_nums=[1], dec_blk_nums=[1])
    bad = tmp_path / "broken.pth"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(OfficialWeightsError, match="broken.pth: cannot read checkpoint") as refused:
        load_official_weights(net, bad)
    assert "weights_only" not in str(refused.value)  # torch's unsafe advice is never passed on
    with pytest.raises(OfficialWeightsError, match="not found"):
        load_official_weights(net, tmp_path / "absent.pth")
