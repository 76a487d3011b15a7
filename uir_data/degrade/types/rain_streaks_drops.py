"""RSD: rain streaks in the scene, then drops on the glass that refract the already rainy scene."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.types.rain_streaks import RainStreaks, render_rain_linear
from uir_data.degrade.types.raindrops import Raindrops, render_drops_linear

# Level grid (1-based level numbers of RS and RD): 3 × 3 = 9 levels.
STREAK_LEVELS = (2, 4, 6)
DROP_LEVELS = (1, 3, 5)

_STREAKS = RainStreaks()
_DROPS = Raindrops()


def _index(streak_i: int, drop_i: int) -> int:
    return streak_i * len(DROP_LEVELS) + drop_i


class RainStreaksDrops(Degradation):
    abbrev = "RSD"
    # 2: RD's RainDrop-like drops and RS's streaks in px of the image as degraded.
    algorithm_version = 2
    levels = tuple(
        Level(
            f"RS{streak}-RD{drop}",
            {"streak_level": streak - 1, "drop_level": drop - 1},
            f"rain streaks {_STREAKS.levels[streak - 1].name} + raindrops {_DROPS.levels[drop - 1].name}",
        )
        for streak in STREAK_LEVELS
        for drop in DROP_LEVELS
    )
    # Lexicographic grid: severity grows along each axis with the other held fixed.
    monotone_runs = tuple(
        tuple(_index(s, d) for d in range(len(DROP_LEVELS))) for s in range(len(STREAK_LEVELS))
    ) + tuple(tuple(_index(s, d) for s in range(len(STREAK_LEVELS))) for d in range(len(DROP_LEVELS)))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        return {
            "streaks": _STREAKS.sample(rng, chosen["streak_level"], height, width),
            "drops": _DROPS.sample(rng, chosen["drop_level"], height, width),
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_linear(linear, params))


def render_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Optical order: streaks live in the scene, so the drops on the pane must refract them too."""
    return render_drops_linear(render_rain_linear(linear, params["streaks"]), params["drops"])
