"""GB: Gaussian-family and sinc blur — isotropic, anisotropic, generalized, plateau, jinc (the kernel families of Real-ESRGAN).

34 levels, each family ordered by increasing blur: σ grows, generalized and plateau β shrink (heavier tails =
wider kernel), sinc cutoff shrinks. σ, sizes and cutoffs are in pixels of the image as degraded, as in
Real-ESRGAN's kernels (σ ≤ 3 px on 256-px crops), so a level is the same PSF on every source size. Blur runs in
sRGB like Real-ESRGAN by default; 30 % of samples blur in linear light (lens blur is physical in radiance).
"""

from __future__ import annotations

import functools
import math
from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import (
    apply_uint8,
    linear_to_srgb,
    linear_to_srgb8,
    srgb8_to_linear,
    srgb_to_linear,
    to_float,
    to_uint8,
)
from uir_data.degrade.kernels.blur_kernels import build_kernel, gaussian_kernel_1d, gaussian_size, odd_size
from uir_data.degrade.kernels.filtering import (
    PADDING_NAME,
    apply_psf,
    convolve,
    convolve_separable_uint8,
    separable_factors,
)

ISO_SIGMAS = (0.5, 1, 1.5, 2, 2.5, 3, 4, 5)
ANISO_SIGMAS = ((1, 0.5), (2, 0.5), (2, 1), (3, 1), (4, 1.5), (5, 2))
GENERALIZED_BETAS = (4, 2, 1, 0.5)
PLATEAU_BETAS = (2, 1.5, 1)
FAMILY_SIGMAS = (1.5, 3)
SINC_CUTOFFS = (0.8, 0.65, 0.5, 0.4, 1 / 3, 0.25)  # × π rad/px
SINC_SIZE = 21
LINEAR_SHARE = 0.3


def _levels() -> tuple[Level, ...]:
    levels = [
        Level(f"iso-s{s:g}", {"shape": "iso", "sigma": s}, f"isotropic Gaussian σ = {s:g} px")
        for s in ISO_SIGMAS
    ]
    levels += [
        Level(
            f"aniso-{a:g}x{b:g}",
            {"shape": "aniso", "sigma_x": a, "sigma_y": b},
            f"anisotropic σ = ({a:g}, {b:g}) px, random angle",
        )
        for a, b in ANISO_SIGMAS
    ]
    for shape, betas in (("generalized", GENERALIZED_BETAS), ("plateau", PLATEAU_BETAS)):
        for sigma in FAMILY_SIGMAS:
            levels += [
                Level(
                    f"{shape}-s{sigma:g}-b{b:g}",
                    {"shape": shape, "sigma": sigma, "beta": b},
                    f"{shape} kernel σ = {sigma:g} px, β = {b:g}",
                )
                for b in betas
            ]
    levels += [
        Level(
            f"sinc-{c:.3g}pi",
            {"shape": "sinc", "cutoff_pi": c, "size": SINC_SIZE},
            f"jinc low-pass ω = {c:.3g}π, {SINC_SIZE}x{SINC_SIZE} px",
        )
        for c in SINC_CUTOFFS
    ]
    return tuple(levels)


def _runs(levels: tuple[Level, ...]) -> tuple[tuple[int, ...], ...]:
    groups: dict[tuple, list[int]] = {}
    for index, level in enumerate(levels):
        key = (
            level.params["shape"],
            level.params.get("sigma") if level.params["shape"] in ("generalized", "plateau") else None,
        )
        groups.setdefault(key, []).append(index)
    return tuple(tuple(v) for v in groups.values())


