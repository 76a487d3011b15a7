"""GN: synthetic noise — additive Gaussian, Poisson shot noise in linear light, salt-and-pepper impulses.

Grids (docs/degradations.md): Gaussian σ (8-bit) {5 … 50} in sRGB with a colour / gray /
channel-correlated variant (BSRGAN draws the three 40/40/20; here 60/20/20, colour being the benchmark
convention). σ stops at 50 because MaskDCPT tests σ 60 and 75 as out-of-distribution noise (paper Table III).
The benchmark levels σ 15/25/50 (CBSD68, Kodak, McMaster, Urban100; the 5D/12D pins) are always the standard
colour AWGN. Poisson uses explicit photon counts at full scale in linear light (never a content-dependent λ
derived from the image; gray share 0.4 as in Real-ESRGAN), from 1000 down to 50: below ~50 photons an 8-bit image keeps
fewer than 50 grey levels (posterised) and the sRGB encode of shot noise darkens it by more than 5 DN.
Salt-and-pepper: fraction p with salt ratio 0.5, achromatic or per channel. Noise is not scaled with image
size: σ and photon counts are per pixel whatever the resolution.
"""

from __future__ import annotations

from typing import Any, ClassVar

import cv2
import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, apply_uint8, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.noise import (
    add_poisson_noise,
    add_salt_and_pepper,
    gaussian_noise_8bit,
    random_covariance,
)
from uir_data.seeding import draw_seed

GAUSSIAN_SIGMAS = (5, 10, 15, 20, 25, 30, 35, 40, 45, 50)
# The Gaussian denoising benchmark levels: colour AWGN only, as the test sets are made.
BENCHMARK_SIGMAS = (15, 25, 50)
POISSON_PHOTONS = (1000, 600, 400, 250, 160, 100, 70, 50)
SALT_PEPPER_AMOUNTS = (0.01, 0.02, 0.05, 0.10, 0.15, 0.20, 0.30, 0.50)

_LEVELS = (
    *(
        Level(
            f"gaussian-s{s}",
            {"kind": "gaussian", "sigma_8bit": s, "mode": "color"},
            f"colour AWGN σ = {s}/255 in sRGB (the CBSD68 benchmark protocol)",
        )
        if s in BENCHMARK_SIGMAS
        else Level(
            f"gaussian-s{s}",
            {"kind": "gaussian", "sigma_8bit": s},
            f"additive Gaussian σ = {s}/255 in sRGB; colour, gray or channel-correlated",
        )
        for s in GAUSSIAN_SIGMAS
    ),
    *(
        Level(
            f"poisson-p{p}",
            {"kind": "poisson", "photons": p},
            f"shot noise, {p} photons at full scale, linear",
        )
        for p in POISSON_PHOTONS
    ),
    *(
        Level(
            f"salt-pepper-{a:g}",
            {"kind": "salt_and_pepper", "amount": a},
            f"{a:.0%} impulses, salt ratio 0.5",
        )
        for a in SALT_PEPPER_AMOUNTS
    ),
)


class GaussianNoise(Degradation):
    abbrev = "GN"
    # 2: σ ≤ 50 with colour-only benchmark levels, Poisson ≥ 50 photons (version 1: σ to 80, 2 photons).
    # 3: normal deviates by quantile table, Gaussian noise in whole 8-bit steps (same statistics, new bytes).
    algorithm_version = 3
    levels = _LEVELS
    monotone_runs: ClassVar = (tuple(range(0, 10)), tuple(range(10, 18)), tuple(range(18, 26)))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Draw the noise seed and the variant (mode, gray, per-channel) for one level."""
        spec = dict(self.check_level(level).params)
        seed = draw_seed(rng)
        variant = float(rng.random())
        if spec["kind"] == "gaussian":
            mode = spec.get("mode") or (
                "color" if variant < 0.6 else "gray" if variant < 0.8 else "correlated"
            )
            params = {**spec, "mode": mode, "domain": "srgb", "seed": seed}
            if mode == "correlated":
                params["covariance"] = random_covariance(rng, spec["sigma_8bit"] / 255.0)
            return params
        if spec["kind"] == "poisson":
            return {**spec, "gray": variant < 0.4, "domain": "linear", "seed": seed}
        return {**spec, "salt_ratio": 0.5, "per_channel": variant < 0.5, "domain": "srgb", "seed": seed}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Add the recorded noise field; clipping is left to the 8-bit encode."""
        kind = params["kind"]
        if kind == "gaussian":
            return image + self._noise_8bit(image.shape, params).astype(np.float32) * np.float32(1.0 / 255.0)
        if kind == "poisson":
            noisy = add_poisson_noise(
                srgb_to_linear(image), params["photons"], params["seed"], params["gray"]
            )
            return linear_to_srgb(noisy)
        if kind == "salt_and_pepper":
            return add_salt_and_pepper(
                image, params["amount"], params["seed"], params["salt_ratio"], params["per_channel"]
            )
        raise ValueError(f"GN: unknown noise kind {kind!r}")

    @staticmethod
    def _noise_8bit(shape: tuple[int, ...], params: dict[str, Any]) -> np.ndarray:
        return gaussian_noise_8bit(
            shape, params["sigma_8bit"], params["seed"], params["mode"], params.get("covariance")
        )

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Gaussian as one saturating add of the whole-step noise; Poisson through the uint8 sRGB tables;
        salt-and-pepper directly on uint8 (0.0 and 1.0 encode to 0 and 255, untouched pixels round-trip
        exactly): the same bytes as the float path."""
        if params.get("kind") == "gaussian":
            return apply_uint8(self, image, params, lambda pixels: cv2.add(
                pixels, self._noise_8bit(pixels.shape, params), dtype=cv2.CV_8U))
        if params.get("kind") == "poisson":
            return apply_in_linear_light(
                self, image, params,
                lambda linear: add_poisson_noise(linear, params["photons"], params["seed"], params["gray"]),
            )
        if params.get("kind") == "salt_and_pepper":
            return apply_uint8(self, image, params, lambda pixels: add_salt_and_pepper(
                pixels, params["amount"], params["seed"], params["salt_ratio"], params["per_channel"], high=255
            ))
        return super().apply(image, params)
