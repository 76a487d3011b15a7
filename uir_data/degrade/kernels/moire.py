"""Moiré kernels: recapture of an RGB-stripe display by a camera whose anti-aliasing is too weak.

Screen-recapture simulation after Liu et al. (arXiv 1804.03809): the image
is shown on an LCD whose pixels are three vertical colour stripes separated by a black matrix, seen by a
camera at a pitch ratio ρ (display pixel size in camera pixels) and a small rotation, prefiltered by the
optical low-pass filter plus the pixel aperture, sampled on the camera grid through a Bayer CFA and
demosaicked. Instead of supersampling, the stripe pattern is written as its Fourier series, each harmonic
attenuated by the camera MTF and then evaluated at the pixel centres: sampling the prefiltered pattern is
exactly what aliases into moiré, and it costs a few multiply-adds per pixel at any ρ.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.bayer import demosaic, mosaic
from uir_data.degrade.kernels.pixelwise import channel_row, expand_plane

HARMONICS = 3  # beyond the 3rd harmonic the MTF at ρ ≥ 1 is below 1e-6 for every aa_sigma we use
PIXEL_APERTURE_VARIANCE = 1.0 / 12.0  # a 100 %-fill square pixel ≈ a Gaussian of the box's variance


def pulse_coefficients(duty: float, count: int = HARMONICS) -> np.ndarray:
    """Fourier cosine amplitudes 2·sin(πkD)/(πk), k = 1..count, of a unit-height pulse train of duty D."""
    k = np.arange(1, count + 1, dtype=np.float64)
    return 2.0 * np.sin(np.pi * k * duty) / (np.pi * k)


def gaussian_mtf(frequency: np.ndarray | float, sigma: float) -> np.ndarray:
    """MTF of a Gaussian blur of std `sigma` px at `frequency` cycles/px."""
    return np.exp(-2.0 * np.pi**2 * sigma**2 * np.square(frequency))


def screen_coordinates(height: int, width: int, pitch: float, angle_deg: float, phase: tuple[float, float],
                       distortion: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Display coordinates (u, v) in display pixels of every camera pixel centre: radial lens distortion
    (k1 · r², r normalised to the half-diagonal), rotation about the centre, 1/pitch scaling, a phase."""
    theta = math.radians(angle_deg)
    xs = np.arange(width, dtype=np.float32)[None, :] - np.float32((width - 1) / 2)
    ys = np.arange(height, dtype=np.float32)[:, None] - np.float32((height - 1) / 2)
    if distortion:
        # Barrel/pincushion distortion bends the moiré bands, as in real recaptures.
        radius2 = (xs * xs + ys * ys) * np.float32(4.0 / max(height * height + width * width, 1))
        factor = 1.0 + np.float32(distortion) * radius2
        xs, ys = xs * factor, ys * factor
    cos_t, sin_t = np.float32(math.cos(theta) / pitch), np.float32(math.sin(theta) / pitch)
    u = xs * cos_t + ys * sin_t + np.float32(phase[0])
    v = ys * cos_t - xs * sin_t + np.float32(phase[1])
    return u, v


def _prefiltered_pulses(coordinate: np.ndarray, duty: float, centres: list[float], gains: np.ndarray) -> list[np.ndarray]:
    """Band-limited pulse trains D + Σ a_k·g_k·cos(2πk(x − c)) for each centre c, sharing the harmonics.

    cos(2πk(x − c)) = cos(2πkx)·cos(2πkc) + sin(2πkx)·sin(2πkc): the per-pixel harmonics are computed once
    (one cos and one sin, higher orders by the angle-addition recurrence) in float32.
    """
    coefficients = pulse_coefficients(duty) * gains
    phase = (coordinate - np.floor(coordinate)).astype(np.float32) * np.float32(2 * np.pi)
    cos_1, sin_1 = np.cos(phase), np.sin(phase)
    harmonics = [(cos_1, sin_1)]
    for _ in range(1, HARMONICS):
        cos_k, sin_k = harmonics[-1]
        harmonics.append((cos_k * cos_1 - sin_k * sin_1, sin_k * cos_1 + cos_k * sin_1))
    trains = []
    for centre in centres:
        train = np.full(coordinate.shape, np.float32(duty))
        for k, ((cos_k, sin_k), coefficient) in enumerate(zip(harmonics, coefficients, strict=True), start=1):
            if abs(coefficient) < 1e-7:
                continue
            angle = 2 * np.pi * k * centre
            train += np.float32(coefficient * np.cos(angle)) * cos_k
            train += np.float32(coefficient * np.sin(angle)) * sin_k
        trains.append(train)
    return trains


