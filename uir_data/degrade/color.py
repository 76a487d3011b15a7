"""Colour and dtype conversions at the boundaries of the float pipeline.

Kernels work on float32 RGB in [0, 1]; uint8 appears only at the codec boundary, rounded once
(round half to even, then clip: research/degradations.md pitfall P3).
"""

from __future__ import annotations

import cv2
import numpy as np


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 RGB in [0, 1]."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float RGB in [0, 1] -> uint8, rounding once and clipping where an 8-bit encoder saturates."""
    return np.clip(np.rint(image * np.float32(255.0)), 0, 255).astype(np.uint8)


def _power(image: np.ndarray, exponent: float) -> np.ndarray:
    """Elementwise power of a non-negative float32 array; cv2.pow is ~1.6x faster than np.power here."""
    if image.ndim == 2 or (image.ndim == 3 and image.shape[2] <= 4):  # shapes cv2 takes as an image
        return cv2.pow(image, exponent)
    return np.power(image, np.float32(exponent))


def srgb_to_linear(image: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB transfer function, inverted (piecewise, not a plain 2.2 power)."""
    image = np.asarray(np.clip(image, 0.0, 1.0), dtype=np.float32)
    result = np.asarray(_power((image + np.float32(0.055)) * np.float32(1.0 / 1.055), 2.4))
    np.copyto(result, image * np.float32(1.0 / 12.92), where=image <= 0.04045)
    return result


def linear_to_srgb(image: np.ndarray) -> np.ndarray:
    """IEC 61966-2-1 sRGB transfer function (linear light -> display-encoded values)."""
    image = np.asarray(np.clip(image, 0.0, 1.0), dtype=np.float32)
    result = np.asarray(np.float32(1.055) * _power(image, 1.0 / 2.4) - np.float32(0.055))
    np.copyto(result, image * np.float32(12.92), where=image <= 0.0031308)
    return result
