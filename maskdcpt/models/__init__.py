"""MaskDCPT models: backbones with the official parameter names, masking, classifier, focal loss."""

from maskdcpt.models import nafnet as _nafnet  # noqa: F401 - importing registers the backbone
from maskdcpt.models import promptir as _promptir  # noqa: F401 - importing registers the backbone
from maskdcpt.models import restormer as _restormer  # noqa: F401 - importing registers the backbone
from maskdcpt.models import swinir as _swinir  # noqa: F401 - importing registers the backbone
from maskdcpt.models.base import RestorationBackbone
from maskdcpt.models.classifier import DegradationClassifier
from maskdcpt.models.errors import (
    BackboneArgumentError,
    InputShapeError,
    OfficialWeightsError,
    UnknownBackboneError,
)
from maskdcpt.models.losses import DEFAULT_FOCAL_GAMMA, focal_loss
from maskdcpt.models.maskdcpt import DEFAULT_MASK_PATCH, DEFAULT_MASK_RATIO, MaskDCPT, MaskDCPTOutput
from maskdcpt.models.masking import PatchMask, expand_mask, pad_to_multiple, random_patch_mask
from maskdcpt.models.nafnet import NAFNetBaseline
from maskdcpt.models.official import LoadReport, load_official_weights, read_checkpoint
from maskdcpt.models.registry import available_backbones, create_backbone, register_backbone
from maskdcpt.models.restormer import Restormer

__all__ = [
    "DEFAULT_FOCAL_GAMMA",
    "DEFAULT_MASK_PATCH",
    "DEFAULT_MASK_RATIO",
    "BackboneArgumentError",
    "DegradationClassifier",
    "InputShapeError",
    "LoadReport",
    "MaskDCPT",
    "MaskDCPTOutput",
    "NAFNetBaseline",
    "OfficialWeightsError",
    "PatchMask",
    "Restormer",
    "RestorationBackbone",
    "UnknownBackboneError",
    "available_backbones",
    "create_backbone",
    "expand_mask",
    "focal_loss",
    "load_official_weights",
    "pad_to_multiple",
    "random_patch_mask",
    "read_checkpoint",
    "register_backbone",
]
