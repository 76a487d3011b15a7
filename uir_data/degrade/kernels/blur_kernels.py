"""Gaussian-family and sinc (jinc) blur kernels on odd grids, sum-normalised (docs/degradations.md).

Shapes follow the BasicSR / Real-ESRGAN kernel family: the quadratic form q = xᵀ Σ⁻¹ x with
Σ = R(θ) diag(σx², σy²) R(θ)ᵀ gives the Gaussian exp(-q/2), the generalized Gaussian exp(-q^β / 2) and the
plateau 1 / (1 + q^β); the sinc is the circularly symmetric ideal low-pass ω·J1(ω r) / (2π r). Kernels are
built in float64 (they are tiny) and returned as float32 with sum 1; the support covers at least ±3σ so a
large σ is not silently truncated (Real-ESRGAN caps k at 21, which is only consistent with σ ≤ 3).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy.special import j1

from uir_data.degrade.kernels.filtering import check_kernel, normalise_kernel

SUPPORT_SIGMAS = 3.0


def odd_size(radius: float, minimum: int = 3) -> int:
    """The smallest odd kernel side covering ±radius pixels (at least `minimum`)."""
    size = 2 * math.ceil(max(radius, 0.0) - 1e-9) + 1
    size = max(size, minimum)
    return size if size % 2 == 1 else size + 1


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    if size < 1 or size % 2 == 0:
        raise ValueError(f"kernel size must be a positive odd integer, got {size}")
    half = size // 2
    axis = np.arange(-half, half + 1, dtype=np.float64)
    return np.meshgrid(axis, axis)  # x varies along columns, y along rows


def _quadratic_form(sigma_x: float, sigma_y: float, angle_deg: float, size: int) -> np.ndarray:
    if sigma_x <= 0 or sigma_y <= 0:
        raise ValueError(f"sigmas must be positive, got {sigma_x}, {sigma_y}")
    x, y = _grid(size)
    theta = math.radians(angle_deg)
    cos, sin = math.cos(theta), math.sin(theta)
    # Rotate coordinates into the kernel's principal axes: q = u²/σx² + v²/σy².
    u = cos * x + sin * y
    v = -sin * x + cos * y
    return (u / sigma_x) ** 2 + (v / sigma_y) ** 2


def gaussian_size(sigma_x: float, sigma_y: float | None = None) -> int:
    """Odd kernel side covering ±3σ of the wider axis."""
    return odd_size(SUPPORT_SIGMAS * max(sigma_x, sigma_y or sigma_x))


def gaussian_kernel(
    sigma_x: float, sigma_y: float | None = None, angle_deg: float = 0.0, size: int | None = None
) -> np.ndarray:
    """Isotropic (sigma_y None) or anisotropic Gaussian PSF, rotated by angle_deg, sum 1."""
    sigma_y = sigma_x if sigma_y is None else sigma_y
    size = size or gaussian_size(sigma_x, sigma_y)
    return normalise_kernel(np.exp(-0.5 * _quadratic_form(sigma_x, sigma_y, angle_deg, size)))


def gaussian_kernel_1d(sigma: float, size: int | None = None) -> np.ndarray:
    """1-D Gaussian taps (for separable isotropic blur), sum 1."""
    size = size or gaussian_size(sigma)
    half = size // 2
    axis = np.arange(-half, half + 1, dtype=np.float64)
    return normalise_kernel(np.exp(-0.5 * (axis / sigma) ** 2))


def generalized_gaussian_kernel(
    sigma_x: float, sigma_y: float, angle_deg: float, beta: float, size: int | None = None
) -> np.ndarray:
    """Generalized Gaussian exp(-q^β / 2): β < 1 heavier tails, β > 1 flatter top; sum 1."""
    size = size or gaussian_size(sigma_x, sigma_y)
    q = _quadratic_form(sigma_x, sigma_y, angle_deg, size)
    return normalise_kernel(np.exp(-0.5 * np.power(q, beta)))


def plateau_kernel(
    sigma_x: float, sigma_y: float, angle_deg: float, beta: float, size: int | None = None
) -> np.ndarray:
    """Plateau-shaped kernel 1 / (1 + q^β) (BasicSR's bivariate plateau), sum 1."""
    size = size or gaussian_size(sigma_x, sigma_y)
    q = _quadratic_form(sigma_x, sigma_y, angle_deg, size)
    return normalise_kernel(1.0 / (1.0 + np.power(q, beta)))


def sinc_kernel(cutoff: float, size: int) -> np.ndarray:
    """Circular ideal low-pass ("jinc") with cutoff ω in radians/pixel (π = Nyquist), sum 1; rings."""
    if not 0 < cutoff <= math.pi:
        raise ValueError(f"sinc cutoff must be in (0, π], got {cutoff}")
    x, y = _grid(size)
    r = np.hypot(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = cutoff * j1(cutoff * r) / (2 * math.pi * r)
    centre = size // 2
    values[centre, centre] = cutoff**2 / (4 * math.pi)  # limit of the expression at r = 0
    return normalise_kernel(values)


def second_moment(kernel: np.ndarray) -> float:
    """Mean squared distance from the centre under the kernel: the effective blur width squared."""
    size = kernel.shape[0]
    x, y = _grid(size)
    return float(np.sum(kernel.astype(np.float64) * (x**2 + y**2)))


KERNEL_SHAPES = ("iso", "aniso", "generalized", "plateau", "sinc")


def build_kernel(spec: dict[str, Any]) -> np.ndarray:
    """Rebuild a kernel from its recorded params ({"shape": ..., sigmas, angle, beta, cutoff, size})."""
    shape = spec["shape"]
    size = spec.get("size")
    if shape == "iso":
        kernel = gaussian_kernel(spec["sigma_x"], size=size)
    elif shape == "aniso":
        kernel = gaussian_kernel(spec["sigma_x"], spec["sigma_y"], spec.get("angle_deg", 0.0), size)
    elif shape == "generalized":
        kernel = generalized_gaussian_kernel(
            spec["sigma_x"], spec["sigma_y"], spec.get("angle_deg", 0.0), spec["beta"], size
        )
    elif shape == "plateau":
        kernel = plateau_kernel(
            spec["sigma_x"], spec["sigma_y"], spec.get("angle_deg", 0.0), spec["beta"], size
        )
    elif shape == "sinc":
        kernel = sinc_kernel(spec["cutoff"], size)
    else:
        raise ValueError(f"unknown kernel shape {shape!r}; expected one of {', '.join(KERNEL_SHAPES)}")
    return check_kernel(kernel)
