"""RD: adherent raindrops on glass, out of focus, refracting a bright, blurred, flipped scene."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.raindrops import render_raindrops

# (share of the frame the drops cover, drop radius range px, merging allowed), in pixels of the image as
# degraded. Sized on Qian et al.'s RainDrop photos (~720×480: drops of a few px to ~30 px radius covering
# roughly 5-30 % of the frame); a first grid in % of the short side ended at 80-120 drops of up to 8 % of
# the short side, which covered most of the frame with overlapping marbles.
GRID = (
    (0.04, (4.0, 10.0), False),
    (0.07, (4.0, 13.0), False),
    (0.11, (5.0, 16.0), False),
    (0.15, (5.0, 19.0), False),
    (0.2, (6.0, 22.0), False),
    (0.3, (6.0, 26.0), True),
)
# The camera focuses on the scene (RainDrop is shot so), so the drop layer is defocused; the drop-focused
# case with a blurred background is BR (RainDropClarity), types/mixed_blur_rain.py.
FOCUS_BLUR = (1.0, 2.5)  # px, defocus of the drop layer
CONTENT_BLUR = (1.5, 4.0)  # px, the scene as the water lens sees it
BRIGHTNESS = (1.05, 1.3)  # drops gather light from a wide cone: brighter than the scene behind them
LIFT = (0.01, 0.05)  # linear light scattered inside the water
EDGE_SOFTNESS = (0.25, 0.5)  # outer share of the radius over which a drop fades in
EDGE_DARKENING = (0.0, 0.12)
HIGHLIGHT = (0.02, 0.12)
WOBBLE = (0.0, 0.12)  # relative amplitude of the 2nd and 3rd harmonics of the outline
# On a thumbnail the level's largest drops would fill the frame and refract views from far outside it; drops
# are capped at this share of the short side (no effect from ~260 px up).
MAX_RADIUS_SHARE = 0.1
PLACEMENT_TRIES = 30  # rejection-sampling attempts per drop before it is left out (no-merge levels)
MAX_DROPS = 400  # bounds the render time on very large images


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"L{i + 1}-cover{round(cover * 100)}",
            {"coverage": cover, "radius_px": list(radius), "merge": merge},
            f"drops of radius {radius[0]:g}-{radius[1]:g} px covering ~{cover * 100:g}% of the frame"
            + (", merging" if merge else ""),
        )
        for i, (cover, radius, merge) in enumerate(GRID)
    )


def place_drops(rng: np.random.Generator, coverage: float, radius_range_px: tuple[float, float], height: int,
                width: int, merge: bool) -> list[list[float]]:
    """Drop records (see kernels/raindrops.py) until they cover `coverage` of the frame; radii log-uniform
    (many small drops, few large), capped on thumbnails; without `merge`, drops do not overlap."""
    drops: list[list[float]] = []
    target = coverage * height * width
    covered = 0.0
    cap = max(MAX_RADIUS_SHARE * min(height, width), 1.0)
    low, high = math.log(min(radius_range_px[0], cap)), math.log(min(radius_range_px[1], cap))
    # Two drops can only touch when their centres are closer than twice the largest reach (radius · sag,
    # sag <= 1.5, plus rounding slack); with cells that wide only the 3x3 neighbouring cells can hold a
    # conflicting drop, so the overlap test reads those instead of every drop (same decisions, O(n)).
    cell = 2.0 * (1.5 * min(radius_range_px[1], cap) * 1.001 + 0.01)
    grid: dict[tuple[int, int], list[list[float]]] = {}
    # At least one drop, even when a single one covers more than the target of a tiny image.
    while (covered < target or not drops) and len(drops) < MAX_DROPS:
        radius = float(math.exp(rng.uniform(low, high)))
        sag = float(rng.uniform(1.0, 1.5))
        magnification = float(rng.uniform(1.5, 3.0))
        shape = [float(rng.uniform(*WOBBLE)), float(rng.uniform(0, 2 * math.pi)),
                 float(rng.uniform(*WOBBLE)), float(rng.uniform(0, 2 * math.pi))]
        covered += math.pi * radius * radius * (1.0 + sag) / 2.0  # counted even if not placed: terminates
        for _ in range(1 if merge else PLACEMENT_TRIES):
            x = float(rng.uniform(0, width))
            y = float(rng.uniform(0, height))
            column, row = int(x // cell), int(y // cell)
            if merge or all(
                math.hypot(x - other[0], y - other[1]) > radius * sag + other[2] * other[3]
                for dc in (-1, 0, 1) for dr in (-1, 0, 1) for other in grid.get((column + dc, row + dr), ())
            ):
                record = [round(x, 2), round(y, 2), round(radius, 3), round(sag, 3), round(magnification, 3),
                          *(round(value, 3) for value in shape)]
                drops.append(record)
                # Filed under its stored (rounded) centre, which is what later tests measure from.
                grid.setdefault((int(record[0] // cell), int(record[1] // cell)), []).append(record)
                break
    return drops


class Raindrops(Degradation):
    abbrev = "RD"
    # 2: irregular, soft-edged, bright, out-of-focus drops (RainDrop-like); levels by covered share with
    # radii in px (was: circles with dark rims, up to 120 drops of 8 % of the short side).
    algorithm_version = 2
    levels = _levels()

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        drops = place_drops(rng, chosen["coverage"], tuple(chosen["radius_px"]), height, width, chosen["merge"])
        return {
            "drops": drops,
            "focus": "background",
            **sample_drop_look(rng, FOCUS_BLUR),
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_drops_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_drops_linear(linear, params))


def sample_drop_look(rng: np.random.Generator, focus_blur_range: tuple[float, float]) -> dict[str, float]:
    """The optical parameters shared by every drop of a sample (BR passes a sharp focus range)."""
    return {
        "focus_blur_px": float(rng.uniform(*focus_blur_range)),
        "content_blur_px": float(rng.uniform(*CONTENT_BLUR)),
        "brightness": float(rng.uniform(*BRIGHTNESS)),
        "lift": float(rng.uniform(*LIFT)),
        "edge_softness": float(rng.uniform(*EDGE_SOFTNESS)),
        "edge_darkening": float(rng.uniform(*EDGE_DARKENING)),
        "highlight": float(rng.uniform(*HIGHLIGHT)),
    }


def render_drops_linear(linear: np.ndarray, params: dict[str, Any], seen: np.ndarray | None = None) -> np.ndarray:
    """Apply RD params to a linear-light image (shared with RSD, where drops refract the rainy scene, and BR,
    where they lie on a defocused background but refract the scene `seen` sharply)."""
    return render_raindrops(linear, params["drops"], params["focus_blur_px"], params["content_blur_px"],
                            params["brightness"], params["lift"], params["edge_softness"],
                            params["edge_darkening"], params["highlight"], seen)
