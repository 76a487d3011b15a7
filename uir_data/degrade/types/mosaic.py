"""MS: Bayer mosaic — sample a CFA (RGGB, BGGR, GRBG, GBRG), add σ ∈ {0, 5, 10, 20} noise, demosaic.

The stored LQ is the demosaiced 3-channel image, as the demosaicking benchmarks feed their networks an
initial interpolation; OpenCV's edge-aware demosaic plays that role. Levels are
pattern-major; severity grows with noise within each pattern (the pattern itself is a variant, not a
severity). Odd sizes keep the pattern phase anchored at the top-left pixel.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.kernels.bayer import PATTERNS, demosaic, mosaic
from uir_data.degrade.kernels.noise import noise_rng
from uir_data.seeding import draw_seed

NOISE_SIGMAS = (0, 5, 10, 20)


class Mosaic(Degradation):
    abbrev = "MS"
    levels = tuple(
        Level(
            f"{p.lower()}-s{s}",
            {"pattern": p, "noise_sigma_8bit": s},
            f"{p} CFA, noise σ = {s}/255, edge-aware demosaic",
        )
        for p in PATTERNS
        for s in NOISE_SIGMAS
    )
    monotone_runs: ClassVar = tuple(
        tuple(range(i, i + len(NOISE_SIGMAS))) for i in range(0, 16, len(NOISE_SIGMAS))
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Pattern and σ from the level; a noise seed only when there is noise."""
        spec = self.check_level(level).params
        params = {**spec, "demosaic": "ea", "domain": "srgb"}
        if spec["noise_sigma_8bit"] > 0:
            params["seed"] = draw_seed(rng)
        return params

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Mosaic, add the CFA noise, demosaic."""
        cfa = mosaic(image, params["pattern"])
        sigma = params["noise_sigma_8bit"] / 255.0
        if sigma > 0:
            cfa = cfa + noise_rng(params["seed"], "cfa").standard_normal(
                cfa.shape, dtype=np.float32
            ) * np.float32(sigma)
        return demosaic(cfa, params["pattern"], params["demosaic"])
