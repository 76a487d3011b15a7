"""Colour and dtype conversions at the boundaries of the float pipeline.

Kernels work on float32 RGB in [0, 1]; uint8 appears only at the codec boundary, rounded once
(round half to even, then clip: research/degradations.md pitfall P3).
"""

from __future__ import annotations

import numpy as np


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 RGB in [0, 1]."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float RGB in [0, 1] -> uint8, rounding once and clipping where an 8-bit encoder saturates."""
    return np.clip(np.rint(image * np.float32(255.0)), 0, 255).astype(np.uint8)


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB transfer function, inverted (piecewise, not a plain 2.2 power)."""
    image = np.clip(image, 0.0, 1.0).astype(np.float32, copy=False)
    low = image * np.float32(1.0 / 12.92)
    high = np.power((image + np.float32(0.055)) * np.float32(1.0 / 1.055), np.float32(2.4))
    return np.where(image <= 0.04045, low, high).astype(np.float32)


def linear_to_srgb(image: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB transfer function (linear light -> display-encoded values)."""
    image = np.clip(image, 0.0, 1.0).astype(np.float32, copy=False)
    low = image * np.float32(12.92)
    high = np.float32(1.055) * np.power(image, np.float32(1.0 / 2.4)) - np.float32(0.055)
    return np.where(image <= 0.0031308, low, high).astype(np.float32)
