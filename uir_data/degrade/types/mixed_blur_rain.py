"""BR: rain in the scene, then the whole composite blurred by the camera (research/degradations.md §1.18 A).

Camera shake or a soft lens blurs scene and streaks alike, so the rain is rendered first (RS) and the
blur kernel (MB's motion PSFs or a Gaussian lens PSF, from the shared kernels) is applied to the composite
in linear light, with saturated highlights expanded first as MB does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level, spatial_scale
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.blur_kernels import gaussian_kernel
from uir_data.degrade.kernels.filtering import PADDING_NAME, apply_psf
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.types.motion_blur import HIGHLIGHT_GAIN, blur_linear_light, sample_motion_psf
from uir_data.degrade.types.rain_streaks import RainStreaks, render_rain_linear

# §1.18 grid: blur ∈ {Gaussian σ 1.5, motion L 9, motion L 17} (px @512) × rain level ∈ {2, 4, 6} (1-based).
BLURS = (("gauss", 1.5), ("motion", 9.0), ("motion", 17.0))
RAIN_LEVELS = (2, 4, 6)

_RAIN = RainStreaks()


def _index(blur_i: int, rain_i: int) -> int:
    return blur_i * len(RAIN_LEVELS) + rain_i


class BlurRain(Degradation):
    abbrev = "BR"
    levels = tuple(
        Level(
            f"{kind}{size:g}-RS{rain}",
            {"blur": kind, "size": size, "rain_level": rain - 1},
            ("Gaussian σ" if kind == "gauss" else "motion length ") + f"{size:g} px@512 over rain "
            f"{_RAIN.levels[rain - 1].name}",
        )
        for kind, size in BLURS
        for rain in RAIN_LEVELS
    )
    # Lexicographic (§1.18): more rain at a fixed blur is always worse. Along the blur axis, a Gaussian
    # lens blur and a motion PSF are different families (σ 1.5 and L 9 measure within 0.5 dB of each
    # other), so each is only ordered below L 17; and under the heaviest rain (RS6, with veil) the blur
    # also averages the streaks away, which offsets the scene blur (measured flat within 0.3 dB), so that
    # rain level has no blur run.
    monotone_runs = tuple(
        tuple(_index(b, r) for r in range(len(RAIN_LEVELS))) for b in range(len(BLURS))
    ) + tuple((_index(b, r), _index(2, r)) for r in range(len(RAIN_LEVELS) - 1) for b in (0, 1))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        scale = spatial_scale(height, width)
        rain = _RAIN.sample(rng, chosen["rain_level"], height, width)
        if chosen["blur"] == "gauss":
            blur: dict[str, Any] = {"kernel": "gauss", "sigma_px": chosen["size"] * scale}
        else:
            blur = sample_motion_psf(rng, chosen["size"], scale)
        blur.update({"highlight_gain": HIGHLIGHT_GAIN, "padding": PADDING_NAME})
        return {"rain": rain, "blur": blur, "order": "rain-then-blur", "domain": "linear"}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        rainy = render_rain_linear(srgb_to_linear(image), params["rain"])
        blur = params["blur"]
        if blur["kernel"] == "gauss":
            sigma = max(blur["sigma_px"], 1e-3)
            radiance = expand_light_sources(rainy, blur.get("highlight_gain", 1.0))
            blurred = apply_psf(radiance, gaussian_kernel(sigma))
        else:
            blurred = blur_linear_light(rainy, blur)
        return linear_to_srgb(blurred)
