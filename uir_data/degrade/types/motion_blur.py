"""MB: motion blur by linear kernels and camera-shake trajectories (docs/degradations.md).

Lengths are px of the image as degraded; half of the samples use a straight kernel at a random angle, half a
random camera-shake path (Boracchi & Foi) of the same path length. Blur integrates radiance over the
exposure, so it runs in linear light. In half of the samples the light sources of a night scene (small
clipped regions, kernels/lowlight.py) are expanded first so they smear into bright streaks instead of dim
ones (RSBlur's saturation finding); surfaces are never expanded.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.filtering import PADDING_NAME, convolve
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.kernels.motion import motion_kernel, shake_kernel
from uir_data.seeding import draw_seed

LENGTHS = (5, 9, 13, 17, 21, 27, 33, 41)
SHAKE_SHARE = 0.5
# Light sources are taken as 2x to 8x brighter in radiance than the clipped 8-bit value, in the share of
# samples that model them at all; the other samples blur the 8-bit radiance as it is.
HIGHLIGHT_GAIN = 4.0
HIGHLIGHT_GAIN_RANGE = (2.0, 8.0)
LIGHT_SOURCE_SHARE = 0.5


def sample_highlight_gain(rng: np.random.Generator) -> float:
    """Per-sample choice: 1.0 (light sources stay at their 8-bit value) or a gain in HIGHLIGHT_GAIN_RANGE."""
    expand = rng.random() < LIGHT_SOURCE_SHARE
    gain = float(rng.uniform(*HIGHLIGHT_GAIN_RANGE))
    return gain if expand else 1.0


def sample_motion_psf(rng: np.random.Generator, length_at_512: float, scale: float) -> dict[str, Any]:
    """Params of a motion PSF: kind (linear or shake), scaled length, angle, trajectory seed."""
    kind = "shake" if rng.random() < SHAKE_SHARE else "linear"
    angle = float(rng.uniform(0.0, 180.0))
    seed = draw_seed(rng)
    params: dict[str, Any] = {"kernel": kind, "length_px": length_at_512 * scale}
    if kind == "linear":
        params["angle_deg"] = angle
    else:
        params["seed"] = seed
    return params


def motion_psf(params: dict[str, Any]) -> np.ndarray:
    """Rebuild the recorded motion PSF."""
    if params["kernel"] == "linear":
        return motion_kernel(params["length_px"], params["angle_deg"])
    if params["kernel"] == "shake":
        return shake_kernel(params["length_px"], params["seed"])
    raise ValueError(f"unknown motion kernel {params['kernel']!r}; expected linear or shake")


def blur_linear_light(linear: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Expand highlights by the recorded gain and convolve with the motion PSF (linear in, linear out)."""
    radiance = expand_light_sources(linear, params.get("highlight_gain", 1.0))
    return convolve(radiance, motion_psf(params))


class MotionBlur(Degradation):
    abbrev = "MB"
    # 2: lengths in px of the image as degraded; light sources only, expanded in a random share of samples.
    algorithm_version = 2
    levels = tuple(
        Level(f"len-{n}", {"length": n}, f"path length {n} px, linear or camera shake") for n in LENGTHS
    )

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Kernel kind, angle / trajectory seed, light-source gain."""
        psf = sample_motion_psf(rng, self.check_level(level).params["length"], 1.0)
        gain = sample_highlight_gain(rng)
        return {**psf, "highlight_gain": gain, "domain": "linear", "padding": PADDING_NAME}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blur in linear light; highlights saturate at the sRGB encode."""
        return linear_to_srgb(blur_linear_light(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """The same bytes through the uint8 sRGB tables (color.apply_in_linear_light)."""
        return apply_in_linear_light(self, image, params, lambda linear: blur_linear_light(linear, params))
