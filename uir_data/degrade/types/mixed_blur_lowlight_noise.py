"""BLN: motion blur + low light + sensor noise, L ∈ {9, 17, 27} px × exposure {1/8, 1/32, 1/128}.

Night blur happens in radiance: in a random half of the samples the light sources of a night scene (small
clipped regions, kernels/lowlight.py) are expanded to stay saturated after the exposure cut, and the long
exposure smears them into bright streaks (the main cue of real night blur); then the exposure is cut,
Poisson-Gaussian noise tied to the photon count is added, and the result is re-encoded to sRGB. Levels are
length-major; severity is checked along both grid axes.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.filtering import PADDING_NAME
from uir_data.degrade.kernels.lowlight import (
    BASE_PHOTONS,
    LIGHT_HEADROOM,
    READ_NOISE_ELECTRONS,
    apply_exposure,
)
from uir_data.degrade.types.mixed_blur_jpeg import grid_runs
from uir_data.degrade.types.motion_blur import LIGHT_SOURCE_SHARE, blur_linear_light, sample_motion_psf
from uir_data.seeding import draw_seed

LENGTHS = (9, 17, 27)
EXPOSURES = (1 / 8, 1 / 32, 1 / 128)


class BlurLowLightNoise(Degradation):
    abbrev = "BLN"
    # 2: lengths in px of the image as degraded; only real light sources expanded, in a random share.
    # 3: sensor/noise normal deviates by quantile table (kernels/noise.py): same statistics, new bytes.
    algorithm_version = 3
    levels = tuple(
        Level(
            f"len-{n}-ev-1/{round(1 / e)}",
            {"length": n, "exposure": e},
            f"motion {n} px, exposure 1/{round(1 / e)}, photon noise",
        )
        for n in LENGTHS
        for e in EXPOSURES
    )
    monotone_runs: ClassVar = grid_runs(len(LENGTHS), len(EXPOSURES))
    # At 1/32 and 1/128 the exposure cut sets PSNR (~8.7 / ~7.8 dB on the test photos); a longer streak of
    # expanded light sources brightens the dark frame slightly and can raise PSNR by < 0.02 dB.
    monotone_exceptions: ClassVar = {
        pair: "darkness dominates PSNR at this exposure; longer light streaks brighten the frame by < 0.02 dB"
        for pair in ((1, 4), (4, 7), (2, 5), (5, 8))
    }

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Record the three ops: motion PSF (with light-source gain), exposure, sensor noise."""
        spec = self.check_level(level).params
        psf = sample_motion_psf(rng, spec["length"], 1.0)
        exposure = spec["exposure"]
        keep_lights = bool(rng.random() < LIGHT_SOURCE_SHARE)
        blur = {
            "op": "MB",
            **psf,
            "highlight_gain": LIGHT_HEADROOM / exposure if keep_lights else 1.0,
            "domain": "linear",
            "padding": PADDING_NAME,
        }
        dark = {"op": "LL", "exposure": exposure, "domain": "linear"}
        noise = {
            "op": "GN",
            "model": "poisson-gaussian",
            "photons": BASE_PHOTONS,
            "read_noise": READ_NOISE_ELECTRONS,
            "seed": draw_seed(rng),
        }
        return {"ops": [blur, dark, noise]}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blur radiance, cut the exposure with photon noise, encode to sRGB."""
        return linear_to_srgb(render_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same bytes through the uint8 sRGB tables (color.apply_in_linear_light)."""
        return apply_in_linear_light(self, image, params, lambda linear: render_linear(linear, params))


def render_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Blur radiance, then cut the exposure with photon noise (linear in, linear out)."""
    blur, dark, noise = params["ops"]
    radiance = blur_linear_light(linear, blur)
    return apply_exposure(
        radiance, dark["exposure"], noise["photons"], noise["read_noise"], noise["seed"], keep_lights=False
    )
