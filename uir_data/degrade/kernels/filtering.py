"""Spatial filtering of float32 RGB images with reflect padding.

OpenCV does the work: `cv2.filter2D` switches to a DFT for large kernels and `cv2.sepFilter2D` handles
separable ones, both far faster than NumPy loops. OpenCV computes a correlation, so kernels are flipped to
get a true convolution (it matters for asymmetric PSFs such as camera-shake trajectories).
"""

from __future__ import annotations

import cv2
import numpy as np

# Reflection without repeating the edge pixel, as torch/numpy "reflect" and BasicSR's filter2D padding.
# OpenCV reflects repeatedly, so kernels larger than the image (tiny images) are fine.
BORDER = cv2.BORDER_REFLECT_101
PADDING_NAME = "reflect"


def check_kernel(kernel: np.ndarray, tolerance: float = 1e-6) -> np.ndarray:
    """Validate a PSF: 2-D, odd-sized (even sizes shift the image by half a pixel), summing to one."""
    if kernel.ndim != 2 or kernel.shape[0] % 2 == 0 or kernel.shape[1] % 2 == 0:
        raise ValueError(f"a blur kernel must be 2-D with odd sides, got shape {kernel.shape}")
    total = float(kernel.sum(dtype=np.float64))
    if abs(total - 1.0) > tolerance:
        raise ValueError(f"a blur kernel must sum to 1 (±{tolerance}), got {total:.9f}")
    return kernel


def normalise_kernel(kernel: np.ndarray) -> np.ndarray:
    """Sum-normalise a non-negative-sum kernel to float32 (computed in float64 so the sum is exact)."""
    kernel = np.asarray(kernel, dtype=np.float64)
    total = kernel.sum()
    if not np.isfinite(total) or total <= 0:
        raise ValueError("cannot normalise a kernel whose sum is not positive")
    return (kernel / total).astype(np.float32)


def convolve(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Convolve every channel of an (H, W[, C]) float32 image with a 2-D kernel, reflect padding."""
    kernel = np.asarray(kernel, dtype=np.float32)
    if kernel.shape == (1, 1):
        return image.astype(np.float32, copy=True) * kernel[0, 0]
    flipped = np.ascontiguousarray(kernel[::-1, ::-1])
    source = np.ascontiguousarray(image, dtype=np.float32)
    return cv2.filter2D(source, cv2.CV_32F, flipped, borderType=BORDER)


def convolve_separable(image: np.ndarray, kernel_x: np.ndarray, kernel_y: np.ndarray) -> np.ndarray:
    """Convolve with the outer product kernel_y ⊗ kernel_x using two 1-D passes, reflect padding."""
    kx = np.ascontiguousarray(np.asarray(kernel_x, dtype=np.float32).ravel()[::-1])
    ky = np.ascontiguousarray(np.asarray(kernel_y, dtype=np.float32).ravel()[::-1])
    source = np.ascontiguousarray(image, dtype=np.float32)
    return cv2.sepFilter2D(source, cv2.CV_32F, kx, ky, borderType=BORDER)


def convolve_separable_uint8(image: np.ndarray, kernel_x: np.ndarray, kernel_y: np.ndarray) -> np.ndarray:
    """uint8 in, uint8 out: the two 1-D passes in float inside OpenCV, rounded and saturated once at the end.

    2-3x faster than the float32 round trip; it gives the bytes of rounding the float32 convolution of the
    codes except where that lands within float error of a half step (~2e-5 of the values, by one step)."""
    if image.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {image.dtype}")
    kx = np.ascontiguousarray(np.asarray(kernel_x, dtype=np.float32).ravel()[::-1])
    ky = np.ascontiguousarray(np.asarray(kernel_y, dtype=np.float32).ravel()[::-1])
    return cv2.sepFilter2D(np.ascontiguousarray(image), cv2.CV_8U, kx, ky, borderType=BORDER)


def separable_factors(kernel: np.ndarray, tolerance: float = 1e-6) -> tuple[np.ndarray, np.ndarray] | None:
    """(kernel_x, kernel_y) if the kernel is rank one (e.g. an axis-aligned Gaussian), else None."""
    kernel64 = np.asarray(kernel, dtype=np.float64)
    u, s, vt = np.linalg.svd(kernel64)
    if s.size > 1 and s[1] > tolerance * s[0]:
        return None
    column = u[:, 0] * np.sqrt(s[0])
    row = vt[0] * np.sqrt(s[0])
    if column.sum() < 0:
        column, row = -column, -row
    return row.astype(np.float32), column.astype(np.float32)


def apply_psf(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """Blur with a PSF, taking the separable fast path when the kernel is rank one."""
    factors = separable_factors(kernel)
    if factors is not None:
        return convolve_separable(image, *factors)
    return convolve(image, kernel)
