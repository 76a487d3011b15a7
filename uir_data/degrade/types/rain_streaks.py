"""RS: layered rain streaks at one shared angle, with a veiling haze at heavy levels."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.precipitation import far_to_near, radiance_and_veil, sample_veil
from uir_data.degrade.kernels.rain import composite, rain_layer
from uir_data.seeding import draw_seed

# Levels: L1 drizzle (seed density 0.002, streaks 10-20 px, opacity 0.3,
# one layer) to L8 torrential (50-80 px, three layers + veil); density and lengths interpolate
# geometrically, opacity linearly. The note's top end (density 0.03, opacity 0.8, veil t 0.7) saturated
# into an opaque grey sheet (~10 dB); it is lowered so L8 lands near Rain100H inputs (~13 dB) and L1 near
# a faint drizzle (~35 dB), Rain100L-like inputs (~26 dB) falling around L3-L4. L1's opacity is 0.4, not
# 0.3: with lengths in pixels a small image gets few streaks, and at 0.3 they vanished into texture.
_DENSITIES = tuple(0.002 * 10.0 ** (i / 7) for i in range(8))
_LENGTHS = tuple((10.0 * 5.0 ** (i / 7), 20.0 * 4.0 ** (i / 7)) for i in range(8))
_OPACITIES = tuple(0.4 + 0.3 * i / 7 for i in range(8))
_LAYERS = (1, 1, 2, 2, 2, 3, 3, 3)
_VEILS = (1.0, 1.0, 1.0, 1.0, 1.0, 0.95, 0.91, 0.87)  # mean transmission of the rain veil (1 = none)
_NAMES = ("drizzle", "light", "light-moderate", "moderate", "moderate-heavy", "heavy", "very-heavy",
          "torrential")

# Depth layers relative to the level's main layer: far streaks are thinner, shorter, fainter and denser;
# near streaks are fewer, longer, thicker and defocused (the camera focuses on the scene).
LAYER_RECIPES = (
    {"name": "mid", "density": 1.0, "length": 1.0, "width": 1.0, "opacity": 1.0, "blur": 0.0},
    {"name": "far", "density": 1.5, "length": 0.6, "width": 0.7, "opacity": 0.6, "blur": 0.0},
    {"name": "near", "density": 0.15, "length": 1.5, "width": 2.5, "opacity": 0.6, "blur": 1.0},
)
# Drop radiance = LIFT + GAIN · (wide-angle environment radiance), linear light; see kernels/rain.py.
RADIANCE_LIFT = 0.04
RADIANCE_GAIN = 1.6
AMBIENT_CELL_PX = 64.0  # px: scale of the "local" part of the environment a drop sees
MAX_SEED_DENSITY = 0.2
# Densities are per pixel, so a 96 px image would get a handful of streaks at the light levels (a pair
# indistinguishable from its GT); every layer gets at least this many streaks in expectation.
MIN_STREAKS_PER_LAYER = 30


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"L{i + 1}-{_NAMES[i]}",
            {
                "density": round(_DENSITIES[i], 5),
                "length_px": [round(_LENGTHS[i][0], 1), round(_LENGTHS[i][1], 1)],
                "opacity": round(_OPACITIES[i], 3),
                "layers": _LAYERS[i],
                "veil_transmission": _VEILS[i],
            },
            f"{_LAYERS[i]} streak layer(s), seed density {_DENSITIES[i]:.4f}/px, "
            f"length {_LENGTHS[i][0]:.0f}-{_LENGTHS[i][1]:.0f} px, opacity {_OPACITIES[i]:.2f}"
            + (f", veil t={_VEILS[i]:g}" if _VEILS[i] < 1 else ""),
        )
        for i in range(8)
    )


class RainStreaks(Degradation):
    abbrev = "RS"
    # 2: lengths, widths and densities in px of the image as degraded (were scaled from a 512 px reference).
    algorithm_version = 2
    levels = _levels()

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        low, high = chosen["length_px"]
        base_length = float(rng.uniform(low, high))
        layers = []
        for recipe in LAYER_RECIPES[: chosen["layers"]]:
            # Seed density is per pixel of the image as degraded (a larger image gets more streaks).
            density = max(chosen["density"] * recipe["density"], MIN_STREAKS_PER_LAYER / (height * width))
            density = min(density, MAX_SEED_DENSITY)
            layers.append({
                "name": recipe["name"],
                "density": float(density),
                "length_px": float(base_length * recipe["length"] * rng.uniform(0.9, 1.1)),
                "width_px": float(recipe["width"]),
                "opacity": float(chosen["opacity"] * recipe["opacity"]),
                "blur_px": float(recipe["blur"]),
                "seed": draw_seed(rng),
            })
        veil = sample_veil(rng, chosen["veil_transmission"])
        return {
            # Shared by every layer: wind drives all drops alike (θ ~ U(−20°, 20°) from vertical).
            "angle_deg": float(rng.uniform(-20.0, 20.0)),
            "layers": layers,
            "veil": veil,
            "radiance": {"lift": RADIANCE_LIFT, "gain": RADIANCE_GAIN, "cell_px": AMBIENT_CELL_PX},
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_rain_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_rain_linear(linear, params))


def render_rain_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Apply RS params to a linear-light image (shared with RSD, BR and LHRS, which compose rain)."""
    height, width = linear.shape[:2]
    linear, radiance = radiance_and_veil(linear, params)
    for layer in far_to_near(params["layers"]):
        coverage = rain_layer(height, width, layer["density"], layer["length_px"], params["angle_deg"],
                              layer["width_px"], layer["seed"], layer["blur_px"])
        linear = composite(linear, coverage * np.float32(layer["opacity"]), radiance)
    return linear