def kernel_spec(level_params: dict[str, Any], angle_deg: float) -> dict[str, Any]:
    """The concrete kernel params (pixel units of the image) for a GB level."""
    shape = level_params["shape"]
    if shape == "iso":
        sigma = level_params["sigma"]
        return {"shape": "iso", "sigma_x": sigma, "size": gaussian_size(sigma)}
    if shape == "aniso":
        sx, sy = level_params["sigma_x"], level_params["sigma_y"]
        return {
            "shape": "aniso",
            "sigma_x": sx,
            "sigma_y": sy,
            "angle_deg": angle_deg,
            "size": gaussian_size(sx, sy),
        }
    if shape in ("generalized", "plateau"):
        sigma = level_params["sigma"]
        return {
            "shape": shape,
            "sigma_x": sigma,
            "sigma_y": sigma,
            "beta": level_params["beta"],
            "size": gaussian_size(sigma),
        }
    cutoff = min(math.pi, level_params["cutoff_pi"] * math.pi)
    return {"shape": "sinc", "cutoff": cutoff, "size": odd_size(level_params["size"] // 2)}


@functools.lru_cache(maxsize=64)
def _iso_taps(sigma: float, size: int | None) -> np.ndarray:
    taps = gaussian_kernel_1d(sigma, size)
    taps.flags.writeable = False  # shared between calls
    return taps


def srgb_filter(kernel_params: dict[str, Any]) -> tuple[tuple[np.ndarray, np.ndarray] | None, np.ndarray | None]:
    """((taps_x, taps_y), None) for a rank-one recorded kernel (every isotropic one built 1-D directly), else
    (None, the 2-D kernel): the kernel is built and its rank tested once."""
    if kernel_params["shape"] == "iso":
        taps = _iso_taps(float(kernel_params["sigma_x"]), kernel_params.get("size"))
        return (taps, taps), None
    kernel = build_kernel(kernel_params)
    factors = separable_factors(kernel)
    return (factors, None) if factors is not None else (None, kernel)


def blur_image_uint8(pixels: np.ndarray, kernel_params: dict[str, Any], domain: str) -> np.ndarray:
    """uint8 RGB -> uint8 RGB blurred with a recorded kernel in sRGB or linear light (reflect padding).

    A separable kernel in sRGB filters the 8-bit codes directly (OpenCV, float inside, rounded once); other
    kernels go through float32, linear light through the exact uint8 <-> linear tables."""
    if domain == "linear":
        return linear_to_srgb8(apply_psf(srgb8_to_linear(pixels), build_kernel(kernel_params)))
    if domain != "srgb":
        raise ValueError(f"unknown blur domain {domain!r}; expected srgb or linear")
    taps, kernel = srgb_filter(kernel_params)
    if taps is not None:
        return convolve_separable_uint8(pixels, *taps)
    return to_uint8(convolve(to_float(pixels), kernel))


def blur_image(image: np.ndarray, kernel_params: dict[str, Any], domain: str) -> np.ndarray:
    """Blur a float32 image with a recorded kernel in sRGB or linear light (reflect padding).

    A separable sRGB blur works on the 8-bit codes (as blur_image_uint8), so float and uint8 paths agree."""
    if domain == "linear":
        return linear_to_srgb(apply_psf(srgb_to_linear(image), build_kernel(kernel_params)))
    if domain != "srgb":
        raise ValueError(f"unknown blur domain {domain!r}; expected srgb or linear")
    taps, kernel = srgb_filter(kernel_params)
    if taps is not None:
        return to_float(convolve_separable_uint8(to_uint8(image), *taps))
    return convolve(image, kernel)


class GaussianBlur(Degradation):
    abbrev = "GB"
    # 2: σ, sizes and cutoffs in px of the image as degraded (version 1 scaled them with the short side).
    # 3: separable kernels in sRGB filter the 8-bit codes (a few values in 1e5 move by one step).
    algorithm_version = 3
    levels = _levels()
    monotone_runs: ClassVar = _runs(levels)

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """The level's kernel with a random angle, and the blur domain."""
        spec = self.check_level(level).params
        angle = float(rng.uniform(0.0, 180.0))
        domain = "linear" if rng.random() < LINEAR_SHARE else "srgb"
        return {"kernel": kernel_spec(spec, angle), "domain": domain, "padding": PADDING_NAME}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Convolve with the recorded kernel."""
        return blur_image(image, params["kernel"], params["domain"])

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """uint8 throughout: the bytes of the float path (blur_image_uint8)."""
        return apply_uint8(self, image, params,
                           lambda pixels: blur_image_uint8(pixels, params["kernel"], params["domain"]))
