"""Defocus PSF: an anti-aliased pillbox (disk).

Each kernel cell holds the fraction of its pixel area inside the disk, measured on a supersampled grid,
instead of ImageNet-C's hard disk smoothed by a Gaussian: the edge is exact and small radii stay round.
"""

from __future__ import annotations

import numpy as np

from uir_data.degrade.kernels.blur_kernels import odd_size
from uir_data.degrade.kernels.filtering import check_kernel, normalise_kernel

SUPERSAMPLE = 8


def disk_kernel(radius: float, supersample: int = SUPERSAMPLE) -> np.ndarray:
    """Pillbox PSF of `radius` px with anti-aliased edges, sum 1 (radius <= 0.5 is close to identity)."""
    if radius < 0:
        raise ValueError(f"defocus radius must be non-negative, got {radius}")
    radius = max(radius, 1.0 / supersample)  # at least the central sub-samples lie inside
    size = odd_size(radius + 0.5)
    half = size // 2
    offsets = (np.arange(supersample) + 0.5) / supersample - 0.5
    axis = (np.arange(-half, half + 1)[:, None] + offsets[None, :]).ravel()
    inside = (axis[:, None] ** 2 + axis[None, :] ** 2) <= radius**2
    coverage = inside.reshape(size, supersample, size, supersample).mean(axis=(1, 3))
    return check_kernel(normalise_kernel(coverage))
