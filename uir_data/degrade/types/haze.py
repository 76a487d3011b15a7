"""H: haze by the atmospheric scattering model on depth-free pseudo-depth, in linear light (§1.9)."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level, spatial_scale
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.haze import (
    apply_scattering,
    low_frequency_field,
    row_depth,
    transmission_map,
    uniform_depth,
)
from uir_data.seeding import draw_seed

# β on normalised depth (sky = 1) × airlight A (sRGB-coded grey level); 7 × 3 = 21 levels as in
# research/degradations.md §1.9. That grid (β 0.5-4) was tuned for sRGB-domain application; in linear light
# the same veil lifts shadows far more (measured: β = 0.5 already gives ~14 dB mean PSNR on the bundled
# photos), so β is rescaled to span light haze (~26 dB at β 0.05, A 0.75) to dense fog (~6 dB at β 1.2, A 1).
BETAS = (0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2)
AIRLIGHTS = (0.75, 0.9, 1.0)

# Row pseudo-depth is used most (outdoor photos have a horizon); uniform fog for the rest.
ROW_DEPTH_PROBABILITY = 0.75


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"beta{beta:g}-A{airlight:g}",
            {"beta": beta, "airlight": airlight},
            f"extinction β={beta:g} on depth in [0, 1], airlight {airlight:g}",
        )
        for beta in BETAS
        for airlight in AIRLIGHTS
    )


def _index(beta_i: int, airlight_i: int) -> int:
    return beta_i * len(AIRLIGHTS) + airlight_i


class Haze(Degradation):
    abbrev = "H"
    levels = _levels()
    # Severity grows with β at a fixed airlight, and with A at a fixed β (a brighter veil washes out more).
    monotone_runs = tuple(
        tuple(_index(b, a) for b in range(len(BETAS))) for a in range(len(AIRLIGHTS))
    ) + tuple(tuple(_index(b, a) for a in range(len(AIRLIGHTS))) for b in range(len(BETAS)))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        scale = spatial_scale(height, width)
        if rng.random() < ROW_DEPTH_PROBABILITY:
            depth: dict[str, Any] = {
                "source": "row",
                "horizon": float(rng.uniform(0.3, 0.5)),
                "near_ratio": float(rng.uniform(0.15, 0.25)),
                "roll_deg": float(rng.uniform(-3.0, 3.0)),
            }
        else:
            depth = {"source": "uniform", "value": 0.7}
        # Slight colour of the veil: positive = bluish daylight scattering, negative = warm (smog, dusk).
        tint = float(rng.uniform(-0.03, 0.05))
        airlight = chosen["airlight"]
        return {
            "beta": chosen["beta"],
            "airlight": [min(airlight * (1 - tint), 1.0), airlight, min(airlight * (1 + tint), 1.0)],
            "depth": depth,
            "heterogeneity": float(rng.uniform(0.1, 0.35)),
            # Size of the fog patches: 96-256 px at the 512 px reference.
            "patch_px": float(rng.uniform(96.0, 256.0) * scale),
            "seed": draw_seed(rng),
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        if params.get("domain", "linear") == "linear":
            return linear_to_srgb(render_haze_linear(srgb_to_linear(image), params))
        return render_haze(image, params, params["airlight"])


def render_haze(image: np.ndarray, params: dict[str, Any], airlight: Any) -> np.ndarray:
    """I = J·t + A·(1 − t) with the recorded depth, β and heterogeneity, in the image's own domain."""
    height, width = image.shape[:2]
    depth_params = params["depth"]
    if depth_params["source"] == "row":
        depth = row_depth(height, width, depth_params["horizon"], depth_params["near_ratio"],
                          depth_params["roll_deg"])
    else:
        depth = uniform_depth(height, width, depth_params["value"])
    field = low_frequency_field(height, width, max(params["patch_px"], 2.0), params["seed"])
    transmission = transmission_map(depth, params["beta"], field, params["heterogeneity"])
    return apply_scattering(image, transmission, np.asarray(airlight, np.float32))


def render_haze_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Apply H params to a linear-light image (the airlight is recorded sRGB-coded); shared with LHRS."""
    return render_haze(linear, params, srgb_to_linear(np.asarray(params["airlight"], np.float32)))
