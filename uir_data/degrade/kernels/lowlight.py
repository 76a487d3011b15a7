"""Low-light exposure in linear light with photon-tied noise (research/degradations.md §1.15 b).

The clean image is read as scene radiance at a normal exposure whose full scale collects `photons`
electrons. Shortening the exposure by a factor scales the signal, and therefore the shot noise, by the same
factor; read noise stays fixed. Light sources (pixels saturated in the clean image) are brighter than the
8-bit range shows, so they are expanded before the exposure cut and stay saturated, as LEDNet keeps its
L > 0.97 pixels (pitfall: "light sources must stay saturated").
"""

from __future__ import annotations

import numpy as np

from uir_data.degrade.kernels.noise import add_poisson_gaussian

# A small-pixel sensor at base ISO: ~2000 e- full well and ~2.5 e- read noise are typical published values
# for phone sensors (ELD / SID style models). Fixed so that noise follows the exposure alone.
BASE_PHOTONS = 2000.0
READ_NOISE_ELECTRONS = 2.5
# sRGB 0.97 (LEDNet's preserved-light threshold) in linear light.
LIGHT_SOURCE_THRESHOLD = 0.933
# A light source is taken as at least twice the clipping level, so after an exposure cut by k it is still
# 2x over full well and shot noise cannot pull it below saturation.
LIGHT_HEADROOM = 2.0


def expand_light_sources(
    linear: np.ndarray, gain: float, threshold: float = LIGHT_SOURCE_THRESHOLD
) -> np.ndarray:
    """Multiply near-saturated pixels by up to `gain` (soft ramp from threshold to 1) to restore radiance."""
    if gain <= 1.0:
        return linear
    # Elementwise maximum of the channel planes: ~20x faster than max(axis=2) on interleaved RGB.
    peak = np.maximum(np.maximum(linear[..., 0], linear[..., 1]), linear[..., 2])
    weight = np.clip((peak - np.float32(threshold)) * np.float32(1.0 / (1.0 - threshold)), 0.0, 1.0)
    if not weight.any():
        return linear
    return linear * (np.float32(1.0) + weight[..., None] * np.float32(gain - 1.0))


def apply_exposure(
    linear_image: np.ndarray,
    exposure: float,
    photons: float = BASE_PHOTONS,
    read_noise: float = READ_NOISE_ELECTRONS,
    seed: int = 0,
    keep_lights: bool = True,
) -> np.ndarray:
    """Linear image -> darker linear image at `exposure` (e.g. 1/16) with Poisson-Gaussian sensor noise.

    `photons` are electrons at full scale for exposure 1; the sensor saturates at full scale (clip at 1)
    and the black level clips at 0. With photons <= 0 the exposure is applied without noise.
    """
    if not 0 < exposure <= 1:
        raise ValueError(f"exposure must be in (0, 1], got {exposure}")
    radiance = expand_light_sources(linear_image, LIGHT_HEADROOM / exposure) if keep_lights else linear_image
    signal = radiance * np.float32(exposure)
    if photons <= 0:
        return np.clip(signal, 0.0, 1.0)
    electrons = add_poisson_gaussian(signal * np.float32(photons), read_noise, seed, "exposure")
    return np.clip(electrons * np.float32(1.0 / photons), 0.0, 1.0)
