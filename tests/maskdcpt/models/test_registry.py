"""The backbone registry: creation by name or official class name, clear errors."""

import pytest

from maskdcpt.models import (
    BackboneArgumentError,
    NAFNetBaseline,
    Restormer,
    UnknownBackboneError,
    available_backbones,
    create_backbone,
)
from uir_data.errors import UsageError


def test_names_and_official_aliases():
    assert available_backbones() == ["nafnet", "promptir", "restormer", "swinir"]
    assert isinstance(create_backbone("NAFNetBaseline", width=8), NAFNetBaseline)
    assert isinstance(create_backbone("MaskRestormer", dim=8, heads=[1, 1, 2, 2]), Restormer)


def test_unknown_name_and_unknown_argument_are_usage_errors():
    with pytest.raises(
        UnknownBackboneError, match="unknown backbone 'swinunet'; available: nafnet, promptir, restormer, swinir"
    ):
        create_backbone("swinunet")
    with pytest.raises(BackboneArgumentError, match="does not accept depth") as error:
        create_backbone("nafnet", depth=3)
    assert isinstance(error.value, UsageError) and "enc_blk_nums" in str(error.value)
    with pytest.raises(BackboneArgumentError, match="one decoder stage per encoder stage"):
        create_backbone("nafnet", enc_blk_nums=[1, 1], dec_blk_nums=[1])
