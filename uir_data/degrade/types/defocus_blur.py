"""DB: defocus blur with an anti-aliased pillbox PSF, radius {1 … 12} px@512 (research/degradations.md §1.6).

A global disk is the focal-plane-only approximation (no depth). It runs in linear light with saturated
pixels expanded, so bright points open into bokeh discs rather than dimming as in sRGB-domain blur.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level, spatial_scale
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.kernels.filtering import PADDING_NAME, convolve
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.types.motion_blur import HIGHLIGHT_GAIN

RADII = (1, 2, 3, 4, 6, 8, 10, 12)


class DefocusBlur(Degradation):
    abbrev = "DB"
    levels = tuple(Level(f"r-{r}", {"radius": r}, f"pillbox radius {r} px@512, linear light") for r in RADII)

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Radius scaled to the image (the disk has no random part)."""
        radius = self.check_level(level).params["radius"] * spatial_scale(height, width)
        return {
            "radius_px": radius,
            "highlight_gain": HIGHLIGHT_GAIN,
            "domain": "linear",
            "padding": PADDING_NAME,
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blur radiance with the disk and re-encode."""
        radiance = expand_light_sources(srgb_to_linear(image), params["highlight_gain"])
        return linear_to_srgb(convolve(radiance, disk_kernel(params["radius_px"])))
