"""Rain-streak kernels: sparse seeds smeared by a tapered streak kernel, composited in linear light.

The programmatic form of the Photoshop rain recipe behind Rain100L/H and Rain1400 (research/degradations.md
§1.10): a sparse noise seed, a linear motion smear at one angle, and a blend with opacity. Each streak is a
falling drop integrated over the exposure, so a pixel on a streak is the background partly replaced by
the drop's radiance (alpha-over in linear light). A drop refracts a wide field of view, so its radiance
follows the ambient light of the scene: streaks are bright on dark backgrounds and near-neutral against
bright sky, which a plain screen/add blend (never darkening) cannot reproduce.
"""

from __future__ import annotations

import math

import cv2
import numpy as np


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(int(seed)))


def direction(angle_deg: float) -> tuple[float, float]:
    """Unit (dx, dy) of a streak `angle_deg` from vertical; positive angles fall to the right."""
    radians = math.radians(angle_deg)
    return math.sin(radians), math.cos(radians)


def streak_kernel(length: float, angle_deg: float, width: float = 1.0) -> np.ndarray:
    """A tapered, anti-aliased streak of `length` px and full width at half maximum `width` px.

    Peak ≈ min(width, 1): sub-pixel streaks are rendered fainter rather than aliased to one pixel.
    """
    length = max(float(length), 1.0)
    half = length / 2.0
    radius = int(math.ceil(half + 2.0 * max(width, 1.0)))
    coords = np.arange(-radius, radius + 1, dtype=np.float32)
    xs, ys = np.meshgrid(coords, coords)
    dx, dy = direction(angle_deg)
    along = xs * dx + ys * dy
    across = -xs * dy + ys * dx
    # Anti-aliased ends, slightly brighter in the middle (the drop is longest in focus mid-exposure).
    ends = np.clip(half + 0.5 - np.abs(along), 0.0, 1.0)
    profile_along = ends * (1.0 - 0.35 * np.clip(along / half, -1.0, 1.0) ** 2)
    sigma = max(width, 1.0) / 2.3548  # FWHM -> Gaussian sigma
    profile_across = min(width, 1.0) * np.exp(-0.5 * (across / sigma) ** 2)
    return (profile_along * profile_across).astype(np.float32)


def rain_layer(height: int, width: int, density: float, length: float, angle_deg: float,
               streak_width: float, seed: int, blur_sigma: float = 0.0) -> np.ndarray:
    """Streak coverage in [0, 1] (H, W): Binomial(density) seeds of random strength, smeared and clipped.

    Seeds are drawn on a canvas padded by the streak radius so streaks enter from outside the frame
    (no thinned band along the borders).
    """
    rng = _generator(seed)
    kernel = streak_kernel(length, angle_deg, streak_width)
    pad = kernel.shape[0] // 2
    canvas_h, canvas_w = height + 2 * pad, width + 2 * pad
    count = int(rng.binomial(canvas_h * canvas_w, min(max(density, 0.0), 1.0)))
    flat = rng.integers(0, canvas_h * canvas_w, count)
    # Drops differ in size and distance: strength U(0.35, 1) keeps streaks from looking stamped.
    strength = rng.uniform(0.35, 1.0, count)
    seeds = np.bincount(flat, weights=strength, minlength=canvas_h * canvas_w)
    seeds = seeds.astype(np.float32).reshape(canvas_h, canvas_w)
    layer = cv2.filter2D(seeds, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    layer = layer[pad : pad + height, pad : pad + width]
    if blur_sigma > 0:
        layer = cv2.GaussianBlur(layer, (0, 0), blur_sigma, borderType=cv2.BORDER_REFLECT)
    return np.clip(layer, 0.0, 1.0)


def ambient_light(image_linear: np.ndarray, cell_px: float) -> np.ndarray:
    """Large-scale ambient radiance (H, W, 3): the image averaged over ~cell_px blocks, smoothly upsampled."""
    height, width = image_linear.shape[:2]
    small_w = max(1, int(round(width / max(cell_px, 1.0))))
    small_h = max(1, int(round(height / max(cell_px, 1.0))))
    small = cv2.resize(image_linear, (small_w, small_h), interpolation=cv2.INTER_AREA)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, -1)


def drop_radiance(image_linear: np.ndarray, cell_px: float, lift: float, gain: float) -> np.ndarray:
    """Radiance of a falling drop (H, W, 3): a wide-angle average of the scene (half global, half local),
    brightened (drops concentrate light from the sky hemisphere) and desaturated toward grey."""
    local = ambient_light(image_linear, cell_px)
    environment = 0.5 * local + 0.5 * image_linear.mean(axis=(0, 1), keepdims=True)
    grey = environment.mean(axis=2, keepdims=True)
    environment = 0.3 * environment + 0.7 * grey
    return np.clip(lift + gain * environment, 0.0, 1.0).astype(np.float32)


def composite(image: np.ndarray, alpha: np.ndarray, radiance: np.ndarray | float) -> np.ndarray:
    """Alpha-over of a translucent layer: image·(1 − α) + radiance·α, α (H, W) in [0, 1]."""
    alpha = alpha[..., None]
    return (image * (1.0 - alpha) + np.asarray(radiance, np.float32) * alpha).astype(np.float32)