def stripe_masks(height: int, width: int, pitch: float, angle_deg: float, phase: tuple[float, float],
                 fill_x: float, fill_y: float, aa_sigma: float, distortion: float = 0.0) -> np.ndarray:
    """(H, W, 3) brightness of the R, G, B sub-pixel stripes as the camera integrates them, mean ≈ 1."""
    u, v = screen_coordinates(height, width, pitch, angle_deg, phase, distortion)
    sigma = math.sqrt(aa_sigma**2 + PIXEL_APERTURE_VARIANCE)
    # Harmonic k of either display axis has spatial frequency k/pitch cycles per camera pixel.
    gains = gaussian_mtf(np.arange(1, HARMONICS + 1) / pitch, sigma)
    duty_x = fill_x / 3.0
    stripes = _prefiltered_pulses(u, duty_x, [(c + 0.5) / 3.0 for c in range(3)], gains)
    (rows,) = _prefiltered_pulses(v, fill_y, [0.5], gains)
    # The Gaussian MTF factorises over the orthogonal display axes, so the 2-D pattern is the product.
    masks = np.stack([stripe * rows for stripe in stripes], axis=-1)
    return masks / np.float32(duty_x * fill_y)


def recapture(image_linear: np.ndarray, pitch: float, angle_deg: float, phase: tuple[float, float],
              fill_x: float, fill_y: float, aa_sigma: float, lens_sigma: float, distortion: float = 0.0,
              pattern: str = "RGGB", demosaic_method: str = "bilinear") -> np.ndarray:
    """Photograph a linear image shown on an RGB-stripe display: lens blur, aliased sub-pixel pattern,
    Bayer CFA and demosaicking; exposure normalised so flat regions keep their brightness."""
    height, width = image_linear.shape[:2]
    content = image_linear
    if lens_sigma > 0:
        content = cv2.GaussianBlur(image_linear, (0, 0), lens_sigma, borderType=cv2.BORDER_REFLECT_101)
    masks = stripe_masks(height, width, pitch, angle_deg, phase, fill_x, fill_y, aa_sigma, distortion)
    captured = content * masks
    return demosaic(mosaic(captured, pattern), pattern, demosaic_method)


def vignetting(height: int, width: int, strength: float) -> np.ndarray:
    """(H, W) light falloff 1 − strength·r², r the distance from the centre over the half-diagonal."""
    ys = (np.arange(height, dtype=np.float32) - np.float32((height - 1) / 2))[:, None]
    xs = (np.arange(width, dtype=np.float32) - np.float32((width - 1) / 2))[None, :]
    radius2 = (xs * xs + ys * ys) * np.float32(4.0 / max(height * height + width * width, 1))
    return np.float32(1.0) - np.float32(strength) * radius2


def recapture_tone(captured_linear: np.ndarray, exposure: float, channel_gains: tuple[float, float, float],
                   black_level: float, vignette: float) -> np.ndarray:
    """The global shift of a screen photo: the camera's exposure and white balance do not match the
    display's (brightness and colour cast), the screen's black glows and reflects room light (raised blacks,
    lower contrast), and the lens darkens the corners. Linear light in and out."""
    height, width = captured_linear.shape[:2]
    gains = channel_row(np.float32(exposure) * np.asarray(channel_gains, np.float32), width)
    shifted = captured_linear * gains * expand_plane(vignetting(height, width, vignette))
    return np.float32(black_level) + np.float32(1.0 - black_level) * shifted
