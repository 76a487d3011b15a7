"""Rain-streak kernels: sparse seeds smeared by a tapered streak kernel, composited in linear light.

The programmatic form of the Photoshop rain recipe behind Rain100L/H and Rain1400: a sparse noise seed, a linear motion smear at one angle, and a blend with opacity. Each streak is a
falling drop integrated over the exposure, so a pixel on a streak is the background partly replaced by
the drop's radiance (alpha-over in linear light). A drop refracts a wide field of view, so its radiance
follows the ambient light of the scene: streaks are bright on dark backgrounds and near-neutral against
bright sky, which a plain screen/add blend (never darkening) cannot reproduce.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.pixelwise import expand_plane


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(int(seed)))


def direction(angle_deg: float) -> tuple[float, float]:
    """Unit (dx, dy) of a streak `angle_deg` from vertical; positive angles fall to the right."""
    radians = math.radians(angle_deg)
    return math.sin(radians), math.cos(radians)


def rain_layer(height: int, width: int, density: float, length: float, angle_deg: float,
               streak_width: float, seed: int, blur_sigma: float = 0.0) -> np.ndarray:
    """Streak coverage in [0, 1] (H, W): Binomial(density) seeds of random strength, smeared and clipped.

    Streaks are rendered in a frame rotated by the streak angle, where the smear is a vertical running
    sum (O(1) per pixel at any length, two boxes giving a brighter middle and fainter ends) and the
    cross-section a horizontal Gaussian of FWHM `streak_width`; one affine warp brings the layer back.
    Uniform seeds stay uniform under rotation, and the rotated canvas is padded by half a streak so
    streaks enter from outside the frame (no thinned band along the borders).
    """
    rng = _generator(seed)
    length = max(float(length), 1.0)
    dx, dy = direction(angle_deg)
    cos_t, sin_t = dy, dx  # rotation taking the streak direction to the canvas's vertical axis
    pad = int(math.ceil(length / 2.0 + 2.0 * max(streak_width, 1.0) + 2.0))
    # Bounding box of the image in the rotated frame.
    canvas_w = int(math.ceil(abs(width * cos_t) + abs(height * sin_t))) + 2 * pad
    canvas_h = int(math.ceil(abs(width * sin_t) + abs(height * cos_t))) + 2 * pad
    count = int(rng.binomial(canvas_h * canvas_w, min(max(density, 0.0), 1.0)))
    flat = rng.integers(0, canvas_h * canvas_w, count)
    # Drops differ in size and distance: strength U(0.35, 1) keeps streaks from looking stamped.
    strength = rng.uniform(0.35, 1.0, count)
    seeds = np.bincount(flat, weights=strength, minlength=canvas_h * canvas_w)
    seeds = seeds.astype(np.float32).reshape(canvas_h, canvas_w)
    long_box = max(int(round(length)), 1)
    short_box = max(int(round(0.6 * length)), 1)
    # The drop is longest in focus mid-exposure: 0.7 of the streak over its full length, 0.3 over the
    # middle 60 %.
    streaks = cv2.boxFilter(seeds, -1, (1, long_box), normalize=False, borderType=cv2.BORDER_CONSTANT)
    streaks *= np.float32(0.7)
    streaks += np.float32(0.3) * cv2.boxFilter(seeds, -1, (1, short_box), normalize=False,
                                               borderType=cv2.BORDER_CONSTANT)
    sigma = max(streak_width, 1.0) / 2.3548  # FWHM -> Gaussian sigma
    taps = 2 * int(math.ceil(3 * sigma)) + 1
    # Peak of the cross-section = min(width, 1): sub-pixel streaks are fainter, not aliased.
    streaks = cv2.GaussianBlur(streaks, (taps, 1), sigma, sigmaY=0.1, borderType=cv2.BORDER_CONSTANT)
    streaks *= np.float32(sigma * math.sqrt(2 * math.pi) * min(streak_width, 1.0))
    # Affine map image (x, y) -> canvas: rotate about the image centre, then move to the canvas centre.
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    ccx, ccy = (canvas_w - 1) / 2.0, (canvas_h - 1) / 2.0
    to_canvas = np.array([
        [cos_t, -sin_t, ccx - cos_t * cx + sin_t * cy],
        [sin_t, cos_t, ccy - sin_t * cx - cos_t * cy],
    ], np.float64)
    layer = cv2.warpAffine(streaks, to_canvas, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_CONSTANT)
    if blur_sigma > 0:
        layer = cv2.GaussianBlur(layer, (0, 0), blur_sigma, borderType=cv2.BORDER_REFLECT)
    return np.clip(layer, 0.0, 1.0)


def _ambient_small(image_linear: np.ndarray, cell_px: float) -> np.ndarray:
    height, width = image_linear.shape[:2]
    small_w = max(1, int(round(width / max(cell_px, 1.0))))
    small_h = max(1, int(round(height / max(cell_px, 1.0))))
    small = cv2.resize(image_linear, (small_w, small_h), interpolation=cv2.INTER_AREA)
    return small.reshape(small_h, small_w, -1)


def ambient_light(image_linear: np.ndarray, cell_px: float) -> np.ndarray:
    """Large-scale ambient radiance (H, W, 3): the image averaged over ~cell_px blocks, smoothly upsampled."""
    height, width = image_linear.shape[:2]
    small = _ambient_small(image_linear, cell_px)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, -1)


def drop_radiance(image_linear: np.ndarray, cell_px: float, lift: float, gain: float) -> np.ndarray:
    """Radiance of a falling drop (H, W, 3): a wide-angle average of the scene (half global, half local),
    brightened (drops concentrate light from the sky hemisphere) and desaturated toward grey."""
    height, width = image_linear.shape[:2]
    # Everything is smooth, so it is computed on the block grid and upsampled once.
    local = _ambient_small(image_linear, cell_px)
    environment = 0.5 * local + 0.5 * local.mean(axis=(0, 1), keepdims=True)
    grey = environment.mean(axis=2, keepdims=True)
    small = np.clip(lift + gain * (0.3 * environment + 0.7 * grey), 0.0, 1.0).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_LINEAR).reshape(height, width, -1)


def composite(image: np.ndarray, alpha: np.ndarray, radiance: np.ndarray | float) -> np.ndarray:
    """Alpha-over of a translucent layer: image·(1 − α) + radiance·α, α (H, W) in [0, 1]."""
    blended = np.asarray(radiance, np.float32) - image
    blended *= expand_plane(alpha, image.shape[2])
    blended += image
    return blended
