"""MR: moiré from photographing an RGB-stripe display with weak anti-aliasing, then demosaicking (§1.16)."""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.bayer import PATTERNS
from uir_data.degrade.kernels.moire import recapture

# Level = strength of the aliasing: the optical low-pass σ (camera px) acting on the sub-pixel pattern,
# from a strong OLPF (faint moiré) to almost none (§1.16 proposes AA σ 1.2 → 0.3 with ρ in [1, 2]; at σ ≥ 0.9
# the stripe harmonics are attenuated below visibility for every ρ, so the grid starts lower).
AA_SIGMAS = (0.9, 0.7, 0.55, 0.45, 0.35, 0.25)
# Moiré is a camera-pixel phenomenon, so these are in camera pixels and do not scale with image size.
# Display pixel size in camera pixels (ρ). Near ρ = 2 the stripe fundamental sits close to the Nyquist
# frequency of the Bayer R and B sites (period 2), so it aliases to the broad colour bands typical of
# real recaptures; further from 2 the bands get finer.
PITCH_RANGE = (1.7, 2.3)
DISTORTION_RANGE = 0.05  # |k1|, §1.16 proposal
ROTATION_RANGE_DEG = 12.0
# The content is band-limited by the lens at a fixed blur for every level, so severity follows the pattern
# only: at display resolutions the OLPF changes content sharpness far less than it changes the aliased
# stripe energy, and a level-dependent content blur would fight the moiré in the severity order.
LENS_SIGMA = 0.5


class Moire(Degradation):
    abbrev = "MR"
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
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        captured = recapture(
            srgb_to_linear(image), params["pitch"], params["angle_deg"], tuple(params["phase"]),
            params["fill_x"], params["fill_y"], params["aa_sigma"], params["lens_sigma"], params["distortion"], params["cfa"],
            params["demosaic"],
        )
        return linear_to_srgb(captured)
