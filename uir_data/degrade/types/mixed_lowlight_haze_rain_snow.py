"""LHRS: a night storm — rain and snow in the scene, haze over both, then a short exposure with sensor
noise (the "physical order" variant; docs/degradations.md).

OneRestore's CDD-11 applies haze last, after darkening; physically the veil scatters light from the
scene together with the falling rain and snow, and the exposure cut dims the airlight too (night haze is
dark), so the order here is scene → rain + snow → haze → exposure + Poisson-Gaussian noise → sRGB.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear, to_float
from uir_data.degrade.kernels.lowlight import BASE_PHOTONS, READ_NOISE_ELECTRONS, apply_exposure
from uir_data.degrade.types.haze import AIRLIGHTS, BETAS, Haze, render_haze_linear
from uir_data.degrade.types.rain_streaks import RainStreaks, render_rain_linear
from uir_data.degrade.types.snow import Snow, render_snow_linear
from uir_data.seeding import draw_seed

# Coupled presets L1-L5: exposure 1/2 … 1/32, rain level {1, 2, 4, 5, 6}, snow level 1-5 (1-based).
# The note's β {0.5 … 2.5} is the first five steps of its own haze grid; H recalibrates that grid to RESIDE
# (types/haze.py), so the presets take H's first five β values.
EXPOSURES = (1 / 2, 1 / 4, 1 / 8, 1 / 16, 1 / 32)
HAZE_BETA_INDEX = (0, 1, 2, 3, 4)
RAIN_LEVELS = (1, 2, 4, 5, 6)
SNOW_LEVELS = (1, 2, 3, 4, 5)
AIRLIGHT_RANGE = (0.6, 0.9)  # OneRestore CDD-11: A ~ U[0.6, 0.9]

_HAZE = Haze()
_RAIN = RainStreaks()
_SNOW = Snow()


class LowlightHazeRainSnow(Degradation):
    abbrev = "LHRS"
    # 2: H's content-aware depth and recalibrated β (the depth read from the clean image).
    # 3: sensor/noise normal deviates by quantile table (kernels/noise.py) and S's version-3 flakes: same
    # statistics, new bytes.
    algorithm_version = 3
    levels = tuple(
        Level(
            f"L{i + 1}",
            {
                "exposure": EXPOSURES[i],
                "beta": BETAS[HAZE_BETA_INDEX[i]],
                "rain_level": RAIN_LEVELS[i] - 1,
                "snow_level": SNOW_LEVELS[i] - 1,
            },
            f"exposure 1/{round(1 / EXPOSURES[i])}, haze β={BETAS[HAZE_BETA_INDEX[i]]:g}, "
            f"rain {_RAIN.levels[RAIN_LEVELS[i] - 1].name}, snow {_SNOW.levels[SNOW_LEVELS[i] - 1].name}",
        )
        for i in range(len(EXPOSURES))
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        rain = _RAIN.sample(rng, chosen["rain_level"], height, width)
        snow = _SNOW.sample(rng, chosen["snow_level"], height, width)
        # H's sampler draws the depth field, heterogeneity and tint; the level fixes β, A is redrawn.
        haze = _HAZE.sample(rng, HAZE_BETA_INDEX[level] * len(AIRLIGHTS), height, width)
        airlight = float(rng.uniform(*AIRLIGHT_RANGE))
        haze["airlight"] = [min(value * airlight / AIRLIGHTS[0], 1.0) for value in haze["airlight"]]
        exposure = {
            "exposure": chosen["exposure"],
            "photons": BASE_PHOTONS,
            "read_noise": READ_NOISE_ELECTRONS,
            "keep_lights": True,
            "seed": draw_seed(rng),
        }
        return {"rain": rain, "snow": snow, "haze": haze, "exposure": exposure,
                "order": ["rain", "snow", "haze", "exposure"], "domain": "linear"}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_linear(srgb_to_linear(image), params, image))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        guide = to_float(image)
        return apply_in_linear_light(self, image, params, lambda linear: render_linear(linear, params, guide))


def render_linear(linear: np.ndarray, params: dict[str, Any], guide_srgb: np.ndarray) -> np.ndarray:
    """Rain, snow, haze (depth read from the clean sRGB `guide_srgb`), then the short noisy exposure."""
    linear = render_rain_linear(linear, params["rain"])
    linear = render_snow_linear(linear, params["snow"])
    linear = render_haze_linear(linear, params["haze"], guide_srgb)
    exposure = params["exposure"]
    return apply_exposure(np.clip(linear, 0.0, 1.0), exposure["exposure"], exposure["photons"],
                          exposure["read_noise"], exposure["seed"], exposure["keep_lights"])
