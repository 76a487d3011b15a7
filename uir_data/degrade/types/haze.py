"""H: haze by the atmospheric scattering model on a content-aware relative depth, on sRGB values as RESIDE."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.depth_prior import content_depth
from uir_data.degrade.kernels.haze import (
    apply_scattering,
    low_frequency_field,
    row_depth,
    transmission_map,
    uniform_depth,
)
from uir_data.seeding import draw_seed

# β on relative depth d ∈ [near, 1] (sky at 1) × airlight A (sRGB grey level), applied to sRGB values as
# RESIDE does (OTS/SOTS-outdoor: A ∈ {0.8 … 1}, β ∈ {0.04 … 0.2} on its own
# depth scale). The β values put the mean transmission between ~0.9 (a light OTS-like haze, blacks lifted
# by a few DN) and ~0.3 (the densest SOTS inputs: distant objects nearly gone, the foreground still
# readable); the former grid in linear light reached 6-12 dB near-white sheets from its middle on.
BETAS = (0.08, 0.18, 0.3, 0.45, 0.65, 0.9, 1.2)
AIRLIGHTS = (0.8, 0.9, 1.0)
# Cue weights of the content-aware depth prior (dark channel × smoothness, smoothness, row); see
# kernels/depth_prior.py. The row term dominates; the other two move the sky and a defocused backdrop back.
DEPTH_WEIGHTS = (0.35, 0.2, 0.45)
# Nearest scene depth relative to the farthest: foreground objects still get a little haze.
NEAR_RANGE = (0.05, 0.2)


def _levels() -> tuple[Level, ...]:
    return tuple(
        Level(
            f"beta{beta:g}-A{airlight:g}",
            {"beta": beta, "airlight": airlight},
            f"extinction β={beta:g} on content-aware relative depth (sky 1), airlight {airlight:g}, sRGB",
        )
        for beta in BETAS
        for airlight in AIRLIGHTS
    )


def _index(beta_i: int, airlight_i: int) -> int:
    return beta_i * len(AIRLIGHTS) + airlight_i


class Haze(Degradation):
    abbrev = "H"
    # 2: content-aware depth prior, sRGB-domain scattering, grid recalibrated to RESIDE (was: row pseudo-depth
    # in linear light, β 0.05-1.2).
    algorithm_version = 2
    levels = _levels()
    # Severity grows with β at a fixed airlight, and with A at a fixed β (a brighter veil washes out more).
    monotone_runs = tuple(
        tuple(_index(b, a) for b in range(len(BETAS))) for a in range(len(AIRLIGHTS))
    ) + tuple(tuple(_index(b, a) for a in range(len(AIRLIGHTS))) for b in range(len(BETAS)))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        # Slight colour of the veil: positive = bluish daylight scattering, negative = warm (smog, dusk).
        tint = float(rng.uniform(-0.03, 0.05))
        airlight = chosen["airlight"]
        return {
            "beta": chosen["beta"],
            "airlight": [min(airlight * (1 - tint), 1.0), airlight, min(airlight * (1 + tint), 1.0)],
            "depth": {"source": "prior", "weights": list(DEPTH_WEIGHTS),
                      "near": float(rng.uniform(*NEAR_RANGE))},
            "heterogeneity": float(rng.uniform(0.1, 0.3)),
            # Size of the fog patches in px: haze is smooth over a large part of the frame.
            "patch_px": float(rng.uniform(96.0, 256.0)),
            "seed": draw_seed(rng),
            "domain": "srgb",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        if params.get("domain", "linear") == "linear":
            return linear_to_srgb(render_haze_linear(srgb_to_linear(image), params, image))
        return render_haze(image, params, params["airlight"], image)


def depth_field(params: dict[str, Any], guide_srgb: np.ndarray) -> np.ndarray:
    """The recorded depth source evaluated on this image (the prior reads the clean sRGB image)."""
    height, width = guide_srgb.shape[:2]
    depth_params = params["depth"]
    if depth_params["source"] == "prior":
        relative = content_depth(guide_srgb, tuple(depth_params["weights"]))
        near = np.float32(depth_params["near"])
        return near + (np.float32(1.0) - near) * relative
    if depth_params["source"] == "row":  # a ground-plane profile (tests, hand-written params)
        return row_depth(height, width, depth_params["horizon"], depth_params["near_ratio"],
                         depth_params["roll_deg"])
    return uniform_depth(height, width, depth_params["value"])


def render_haze(image: np.ndarray, params: dict[str, Any], airlight: Any, guide_srgb: np.ndarray) -> np.ndarray:
    """I = J·t + A·(1 − t) with the recorded depth, β and heterogeneity, in the image's own domain."""
    height, width = image.shape[:2]
    depth = depth_field(params, guide_srgb)
    field = low_frequency_field(height, width, max(params["patch_px"], 2.0), params["seed"])
    transmission = transmission_map(depth, params["beta"], field, params["heterogeneity"])
    return apply_scattering(image, transmission, np.asarray(airlight, np.float32))


def render_haze_linear(linear: np.ndarray, params: dict[str, Any], guide_srgb: np.ndarray) -> np.ndarray:
    """Apply H params to a linear-light image (the airlight is recorded sRGB-coded); shared with LHRS.

    `guide_srgb` is the clean sRGB image the depth prior reads (LHRS renders haze over rain and snow, whose
    streaks and flakes say nothing about scene depth)."""
    return render_haze(linear, params, srgb_to_linear(np.asarray(params["airlight"], np.float32)), guide_srgb)
