"""S: falling snow in up to three depth layers (small sharp far flakes, large defocused near ones), plus a
veil at heavy levels (docs/degradations.md)."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.precipitation import far_to_near, radiance_and_veil, sample_veil
from uir_data.degrade.kernels.rain import composite
from uir_data.degrade.kernels.snow import snow_layer
from uir_data.seeding import draw_seed

# Depth layers in pixels of the image as degraded, sized on Snow100K (flakes from ~1 px specks to soft
# blobs of ~20 px on its ~640 px images; its S/M/L subsets differ in flake size and density) and GIMP's
# Render Snow (3 layers, motion 3/6/9, blur growing with nearness). Densities are flake seeds per pixel
# at multiplier 1; radius is a range, each sample draws its own; flakes are nearly opaque (Snow100K
# composites its masks with white), streaked along the fall by the exposure.
LAYER_RECIPES = {
    "far": {"radius": (0.7, 1.1), "motion": (2.0, 5.0), "blur": 0.3, "density": 0.003, "opacity": 0.9},
    "mid": {"radius": (1.6, 2.4), "motion": (4.0, 10.0), "blur": 0.5, "density": 0.0008, "opacity": 0.95},
    "near": {"radius": (3.2, 4.8), "motion": (6.0, 16.0), "blur": 1.2, "density": 0.00016, "opacity": 0.95},
    "closest": {"radius": (6.5, 9.5), "motion": (8.0, 24.0), "blur": 3.0, "density": 0.00003, "opacity": 0.85},
}
# (layers, density multiplier, veil mean transmission). A first design took ImageNet-C severities for L1-L5
# and procedural snow for L6-L8; one procedural model across all levels keeps a single severity axis.
# Severity grows with the flakes (more of them, then larger and nearer ones); the veil of unresolved
# distant flakes stays light (t ≥ 0.9), unlike the former grid whose top levels were mostly veil.
GRID = (
    (("far", "mid"), 1.0, 1.0),
    (("far", "mid"), 1.7, 1.0),
    (("far", "mid", "near"), 1.7, 1.0),
    (("far", "mid", "near"), 2.6, 1.0),
    (("far", "mid", "near", "closest"), 3.0, 1.0),
    (("far", "mid", "near", "closest"), 3.8, 0.985),
    (("far", "mid", "near", "closest"), 4.8, 0.97),
    (("far", "mid", "near", "closest"), 6.2, 0.955),
)
_NAMES = ("flurry", "light", "light-moderate", "moderate", "moderate-heavy", "heavy", "very-heavy", "blizzard")
# Snow radiance = LIFT + GAIN · (wide-angle environment radiance), linear light: flakes are white diffuse
# reflectors lit by the whole sky, so they stay bright even in a dark scene.
RADIANCE_LIFT = 0.45
RADIANCE_GAIN = 1.0
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
    # 2: Snow100K-like dense, larger, opaque flakes in up to four depth layers; severity from the flakes.
    # 3: sparse layers with large flakes drawn flake by flake (kernels/snow.splat; values move by ~1e-7).
    algorithm_version = 3
    levels = _levels()

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        fall_angle = float(rng.uniform(-30.0, 30.0))  # imgaug Snowflakes: angle (−30°, 30°)
        layers = []
        for name in chosen["layers"]:
            recipe = LAYER_RECIPES[name]
            layers.append({
                "name": name,
                "density": float(min(recipe["density"] * chosen["density_multiplier"], MAX_SEED_DENSITY)),
                "radius_px": float(rng.uniform(*recipe["radius"])),
                "motion_px": float(rng.uniform(*recipe["motion"])),
                # Flakes flutter: each layer deviates a little from the wind direction.
                "angle_deg": float(fall_angle + rng.uniform(-8.0, 8.0)),
                "blur_px": float(recipe["blur"]),
                "opacity": recipe["opacity"],
                "seed": draw_seed(rng),
            })
        veil = sample_veil(rng, chosen["veil_transmission"])
        return {
            "layers": layers,
            "veil": veil,
            "radiance": {"lift": RADIANCE_LIFT, "gain": RADIANCE_GAIN, "cell_px": AMBIENT_CELL_PX},
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_snow_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_snow_linear(linear, params))


def render_snow_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Apply S params to a linear-light image (shared with LHRS)."""
    height, width = linear.shape[:2]
    linear, radiance = radiance_and_veil(linear, params)
    for layer in far_to_near(params["layers"]):
        coverage = snow_layer(height, width, layer["density"], layer["radius_px"], layer["motion_px"],
                              layer["angle_deg"], layer["blur_px"], layer["seed"])
        linear = composite(linear, coverage * np.float32(layer["opacity"]), radiance)
    return linear
