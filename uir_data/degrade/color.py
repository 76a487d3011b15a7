"""Colour and dtype conversions at the boundaries of the float pipeline.

Kernels work on float32 RGB in [0, 1]; uint8 appears only at the codec boundary, rounded once
(round half to even, then clip).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cv2
import numpy as np

# code * (1/255) in float32 for every uint8 code: the values of the arithmetic, looked up in one pass.
_UNIT_ROW = (np.arange(256, dtype=np.uint8).astype(np.float32) * np.float32(1.0 / 255.0)).reshape(1, 256)


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 RGB -> float32 RGB in [0, 1]."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and 1 <= image.shape[2] <= 4 and image.size:
        # cv2.LUT with a float32 table: the same values as astype + multiply, one pass instead of two.
        return cv2.LUT(np.ascontiguousarray(image), _UNIT_ROW).reshape(image.shape)
    return image.astype(np.float32) * np.float32(1.0 / 255.0)


def to_uint8(image: np.ndarray) -> np.ndarray:
    """float RGB in [0, 1] -> uint8, rounding once and clipping where an 8-bit encoder saturates."""
    scaled = image * np.float32(255.0)
    if not isinstance(scaled, np.ndarray):  # a scalar
        return np.clip(np.rint(scaled), 0, 255).astype(np.uint8)
    np.rint(scaled, out=scaled)  # in place: the same values without two more full-size temporaries
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)


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


# Fast paths for the uint8 boundary. Every type that works in linear light starts from a uint8 image and
# ends in one, so the two float `pow` passes (~8 + ~11 ms per 512² RGB image) can be replaced by lookups
# that give the same bytes: 256 values in, and a monotone step function with 255 steps out.

# Linear light of every uint8 code, computed by the float path itself (so equal to it by construction).
_CODES = np.arange(256, dtype=np.uint8).reshape(1, 256, 1).repeat(3, axis=2)
SRGB8_TO_LINEAR = np.ascontiguousarray(srgb_to_linear(to_float(_CODES))[0, :, 0])
_LUT_ROW = SRGB8_TO_LINEAR.reshape(1, 256)


def srgb8_to_linear(image: np.ndarray) -> np.ndarray:
    """uint8 sRGB -> float32 linear light; the same values as srgb_to_linear(to_float(image))."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    if image.ndim == 3 and 1 <= image.shape[2] <= 4 and image.size:
        # cv2.LUT (float32 table, one per channel alike) is ~3x faster than np.take on uint8 indices.
        return cv2.LUT(np.ascontiguousarray(image), _LUT_ROW).reshape(image.shape)
    return np.take(SRGB8_TO_LINEAR, image)


def _float_path_codes(linear: np.ndarray) -> np.ndarray:
    """to_uint8(linear_to_srgb(x)) of a flat float32 array (evaluated in a shape cv2.pow accepts)."""
    padded = np.concatenate([linear, np.zeros((-linear.size) % 3, np.float32)])
    return to_uint8(linear_to_srgb(padded.reshape(1, -1, 3))).reshape(-1)[: linear.size]


def _code_thresholds() -> np.ndarray:
    """For k = 1..255 the smallest float32 x whose float-path code is >= k (bisection on the bit pattern).

    Valid because the float path is monotone non-decreasing over every float32 in [0, 1] (checked
    exhaustively, all ~1.07e9 values, when this was written; tests/uir_data/test_color.py rechecks every
    step edge against the float path)."""
    targets = np.arange(1, 256, dtype=np.int64)
    low = np.zeros(255, np.uint32)  # code(low) < k
    high = np.full(255, np.float32(1.0).view(np.uint32), np.uint32)  # code(high) >= k
    while np.any(high - low > 1):
        middle = low + (high - low) // 2
        reached = _float_path_codes(middle.view(np.float32)) >= targets
        high = np.where(reached, middle, high)
        low = np.where(reached, low, middle)
    return high.view(np.float32)


# The fused quantiser: x is first rounded to a bucket index round(x·BUCKETS) (saturating: negatives land
# in bucket 0, everything above 1 in buckets >= BUCKETS). A bucket is narrower (1/4096 ≈ 2.4e-4) than the
# narrowest step of the output (1/255/12.92 ≈ 3.0e-4 on the linear toe), so it holds at most one step
# edge: code = first code of the bucket + (x >= that edge). Bucket ranges are widened by a margin so the
# rounding of x·BUCKETS cannot put a value in a bucket whose table does not cover it.
BUCKETS = 4096
_BUCKET_MARGIN = 1e-3


def _bucket_tables() -> tuple[np.ndarray, np.ndarray]:
    edges = _code_thresholds()
    index = np.arange(65536, dtype=np.float64)
    low = (index - 0.5 - _BUCKET_MARGIN) / BUCKETS
    high = (index + 0.5 + _BUCKET_MARGIN) / BUCKETS
    first = np.searchsorted(edges.astype(np.float64), low, side="right")  # the code at the bucket's low end
    last = np.searchsorted(edges.astype(np.float64), high, side="right")
    if np.any(last - first > 1):
        raise AssertionError("a bucket of the sRGB quantiser spans two output steps; raise BUCKETS")
    next_edge = np.append(edges, np.float32(np.inf))[first]
    return first.astype(np.uint8), next_edge.astype(np.float32)


_FIRST_CODE, _NEXT_EDGE = _bucket_tables()


def linear_to_srgb8(linear: np.ndarray) -> np.ndarray:
    """float32 linear light -> uint8 sRGB; the same bytes as to_uint8(linear_to_srgb(linear)), ~5x faster.

    NaN has no defined code on either path."""
    linear = np.asarray(linear, dtype=np.float32)
    # One channel, 2-D: cv2 then applies each scalar to every value. The conversion saturates to [0, 65535]
    # but maps +inf to 0, so values are first capped at 2 (anything above 1 is code 255 either way).
    flat = cv2.min(linear.reshape(-1, linear.shape[-1] if linear.ndim > 1 else 1), 2.0)
    bucket = cv2.multiply(flat, BUCKETS, dtype=cv2.CV_16U).reshape(linear.shape)
    code = np.take(_FIRST_CODE, bucket)
    code += flat.reshape(linear.shape) >= np.take(_NEXT_EDGE, bucket)
    return code


def apply_uint8(degradation: Any, image: np.ndarray, params: dict[str, Any],
                render: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`Degradation.apply` (the same checks) for a type with a uint8 -> uint8 path that gives the bytes of
    to_uint8(apply_float(to_float(image))); the result is contiguous, as the float path's is."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"{degradation.abbrev}: expected an (H, W, 3) RGB image, got shape {image.shape}")
    degradation.check_version(params)
    result = render(image)
    if result.shape != image.shape:
        raise AssertionError(f"{degradation.abbrev} changed the image shape {image.shape} -> {result.shape}")
    return np.ascontiguousarray(result, dtype=np.uint8)


def apply_in_linear_light(degradation: Any, image: np.ndarray, params: dict[str, Any],
                          render: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """`Degradation.apply` of a type whose apply_float is linear_to_srgb(render(srgb_to_linear(x))), through
    the uint8 fast paths: the same checks and the same bytes, without the two float `pow` passes."""
    return apply_uint8(degradation, image, params, lambda pixels: linear_to_srgb8(render(srgb8_to_linear(pixels))))
