"""RN: real-camera noise by unprocessing (Brooks et al. 2019).

sRGB -> inverse ISP -> Bayer mosaic -> heteroscedastic shot + read noise (variance = shot·x + read) ->
clip at the sensor range -> demosaic -> forward ISP. The LQ is GT plus the difference between that output and
the same pipeline run without noise, so demosaic error is not mistaken for noise. Demosaicing and the colour matrix turn the white
sensor noise into the chroma blotches and spatially correlated grain of real photos. Six levels on Brooks'
shot axis with read noise on his regression line (no jitter, so a level is one noise strength); camera
matrix weights, gains and Bayer pattern are drawn per sample from Brooks' ranges (pattern as in CBDNet).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.kernels.bayer import PATTERNS, demosaic, mosaic
from uir_data.degrade.kernels.camera_isp import process, rgb_to_camera_matrix, unprocess, white_balance_gains
from uir_data.degrade.kernels.noise import noise_rng
from uir_data.seeding import draw_seed

SHOT_LEVELS = (1e-4, 3e-4, 1e-3, 2.5e-3, 6e-3, 1.2e-2)


def read_for_shot(shot: float) -> float:
    """Brooks' read-noise variance regression: log(read) = 2.18·log(shot) + 1.20 (mean, no jitter)."""
    return math.exp(2.18 * math.log(shot) + 1.20)


class CameraNoise(Degradation):
    abbrev = "RN"
    levels = tuple(
        Level(
            f"shot-{s:g}",
            {"shot": s, "read": read_for_shot(s)},
            f"shot variance {s:g}·x, read variance {read_for_shot(s):.2e}",
        )
        for s in SHOT_LEVELS
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Draw the camera: colour-matrix weights, gains (Brooks' ranges), Bayer pattern, noise seed."""
        spec = self.check_level(level).params
        seed = draw_seed(rng)
        weights = rng.uniform(1e-8, 1.0, 4)
        return {
            **spec,
            "ccm_weights": (weights / weights.sum()).round(10).tolist(),
            "rgb_gain": float(1.0 / np.clip(rng.normal(0.8, 0.1), 0.5, 1.1)),
            "red_gain": float(rng.uniform(1.9, 2.4)),
            "blue_gain": float(rng.uniform(1.5, 1.9)),
            "pattern": PATTERNS[int(rng.integers(0, len(PATTERNS)))],
            "demosaic": "bilinear",
            "residual": True,
            "domain": "raw",
            "seed": seed,
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Unprocess, add raw noise on the mosaic, demosaic, process."""
        rgb_to_cam = rgb_to_camera_matrix(params["ccm_weights"])
        gains = white_balance_gains(params["rgb_gain"], params["red_gain"], params["blue_gain"])
        clean = mosaic(unprocess(image, rgb_to_cam, gains), params["pattern"])
        std = np.sqrt(np.maximum(clean, 0.0) * np.float32(params["shot"]) + np.float32(params["read"]))
        noisy = clean + std * noise_rng(params["seed"], "raw").standard_normal(clean.shape, dtype=np.float32)
        # demosaic() clips to the sensor range [0, 1], as a raw file does.
        noisy_rgb = process(demosaic(noisy, params["pattern"], params["demosaic"]), rgb_to_cam, gains)
        if not params.get("residual", True):
            return noisy_rgb
        # Paired like SIDD, where GT went through the same ISP: keep only the noise the pipeline produced
        # (noisy minus noise-free through the identical path), so demosaic error is not counted as noise.
        clean_rgb = process(demosaic(clean, params["pattern"], params["demosaic"]), rgb_to_cam, gains)
        return image + (noisy_rgb - clean_rgb)
