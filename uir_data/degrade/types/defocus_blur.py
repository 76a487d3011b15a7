"""DB: defocus blur with an anti-aliased pillbox PSF, radius {1 … 12} px (docs/degradations.md).

A global disk is the focal-plane-only approximation (no depth). It runs in linear light; in a random share
of samples the light sources of a night scene are expanded first, so they open into bokeh discs rather than
dimming as in sRGB-domain blur. Surfaces are never expanded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.kernels.filtering import PADDING_NAME, convolve
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.types.motion_blur import sample_highlight_gain

RADII = (1, 2, 3, 4, 6, 8, 10, 12)


class DefocusBlur(Degradation):
    abbrev = "DB"
    # 2: radii in px of the image as degraded; light sources only, expanded in a random share of samples.
    algorithm_version = 2
    levels = tuple(Level(f"r-{r}", {"radius": r}, f"pillbox radius {r} px, linear light") for r in RADII)

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Radius from the level; the light-source gain is the only random part."""
        return {
            "radius_px": float(self.check_level(level).params["radius"]),
            "highlight_gain": sample_highlight_gain(rng),
            "domain": "linear",
            "padding": PADDING_NAME,
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blur radiance with the disk and re-encode."""
        return linear_to_srgb(defocus_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same bytes through the uint8 sRGB tables (color.apply_in_linear_light)."""
        return apply_in_linear_light(self, image, params, lambda linear: defocus_linear(linear, params))


def defocus_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Expand light sources by the recorded gain and convolve with the pillbox (linear in, linear out)."""
    radiance = expand_light_sources(linear, params["highlight_gain"])
    return convolve(radiance, disk_kernel(params["radius_px"]))
