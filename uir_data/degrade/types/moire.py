"""MR: moiré from photographing an RGB-stripe display with weak anti-aliasing, then demosaicking."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.bayer import PATTERNS
from uir_data.degrade.kernels.moire import recapture, recapture_tone

# Level = strength of the aliasing: the optical low-pass σ (camera px) acting on the sub-pixel pattern.
# A first design spanned AA σ 1.2 → 0.3; at σ ≥ 0.7 the stripe harmonics are attenuated below visibility for most
# ρ (the former L1-L3 at σ 0.9-0.55 were blur under a moiré label), so the grid runs 0.55 → 0.24: the
# broad colour bands (low-passed at σ 2 px) have a std of ~3-8 DN on mid-grey at L1 and ~20 DN at L6.
AA_SIGMAS = (0.55, 0.48, 0.42, 0.36, 0.3, 0.24)
# Moiré is a camera-pixel phenomenon, so these are in camera pixels.
# Display pixel size in camera pixels (ρ). Near ρ = 2 the stripe fundamental sits close to the Nyquist
# frequency of the Bayer R and B sites (period 2), so it aliases to the broad colour bands typical of
# real recaptures; below ~1.85 the fundamental is attenuated too much for the bands to show at L1.
PITCH_RANGE = (1.85, 2.4)
DISTORTION_RANGE = 0.05  # |k1| of the radial lens distortion: a slightly curved recapture, not a fisheye
ROTATION_RANGE_DEG = 12.0
# The content is band-limited by the lens at a fixed blur for every level, so severity follows the pattern
# only: at display resolutions the OLPF changes content sharpness far less than it changes the aliased
# stripe energy, and a level-dependent content blur would fight the moiré in the severity order.
LENS_SIGMA = 0.5
# Global tone of a recapture (own ranges, sized on TIP2018-like screen photos): exposure mismatch, white
# balance cast of R and B against G, screen black + reflected room light (linear), corner falloff.
EXPOSURE_RANGE = (0.85, 1.05)
RED_GAIN_RANGE = (0.9, 1.08)
BLUE_GAIN_RANGE = (0.92, 1.15)
BLACK_LEVEL_RANGE = (0.002, 0.012)
VIGNETTE_RANGE = (0.05, 0.3)


class Moire(Degradation):
    abbrev = "MR"
    # 2: visible aliasing from L1 (AA σ 0.55-0.24, ρ 1.85-2.4) and the global tone shift of a recapture.
    algorithm_version = 2
    levels = tuple(
        Level(f"L{i + 1}-aa{sigma:g}", {"aa_sigma": sigma},
              f"optical low-pass σ={sigma:g} px on the display sub-pixel pattern, ρ in {PITCH_RANGE}")
        for i, sigma in enumerate(AA_SIGMAS)
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        return {
            "aa_sigma": chosen["aa_sigma"],
            "pitch": float(rng.uniform(*PITCH_RANGE)),
            "angle_deg": float(rng.uniform(-ROTATION_RANGE_DEG, ROTATION_RANGE_DEG)),
            "phase": [float(rng.uniform(0.0, 1.0)), float(rng.uniform(0.0, 1.0))],
            # Sub-pixel stripe width and row aperture as fractions of the display pixel (black matrix).
            "fill_x": float(rng.uniform(0.65, 0.9)),
            "fill_y": float(rng.uniform(0.8, 0.95)),
            "lens_sigma": LENS_SIGMA,
            "distortion": float(rng.uniform(-DISTORTION_RANGE, DISTORTION_RANGE)),
            "cfa": PATTERNS[int(rng.integers(len(PATTERNS)))],
            "demosaic": "bilinear",
            "tone": {
                "exposure": float(rng.uniform(*EXPOSURE_RANGE)),
                "channel_gains": [float(rng.uniform(*RED_GAIN_RANGE)), 1.0, float(rng.uniform(*BLUE_GAIN_RANGE))],
                "black_level": float(rng.uniform(*BLACK_LEVEL_RANGE)),
                "vignette": float(rng.uniform(*VIGNETTE_RANGE)),
            },
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_linear(linear, params))


def render_linear(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """The recapture of a linear image, then the recapture's global tone shift."""
    captured = recapture(
        linear, params["pitch"], params["angle_deg"], tuple(params["phase"]), params["fill_x"], params["fill_y"],
        params["aa_sigma"], params["lens_sigma"], params["distortion"], params["cfa"], params["demosaic"],
    )
    tone = params["tone"]
    return recapture_tone(captured, tone["exposure"], tuple(tone["channel_gains"]), tone["black_level"],
                          tone["vignette"])
