"""RD: adherent raindrops on glass that refract a flipped, minified scene, defocused (§1.11)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level, spatial_scale
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.raindrops import render_raindrops

# research/degradations.md §1.11 grid: (drop count, radius as % of the short side, merging allowed).
GRID = (
    ((5, 10), (2.0, 4.0), False),
    ((10, 20), (2.0, 5.0), False),
    ((20, 35), (2.0, 6.0), False),
    ((35, 50), (2.0, 7.0), False),
    ((50, 80), (1.0, 8.0), False),
    ((80, 120), (1.0, 8.0), True),
)
# Focus variants (§1.11): the camera usually focuses on the scene, so drops are defocused; sometimes on
# the pane (sharp drops). Blur in px @512.
BACKGROUND_FOCUS_PROBABILITY = 0.75
BACKGROUND_FOCUS_BLUR = (1.5, 3.0)
DROP_FOCUS_BLUR = 0.4
PLACEMENT_TRIES = 30  # rejection-sampling attempts per drop before it is left out (no-merge levels)


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"L{i + 1}-{count[0]}-{count[1]}drops",
            {"count": list(count), "radius_pct": list(radius), "merge": merge},
            f"{count[0]}-{count[1]} drops of radius {radius[0]:g}-{radius[1]:g}% of the short side"
            + (", merging" if merge else ""),
        )
        for i, (count, radius, merge) in enumerate(GRID)
    )


def place_drops(rng: np.random.Generator, count: int, radius_range_px: tuple[float, float], height: int,
                width: int, merge: bool) -> list[list[float]]:
    """Drop records [x, y, radius, sag, magnification]; without `merge`, drops do not overlap."""
    drops: list[list[float]] = []
    for _ in range(count):
        radius = float(rng.uniform(*radius_range_px))
        sag = float(rng.uniform(1.0, 1.4))
        magnification = float(rng.uniform(1.5, 3.0))
        for _ in range(1 if merge else PLACEMENT_TRIES):
            x = float(rng.uniform(0, width))
            y = float(rng.uniform(0, height))
            if merge or all(
                math.hypot(x - other[0], y - other[1]) > radius * sag + other[2] * other[3] for other in drops
            ):
                drops.append([round(x, 2), round(y, 2), round(radius, 3), round(sag, 3),
                              round(magnification, 3)])
                break
    return drops


class Raindrops(Degradation):
    abbrev = "RD"
    levels = _levels()

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        short_side = min(height, width)
        low, high = chosen["count"]
        count = int(rng.integers(low, high + 1))
        radius_px = (chosen["radius_pct"][0] / 100 * short_side, chosen["radius_pct"][1] / 100 * short_side)
        drops = place_drops(rng, count, radius_px, height, width, chosen["merge"])
        scale = spatial_scale(height, width)
        background_focus = bool(rng.random() < BACKGROUND_FOCUS_PROBABILITY)
        blur = rng.uniform(*BACKGROUND_FOCUS_BLUR) if background_focus else DROP_FOCUS_BLUR
        return {
            "drops": drops,
            "focus": "background" if background_focus else "drop",
            "blur_px": float(blur * scale),
            "edge_darkening": float(rng.uniform(0.2, 0.45)),
            "highlight": float(rng.uniform(0.05, 0.25)),
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_drops_linear(srgb_to_linear(image), params))


def render_drops_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Apply RD params to a linear-light image (shared with RSD, where drops refract the rainy scene)."""
    return render_raindrops(linear, params["drops"], params["blur_px"], params["edge_darkening"],
                            params["highlight"])
