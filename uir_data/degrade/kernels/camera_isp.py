"""A minimal camera ISP and its exact inverse, after Brooks et al., "Unprocessing Images for Learned Raw
Denoising" (CVPR 2019).

Inverse: smoothstep tone curve inverted -> gamma 2.2 expansion -> sRGB-to-camera colour matrix -> inverse
white-balance and brightness gains. Forward is the exact inverse, so without noise the round trip returns the
input; the released Brooks `process` skips the tone curve and the brightness gain, which would shift the LQ's
colours against its GT. The camera matrices are the four XYZ->camera matrices published with the
unprocessing paper (DND cameras); sRGB->XYZ is the IEC 61966-2-1 D65 matrix.
"""

from __future__ import annotations

import cv2
import numpy as np

XYZ_TO_CAMERA = np.array(
    [
        [[1.0234, -0.2969, -0.2266], [-0.5625, 1.6328, -0.0469], [-0.0703, 0.2188, 0.6406]],
        [[0.4913, -0.0541, -0.0202], [-0.613, 1.3513, 0.2906], [-0.1564, 0.2151, 0.7183]],
        [[0.838, -0.263, -0.0639], [-0.2887, 1.0725, 0.2496], [-0.0627, 0.1427, 0.5438]],
        [[0.6596, -0.2079, -0.0562], [-0.4782, 1.3016, 0.1933], [-0.097, 0.1581, 0.5181]],
    ]
)
SRGB_TO_XYZ = np.array(
    [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750], [0.0193339, 0.1191920, 0.9503041]]
)
GAMMA = 2.2
_TINY = np.float32(1e-8)


def rgb_to_camera_matrix(weights: list[float]) -> np.ndarray:
    """sRGB->camera matrix from a convex combination of the four camera matrices, rows summing to 1."""
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (4,) or (w < 0).any() or w.sum() <= 0:
        raise ValueError(f"need four non-negative CCM weights, got {weights}")
    xyz_to_cam = np.tensordot(w / w.sum(), XYZ_TO_CAMERA, axes=1)
    rgb_to_cam = xyz_to_cam @ SRGB_TO_XYZ
    return rgb_to_cam / rgb_to_cam.sum(axis=1, keepdims=True)  # white stays white before white balance


def apply_matrix(image: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Per-pixel 3x3 colour transform (out = matrix @ rgb), float32."""
    return cv2.transform(np.ascontiguousarray(image, dtype=np.float32), np.asarray(matrix, dtype=np.float32))


def tone_curve(x: np.ndarray) -> np.ndarray:
    """The smoothstep global tone curve 3x² - 2x³."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * (np.float32(3.0) - np.float32(2.0) * x)


def inverse_tone_curve(y: np.ndarray) -> np.ndarray:
    """Inverse of the smoothstep on [0, 1]: 0.5 - sin(asin(1 - 2y) / 3)."""
    y = np.clip(y, 0.0, 1.0)
    return np.float32(0.5) - np.sin(np.arcsin(np.float32(1.0) - np.float32(2.0) * y) / np.float32(3.0))


def white_balance_gains(rgb_gain: float, red_gain: float, blue_gain: float) -> np.ndarray:
    """Forward per-channel gains of the ISP (white balance times overall brightening)."""
    return np.array([red_gain, 1.0, blue_gain], dtype=np.float32) * np.float32(rgb_gain)


def unprocess(srgb: np.ndarray, rgb_to_cam: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """sRGB float image -> linear camera RGB (before white balance)."""
    linear = np.power(np.maximum(inverse_tone_curve(srgb), _TINY), np.float32(GAMMA))
    camera = apply_matrix(linear, rgb_to_cam)
    return camera / gains.astype(np.float32)


def process(camera: np.ndarray, rgb_to_cam: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Linear camera RGB -> sRGB float image; output saturates at [0, 1] like a real ISP."""
    balanced = camera * gains.astype(np.float32)
    linear = np.clip(apply_matrix(balanced, np.linalg.inv(rgb_to_cam)), 0.0, 1.0)
    return tone_curve(np.power(np.maximum(linear, _TINY), np.float32(1.0 / GAMMA)))
