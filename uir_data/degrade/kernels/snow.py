"""Snow kernels: depth layers of falling flakes, each a soft disc smeared by its motion during the exposure.

Procedural multi-layer snow after GIMP's "Render Snow" and hgupta01's small/large-flake generator:
per layer, sparse seeds → flake footprint → motion blur at the fall
angle → defocus; far layers have many small sharp flakes, near layers few large, fast and defocused ones.
Flakes are composited over the scene in linear light toward the radiance of diffusely lit snow.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.motion import motion_kernel

# OpenCV filters kernels above 11x11 by DFT (~4 ms on a 512² canvas whatever the seed count); a layer of few
# flakes is cheaper drawn flake by flake (one weighted bincount) when it writes no more values than the canvas has.
SPLAT_MIN_KERNEL_AREA = 11 * 11


def _generator(seed: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(int(seed)))


def flake_kernel(radius: float) -> np.ndarray:
    """A soft disc of `radius` px with peak 1; sub-pixel flakes keep a one-pixel disc, dimmed by area."""
    shape_radius = max(radius, 0.5)
    extent = int(math.ceil(shape_radius + 1))
    coords = np.arange(-extent, extent + 1, dtype=np.float32)
    distance = np.hypot(coords[None, :], coords[:, None])
    disc = np.clip(shape_radius + 0.5 - distance, 0.0, 1.0)
    return (disc * min(1.0, (radius / 0.5) ** 2)).astype(np.float32)


def moving_flake_kernel(radius: float, motion_px: float, fall_angle_deg: float) -> np.ndarray:
    """Footprint of a flake of `radius` falling `motion_px` during the exposure, `fall_angle_deg` from
    vertical (positive: falls to the right). Exposure averaging dims fast flakes, as a camera does."""
    flake = flake_kernel(radius)
    if motion_px <= 1.0:
        return flake
    # motion_kernel angles are counter-clockwise from the x axis (kernels/motion.py).
    streak = motion_kernel(motion_px, fall_angle_deg - 90.0)
    pad = streak.shape[0] // 2
    padded = np.pad(flake, pad)
    return cv2.filter2D(padded, -1, np.ascontiguousarray(streak[::-1, ::-1]), borderType=cv2.BORDER_CONSTANT)


def snow_layer(height: int, width: int, density: float, radius: float, motion_px: float,
               fall_angle_deg: float, blur_px: float, seed: int) -> np.ndarray:
    """Flake coverage in [0, 1] (H, W) of one depth layer; seeds are drawn on a padded canvas so flakes
    enter from outside the frame."""
    rng = _generator(seed)
    kernel = moving_flake_kernel(radius, motion_px, fall_angle_deg)
    pad = kernel.shape[0] // 2 + int(math.ceil(3 * blur_px))
    canvas_h, canvas_w = height + 2 * pad, width + 2 * pad
    count = int(rng.binomial(canvas_h * canvas_w, min(max(density, 0.0), 1.0)))
    flat = rng.integers(0, canvas_h * canvas_w, count)
    # Flakes vary in reflectance and thickness; most are nearly opaque (Snow100K): strength U(0.75, 1).
    strength = rng.uniform(0.75, 1.0, count)
    if kernel.size > SPLAT_MIN_KERNEL_AREA and count * kernel.size <= canvas_h * canvas_w:
        layer = splat(flat, strength, kernel, canvas_h, canvas_w)
    else:
        seeds = np.bincount(flat, weights=strength, minlength=canvas_h * canvas_w)
        seeds = seeds.astype(np.float32).reshape(canvas_h, canvas_w)
        layer = cv2.filter2D(seeds, -1, np.ascontiguousarray(kernel[::-1, ::-1]), borderType=cv2.BORDER_CONSTANT)
    if blur_px > 0:
        layer = cv2.GaussianBlur(layer, (0, 0), blur_px, borderType=cv2.BORDER_CONSTANT)
    return np.clip(layer[pad : pad + height, pad : pad + width], 0.0, 1.0)


def splat(flat: np.ndarray, strength: np.ndarray, kernel: np.ndarray, height: int, width: int) -> np.ndarray:
    """float32 (height, width): every seed (flat index, strength) convolved with `kernel` (odd, square), zero
    outside the canvas: what filter2D of the seed image gives (BORDER_CONSTANT), summed in float64."""
    half = kernel.shape[0] // 2
    wide = width + 2 * half  # a canvas padded by the kernel radius, so no footprint wraps to the next row
    rows, cols = np.divmod(flat, width)
    corners = rows * wide + cols  # the footprint's top-left corner in the padded canvas
    taps = np.arange(kernel.shape[0])
    offsets = (taps[:, None] * wide + taps[None, :]).ravel()
    values = np.bincount(
        (corners[:, None] + offsets[None, :]).ravel(),
        weights=(strength[:, None] * kernel.ravel()[None, :].astype(np.float64)).ravel(),
        minlength=(height + 2 * half) * wide,
    )
    return values.reshape(height + 2 * half, wide)[half : half + height, half : half + width].astype(np.float32)
