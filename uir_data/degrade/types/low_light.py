"""LL: low light — linear exposure cut 1/2 … 1/256 with photon-tied Poisson-Gaussian noise.

Physics path (SID/ELD style) without the digital gain: the output stays dark, as in LOL.
Photon count at full scale and read noise are fixed (kernels/lowlight.py), so noise grows with darkness by
itself. In a random half of the samples the light sources of a night scene (small clipped regions,
kernels/lowlight.py) are kept saturated; no other pixel ends brighter than in the clean image.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.lowlight import BASE_PHOTONS, READ_NOISE_ELECTRONS, apply_exposure
from uir_data.degrade.types.motion_blur import LIGHT_SOURCE_SHARE
from uir_data.seeding import draw_seed

EXPOSURE_STOPS = (1, 2, 3, 4, 5, 6, 7, 8)  # exposure = 2^-stops: 1/2 … 1/256


class LowLight(Degradation):
    abbrev = "LL"
    # 2: only small clipped regions of night scenes count as lights, kept in a random share of samples.
    # 3: sensor/noise normal deviates by quantile table (kernels/noise.py): same statistics, new bytes.
    algorithm_version = 3
    levels = tuple(
        Level(
            f"ev-{s}",
            {"exposure": 2.0**-s},
            f"exposure 1/{2**s} in linear light, noise at {BASE_PHOTONS:g} e- full scale",
        )
        for s in EXPOSURE_STOPS
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Exposure from the level; the noise seed and whether light sources stay saturated are random."""
        seed = draw_seed(rng)
        return {
            "exposure": self.check_level(level).params["exposure"],
            "photons": BASE_PHOTONS,
            "read_noise": READ_NOISE_ELECTRONS,
            "keep_lights": bool(rng.random() < LIGHT_SOURCE_SHARE),
            "domain": "linear",
            "seed": seed,
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Darken in linear light, add sensor noise, re-encode to sRGB."""
        return linear_to_srgb(expose_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same bytes through the uint8 sRGB tables (color.apply_in_linear_light)."""
        return apply_in_linear_light(self, image, params, lambda linear: expose_linear(linear, params))


def expose_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """The recorded exposure cut with sensor noise (linear in, linear out)."""
    return apply_exposure(
        linear, params["exposure"], params["photons"], params["read_noise"], params["seed"], params["keep_lights"]
    )
