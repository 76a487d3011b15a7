"""Bayer colour-filter-array sampling and demosaicing (docs/degradations.md).

A pattern name lists the colours of the top-left 2x2 block row by row (RGGB: R at (0,0), B at (1,1)).
Demosaicing uses OpenCV on a 16-bit quantised mosaic (the raw ADC step; 1/257 of an 8-bit step, invisible
after the final rounding); "ea" is OpenCV's edge-aware method, "bilinear" the plain interpolation.
"""

from __future__ import annotations

import cv2
import numpy as np

PATTERNS = ("RGGB", "BGGR", "GRBG", "GBRG")
_CHANNEL = {"R": 0, "G": 1, "B": 2}
_DEMOSAIC_CODES = {
    ("RGGB", "bilinear"): cv2.COLOR_BayerRGGB2RGB,
    ("BGGR", "bilinear"): cv2.COLOR_BayerBGGR2RGB,
    ("GRBG", "bilinear"): cv2.COLOR_BayerGRBG2RGB,
    ("GBRG", "bilinear"): cv2.COLOR_BayerGBRG2RGB,
    ("RGGB", "ea"): cv2.COLOR_BayerRGGB2RGB_EA,
    ("BGGR", "ea"): cv2.COLOR_BayerBGGR2RGB_EA,
    ("GRBG", "ea"): cv2.COLOR_BayerGRBG2RGB_EA,
    ("GBRG", "ea"): cv2.COLOR_BayerGBRG2RGB_EA,
}
DEMOSAIC_METHODS = ("ea", "bilinear")


def pattern_offsets(pattern: str) -> list[tuple[int, int, int]]:
    """(row, col, channel) of the four sites of the 2x2 pattern."""
    if pattern not in PATTERNS:
        raise ValueError(f"unknown Bayer pattern {pattern!r}; expected one of {', '.join(PATTERNS)}")
    return [(i // 2, i % 2, _CHANNEL[letter]) for i, letter in enumerate(pattern)]


def mosaic(image: np.ndarray, pattern: str) -> np.ndarray:
    """(H, W, 3) -> (H, W) CFA keeping one colour per pixel; works for odd sizes."""
    cfa = np.empty(image.shape[:2], dtype=image.dtype)
    for row, col, channel in pattern_offsets(pattern):
        cfa[row::2, col::2] = image[row::2, col::2, channel]
    return cfa


def channel_masks(shape: tuple[int, int], pattern: str) -> np.ndarray:
    """(H, W, 3) boolean masks telling which colour each CFA site measured."""
    masks = np.zeros((*shape, 3), dtype=bool)
    for row, col, channel in pattern_offsets(pattern):
        masks[row::2, col::2, channel] = True
    return masks


def demosaic(cfa: np.ndarray, pattern: str, method: str = "ea") -> np.ndarray:
    """(H, W) CFA in [0, 1] -> float32 RGB via OpenCV (values outside [0, 1] saturate as in a raw file)."""
    code = _DEMOSAIC_CODES.get((pattern, method))
    if code is None:
        raise ValueError(
            f"unknown demosaic {method!r} for pattern {pattern!r}; methods: {', '.join(DEMOSAIC_METHODS)}"
        )
    height, width = cfa.shape
    raw = np.rint(np.clip(cfa, 0.0, 1.0) * np.float32(65535.0)).astype(np.uint16)
    if min(height, width) < 3:
        # OpenCV needs a 3x3 neighbourhood; pad tiny inputs by an even amount so the pattern phase holds.
        padded = np.pad(raw, ((0, 4), (0, 4)), mode="reflect" if min(height, width) > 1 else "edge")
        rgb = cv2.cvtColor(padded, code)[:height, :width]
    else:
        rgb = cv2.cvtColor(raw, code)
    return rgb.astype(np.float32) * np.float32(1.0 / 65535.0)
