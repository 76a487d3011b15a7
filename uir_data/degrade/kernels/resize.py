"""Resizing with a named kernel: every preset records its mode.

OpenCV's bilinear and bicubic do not antialias when shrinking, like torch `interpolate` in Real-ESRGAN, so
aliasing stays part of the degradation; "area" averages (antialiased shrink).
"""

from __future__ import annotations

import cv2
import numpy as np

RESIZE_MODES = {
    "area": cv2.INTER_AREA,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "nearest": cv2.INTER_NEAREST,
}


def scaled_size(height: int, width: int, factor: float) -> tuple[int, int]:
    """(height, width) times factor, rounded, at least 1 px."""
    return max(1, round(height * factor)), max(1, round(width * factor))


def resize(image: np.ndarray, height: int, width: int, mode: str) -> np.ndarray:
    """Resize a float32 (H, W, C) image to (height, width) with the named interpolation."""
    if mode not in RESIZE_MODES:
        raise ValueError(f"unknown resize mode {mode!r}; expected one of {', '.join(RESIZE_MODES)}")
    if image.shape[:2] == (height, width):
        return image.astype(np.float32, copy=True)
    out = cv2.resize(
        np.ascontiguousarray(image, dtype=np.float32),
        (int(width), int(height)),
        interpolation=RESIZE_MODES[mode],
    )
    return out.reshape(int(height), int(width), *image.shape[2:])
