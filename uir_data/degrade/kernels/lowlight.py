"""Low-light exposure in linear light with photon-tied noise (docs/degradations.md).

The clean image is read as scene radiance at a normal exposure whose full scale collects `photons`
electrons. Shortening the exposure by a factor scales the signal, and therefore the shot noise, by the same
factor; read noise stays fixed.

Light sources are brighter than the 8-bit range shows, so blur and exposure cuts may expand them first
(LEDNet keeps its L > 0.97 pixels saturated; RSBlur smears saturated lights into bright streaks). Only real
light sources count: small connected regions clipped in luminance (so in every channel that carries
light) in a scene dark enough to be a night or indoor scene. A bright skin highlight, saturated red paint,
a white shirt in daylight or an overexposed sky are surfaces, and a surface is never brightened.
"""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.kernels.noise import add_poisson_gaussian

# A small-pixel sensor at base ISO: ~2000 e- full well and ~2.5 e- read noise are typical published values
# for phone sensors (ELD / SID style models). Fixed so that noise follows the exposure alone.
BASE_PHOTONS = 2000.0
READ_NOISE_ELECTRONS = 2.5
# sRGB 0.97 (LEDNet's preserved-light threshold) in linear light, applied to Rec. 709 luminance: a pixel
# reaches it only when all three channels are near clipping (255, 255, 240 does; 255, 40, 40 does not).
LIGHT_SOURCE_THRESHOLD = 0.933
LUMINANCE_WEIGHTS = (0.2126, 0.7152, 0.0722)
# A lamp, a window at night or a specular glint covers a small part of the frame; a clipped region larger
# than this share of the image is a surface (sky, wall, paper) and is left alone.
MAX_LIGHT_AREA_FRACTION = 0.005
# Mean linear luminance above which a scene counts as daylight and has no light sources to expand. The
# bundled photos: astronaut 0.27, coffee 0.20, rocket (launch at dusk) 0.06, Hubble deep field 0.02.
NIGHT_MEAN_LUMINANCE = 0.08
# A light source is taken as at least twice the clipping level, so after an exposure cut by k it is still
# 2x over full well and shot noise cannot pull it below saturation.
LIGHT_HEADROOM = 2.0


def luminance(linear: np.ndarray) -> np.ndarray:
    """Rec. 709 luminance of a linear RGB image, float32 (H, W)."""
    red, green, blue = LUMINANCE_WEIGHTS
    return (
        linear[..., 0] * np.float32(red) + linear[..., 1] * np.float32(green) + linear[..., 2] * np.float32(blue)
    )


def light_source_weight(linear: np.ndarray, threshold: float = LIGHT_SOURCE_THRESHOLD) -> np.ndarray | None:
    """Per-pixel light-source weight in [0, 1] (H, W), or None when the image has no light source."""
    lum = luminance(linear)
    if float(lum.mean()) > NIGHT_MEAN_LUMINANCE:
        return None
    core = lum >= np.float32(threshold)
    if not core.any():
        return None
    _, labels, stats, _ = cv2.connectedComponentsWithStats(core.view(np.uint8), connectivity=8)
    small = stats[:, cv2.CC_STAT_AREA] <= max(1, int(MAX_LIGHT_AREA_FRACTION * lum.size))
    small[0] = False  # label 0 is the background
    if not small.any():
        return None
    ramp = np.clip((lum - np.float32(threshold)) * np.float32(1.0 / (1.0 - threshold)), 0.0, 1.0)
    return ramp * small[labels]


def expand_light_sources(linear: np.ndarray, gain: float) -> np.ndarray:
    """Multiply the light sources of a linear image by up to `gain` (1.0 = unchanged); surfaces untouched."""
    if gain <= 1.0:
        return linear
    weight = light_source_weight(linear)
    if weight is None:
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
    and the black level clips at 0. With photons <= 0 the exposure is applied without noise. Without noise
    no pixel ends brighter than it was, except light sources kept saturated (`keep_lights`).
    """
    if not 0 < exposure <= 1:
        raise ValueError(f"exposure must be in (0, 1], got {exposure}")
    radiance = expand_light_sources(linear_image, LIGHT_HEADROOM / exposure) if keep_lights else linear_image
    if photons <= 0:
        return np.clip(radiance * np.float32(exposure), 0.0, 1.0)
    # One multiply by exposure·photons: the same values as two when the exposure is a power of two (every
    # level's is), one full-image pass less.
    electrons = add_poisson_gaussian(radiance * np.float32(exposure * photons), read_noise, seed, "exposure")
    electrons *= np.float32(1.0 / photons)
    return np.clip(electrons, 0.0, 1.0, out=electrons)
