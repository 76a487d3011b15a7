"""Haze kernels: the atmospheric scattering model, a ground-plane and a uniform pseudo-depth, heterogeneity.

I = J·t + A·(1 − t), t = exp(−β·d) (Koschmieder / McCartney), evaluated in
whatever domain the caller passes (H uses sRGB values as RESIDE does; LHRS linear light). No depth network
can be downloaded on the build machines: H reads relative depth from the image itself
(kernels/depth_prior.py); the row profile and the uniform field here are the depth-free fallbacks, and
smooth low-frequency heterogeneity modulates the extinction (as hgupta01's Perlin-modulated fog does).
Depth is relative and normalised to [0, 1] with the sky at 1: β sets the scale, so only depth ratios matter.
"""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.kernels.pixelwise import channel_row, expand_plane

# Uniform pseudo-depth: close to the mean of the row profile over its sampled range (~0.63-0.75), so that
# one β gives a similar mean transmission whichever depth source a sample draws.
UNIFORM_DEPTH = 0.7


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(int(seed)))


def low_frequency_field(height: int, width: int, feature_px: float, seed: int, octaves: int = 3) -> np.ndarray:
    """Smooth zero-mean noise in about [−1, 1] whose largest blobs are ~feature_px wide (value noise)."""
    rng = _generator(seed)
    # The field has no detail finer than feature_px / 2^(octaves-1): build it on a grid `step` times
    # coarser and upsample once (the cost no longer grows with the image).
    step = max(1, int(feature_px / 2 ** (octaves + 1)))
    small_h, small_w = -(-height // step), -(-width // step)
    field = np.zeros((small_h, small_w), np.float32)
    total = 0.0
    for octave in range(octaves):
        cell = max(feature_px / step / (2**octave), 2.0)
        grid_h = int(np.ceil(small_h / cell)) + 2
        grid_w = int(np.ceil(small_w / cell)) + 2
        grid = rng.uniform(-1.0, 1.0, (grid_h, grid_w)).astype(np.float32)
        # Bicubic upsampling of a coarse random grid gives a smooth field; crop away the border cells.
        big = cv2.resize(grid, (int(grid_w * cell), int(grid_h * cell)), interpolation=cv2.INTER_CUBIC)
        offset = int(cell // 2)
        amplitude = 0.5**octave
        field += amplitude * big[offset : offset + small_h, offset : offset + small_w]
        total += amplitude
    if step > 1:
        field = cv2.resize(field, (small_w * step, small_h * step), interpolation=cv2.INTER_LINEAR)
        field = field[:height, :width]
    field = field / np.float32(total)
    field -= field.mean()
    peak = float(np.abs(field).max())
    return field / peak if peak > 0 else field


def row_depth(height: int, width: int, horizon: float, near_ratio: float, roll_deg: float = 0.0,
              softness: float = 0.06) -> np.ndarray:
    """Ground-plane pseudo-depth: sky (above the horizon) at 1, distance ∝ 1/(y − horizon) below it.

    `horizon` is a fraction of the height, `near_ratio` the distance of the bottom row relative to the far
    cap, `roll_deg` a small camera roll that tilts the horizon line. The profile is smoothed across the
    horizon over `softness`·height (Gaussian σ): the hard kink of the plain profile draws a visible line
    through the scene at strong β, and real horizons are hazy, not sharp.
    """
    horizon_row = horizon * height
    ground_span = max(height - horizon_row, 1.0)
    tilt = float(np.tan(np.radians(roll_deg)))
    # Depth depends only on the signed distance s below the (tilted) horizon: tabulate it in 1-D, smooth
    # it, and look every pixel up by interpolation.
    reach = abs(tilt) * width / 2.0 + height + 1.0
    sigma = max(softness * height, 1e-3)
    pad = 4.0 * sigma
    s_table = np.linspace(-reach - pad, reach + pad, int(2 * (reach + pad)) * 2 + 1)
    with np.errstate(divide="ignore"):
        table = np.where(s_table > 0, near_ratio * ground_span / np.maximum(s_table, 1e-6), 1.0)
    table = np.minimum(table, 1.0)
    step = s_table[1] - s_table[0]
    taps = np.arange(-int(pad / step), int(pad / step) + 1) * step
    weights = np.exp(-0.5 * (taps / sigma) ** 2)
    smoothed = np.convolve(np.pad(table, len(taps) // 2, mode="edge"), weights / weights.sum(), mode="valid")
    ys = np.arange(height, dtype=np.float64)[:, None] + 0.5
    xs = np.arange(width, dtype=np.float64)[None, :] + 0.5
    below = ys - (horizon_row + tilt * (xs - width / 2.0))
    return np.interp(below, s_table, smoothed).astype(np.float32)


def uniform_depth(height: int, width: int, value: float = UNIFORM_DEPTH) -> np.ndarray:
    """Constant pseudo-depth (a homogeneous fog bank, no scene geometry)."""
    return np.full((height, width), value, np.float32)


def transmission_map(depth: np.ndarray, beta: float, heterogeneity: np.ndarray | None = None,
                     amplitude: float = 0.0) -> np.ndarray:
    """t = exp(−β·(1 + amplitude·n)·d), n a zero-mean field modulating the extinction coefficient."""
    extinction = np.float32(beta) * depth
    if heterogeneity is not None and amplitude > 0:
        extinction = extinction * np.maximum(1.0 + np.float32(amplitude) * heterogeneity, 0.0)
    return np.exp(-extinction).astype(np.float32)


def apply_scattering(image: np.ndarray, transmission: np.ndarray, airlight: np.ndarray | float) -> np.ndarray:
    """I = J·t + A·(1 − t) for an (H, W, 3) image, an (H, W) transmission and a scalar or RGB airlight."""
    height, width, channels = image.shape
    airlight_row = channel_row(airlight, width, channels)
    # (J − A)·t + A: the same value with one full-size temporary instead of four.
    hazy = image.astype(np.float32, copy=False) - airlight_row
    hazy *= expand_plane(transmission, channels)
    hazy += airlight_row
    return hazy
