"""Explicit registry: type abbreviation -> the module that defines its Degradation class.

Modules are imported on first use, so `uir degradations` and the CLI start fast and one broken type
cannot stop the others from being listed.
"""

from __future__ import annotations

import importlib
from functools import cache

from uir_data.degrade.base import Degradation
from uir_data.taxonomy import ABBREVS, get_type

# Each module defines exactly one Degradation subclass whose `abbrev` is the key.
MODULES: dict[str, str] = {
    "GN": "uir_data.degrade.types.gaussian_noise",
    "RN": "uir_data.degrade.types.camera_noise",
    "MB": "uir_data.degrade.types.motion_blur",
    "DB": "uir_data.degrade.types.defocus_blur",
    "GB": "uir_data.degrade.types.gaussian_blur",
    "J": "uir_data.degrade.types.jpeg",
    "H": "uir_data.degrade.types.haze",
    "RS": "uir_data.degrade.types.rain_streaks",
    "RD": "uir_data.degrade.types.raindrops",
    "RSD": "uir_data.degrade.types.rain_streaks_drops",
    "S": "uir_data.degrade.types.snow",
    "MS": "uir_data.degrade.types.mosaic",
    "LL": "uir_data.degrade.types.low_light",
    "MR": "uir_data.degrade.types.moire",
    "BJ": "uir_data.degrade.types.mixed_blur_jpeg",
    "BR": "uir_data.degrade.types.mixed_blur_rain",
    "BLN": "uir_data.degrade.types.mixed_blur_lowlight_noise",
    "LHRS": "uir_data.degrade.types.mixed_lowlight_haze_rain_snow",
    "DNBJ": "uir_data.degrade.types.mixed_high_order",
}
assert tuple(MODULES) == ABBREVS, "registry and taxonomy must list the same types in the same order"


class NotImplementedTypeError(LookupError):
    """A taxonomy type whose synthesis module is not available in this build of the engine."""


@cache
def get_degradation(abbrev: str) -> Degradation:
    """The (stateless, shared) Degradation instance for a type abbreviation."""
    abbrev = get_type(abbrev).abbrev
    module_name = MODULES[abbrev]
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name != module_name:
            raise
        raise NotImplementedTypeError(f"degradation type {abbrev} has no synthesis module yet") from None
    found = [
        obj
        for obj in vars(module).values()
        if isinstance(obj, type) and issubclass(obj, Degradation) and getattr(obj, "abbrev", None) == abbrev
    ]
    if len(found) != 1:
        raise LookupError(f"{module_name} must define exactly one Degradation with abbrev {abbrev!r}")
    return found[0]()


def implemented_types() -> tuple[str, ...]:
    """Abbreviations whose synthesis modules import, in taxonomy order."""
    available = []
    for abbrev in ABBREVS:
        try:
            get_degradation(abbrev)
        except NotImplementedTypeError:
            continue
        available.append(abbrev)
    return tuple(available)
