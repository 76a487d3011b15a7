"""What rain and snow share: the light that makes falling particles visible, the veil of particles too
distant to resolve (docs/degradations.md), and the far-to-near drawing order."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from uir_data.degrade.kernels.haze import apply_scattering, low_frequency_field, transmission_map
from uir_data.degrade.kernels.rain import drop_radiance
from uir_data.seeding import draw_seed

LAYER_DEPTH_ORDER = {"far": 0, "mid": 1, "near": 2}


def sample_veil(rng: np.random.Generator, mean_transmission: float) -> dict[str, Any] | None:
    """Veil params (heterogeneity, patch size in px, seed), or None when the level has no veil."""
    if mean_transmission >= 1.0:
        return None
    return {
        "transmission": mean_transmission,
        "heterogeneity": float(rng.uniform(0.2, 0.4)),
        "patch_px": float(rng.uniform(128.0, 256.0)),
        "seed": draw_seed(rng),
    }


def radiance_and_veil(linear: np.ndarray, params: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """The particles' ambient radiance field, and the linear image after the distant veil (if any)."""
    height, width = linear.shape[:2]
    radiance_params = params["radiance"]
    radiance = drop_radiance(linear, radiance_params["cell_px"], radiance_params["lift"], radiance_params["gain"])
    veil = params.get("veil")
    if veil:
        # Unresolved distant particles scatter like fog, lit like the particles themselves.
        field = low_frequency_field(height, width, max(veil["patch_px"], 2.0), veil["seed"])
        transmission = transmission_map(
            np.ones((height, width), np.float32), -math.log(veil["transmission"]), field, veil["heterogeneity"]
        )
        # The radiance field is smooth: a sparse subsample gives its mean.
        linear = apply_scattering(linear, transmission, radiance[::8, ::8].mean(axis=(0, 1)))
    return linear, radiance


def far_to_near(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Layers in drawing order: nearer particles occlude what lies behind them."""
    return sorted(layers, key=lambda layer: LAYER_DEPTH_ORDER.get(layer["name"], 1))
