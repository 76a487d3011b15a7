"""S: falling snow in up to three depth layers (small sharp far flakes, large defocused near ones), plus a
veil at heavy levels (research/degradations.md §1.13)."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level, spatial_scale
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.precipitation import far_to_near, radiance_and_veil, sample_veil
from uir_data.degrade.kernels.rain import composite
from uir_data.degrade.kernels.snow import snow_layer
from uir_data.seeding import draw_seed

# Depth layers at the 512 px reference (GIMP Render Snow uses 3 layers with growing flake size, motion
# length 3/6/9 and blur 3/7/11 px; hgupta01 small vs large flakes). Densities are seeds per pixel @512.
LAYER_RECIPES = {
    "far": {"radius": 0.6, "motion": (2.0, 4.0), "blur": 0.0, "density": 0.004, "opacity": 0.75},
    "mid": {"radius": 1.4, "motion": (4.0, 9.0), "blur": 0.6, "density": 0.0009, "opacity": 0.85},
    "near": {"radius": 3.2, "motion": (8.0, 18.0), "blur": 2.0, "density": 0.00012, "opacity": 0.9},
}
# (layers, density multiplier, veil mean transmission). §1.13 proposes ImageNet-C severities for L1-L5
# and procedural snow for L6-L8; one procedural model across all levels keeps a single severity axis
# (covered fraction + veil), which a mixed grid cannot guarantee.
GRID = (
    (("far",), 1.0, 1.0),
    (("far", "mid"), 1.0, 1.0),
    (("far", "mid"), 1.8, 1.0),
    (("far", "mid", "near"), 1.8, 1.0),
    (("far", "mid", "near"), 2.8, 1.0),
    (("far", "mid", "near"), 4.0, 0.93),
    (("far", "mid", "near"), 5.5, 0.87),
    (("far", "mid", "near"), 7.5, 0.8),
)
_NAMES = ("flurry", "light", "light-moderate", "moderate", "moderate-heavy", "heavy", "very-heavy", "blizzard")
# Snow radiance = LIFT + GAIN · (wide-angle environment radiance), linear light: flakes are white diffuse
# reflectors lit by the whole sky, so they stay bright even in a dark scene.
RADIANCE_LIFT = 0.3
RADIANCE_GAIN = 1.2
AMBIENT_CELL_PX = 64.0
MAX_SEED_DENSITY = 0.3


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"L{i + 1}-{_NAMES[i]}",
            {"layers": list(layers), "density_multiplier": multiplier, "veil_transmission": veil},
            f"{len(layers)} flake layer(s) ({', '.join(layers)}), density ×{multiplier:g}"
            + (f", veil t={veil:g}" if veil < 1 else ""),
        )
        for i, (layers, multiplier, veil) in enumerate(GRID)
    )


class Snow(Degradation):
    abbrev = "S"
    levels = _levels()

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        scale = spatial_scale(height, width)
        fall_angle = float(rng.uniform(-30.0, 30.0))  # imgaug Snowflakes: angle (−30°, 30°)
        layers = []
        for name in chosen["layers"]:
            recipe = LAYER_RECIPES[name]
            density = recipe["density"] * chosen["density_multiplier"] / scale**2
            layers.append({
                "name": name,
                "density": float(min(density, MAX_SEED_DENSITY)),
                "radius_px": float(recipe["radius"] * scale),
                "motion_px": float(rng.uniform(*recipe["motion"]) * scale),
                # Flakes flutter: each layer deviates a little from the wind direction.
                "angle_deg": float(fall_angle + rng.uniform(-8.0, 8.0)),
                "blur_px": float(recipe["blur"] * scale),
                "opacity": recipe["opacity"],
                "seed": draw_seed(rng),
            })
        veil = sample_veil(rng, chosen["veil_transmission"], scale)
        return {
            "layers": layers,
            "veil": veil,
            "radiance": {"lift": RADIANCE_LIFT, "gain": RADIANCE_GAIN, "cell_px": AMBIENT_CELL_PX * scale},
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_snow_linear(srgb_to_linear(image), params))


def render_snow_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Apply S params to a linear-light image (shared with LHRS)."""
    height, width = linear.shape[:2]
    linear, radiance = radiance_and_veil(linear, params)
    for layer in far_to_near(params["layers"]):
        coverage = snow_layer(height, width, layer["density"], layer["radius_px"], layer["motion_px"],
                              layer["angle_deg"], layer["blur_px"], layer["seed"])
        linear = composite(linear, coverage * np.float32(layer["opacity"]), radiance)
    return linear
