"""BJ: isotropic Gaussian blur then JPEG, σ ∈ {1, 2, 3, 4} px × q ∈ {70, 50, 30, 15}.

Blur before compression, as in Real-ESRGAN / BSRGAN (optics come before the encoder). Levels are σ-major;
severity is checked along both axes of the grid (more blur at fixed q, lower q at fixed blur).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_uint8
from uir_data.degrade.kernels.filtering import PADDING_NAME
from uir_data.degrade.kernels.jpeg_codec import jpeg_roundtrip_uint8
from uir_data.degrade.types.gaussian_blur import blur_image, blur_image_uint8, kernel_spec
from uir_data.degrade.types.jpeg import apply_jpeg, sample_jpeg

SIGMAS = (1, 2, 3, 4)
QUALITIES = (70, 50, 30, 15)


def grid_runs(rows: int, cols: int) -> tuple[tuple[int, ...], ...]:
    """Severity runs of a row-major rows x cols grid: along every row and every column."""
    along_rows = tuple(tuple(r * cols + c for c in range(cols)) for r in range(rows))
    along_cols = tuple(tuple(r * cols + c for r in range(rows)) for c in range(cols))
    return along_rows + along_cols


class BlurJPEG(Degradation):
    abbrev = "BJ"
    # 2: σ in px of the image as degraded (version 1 scaled it with the short side).
    # 3: the blur filters the 8-bit codes (gaussian_blur.blur_image_uint8; a few values in 1e5 move a step).
    algorithm_version = 3
    levels = tuple(
        Level(
            f"s{s}-q{q}",
            {"sigma": s, "quality": q},
            f"isotropic Gaussian σ = {s} px, then JPEG q{q} 4:2:0",
        )
        for s in SIGMAS
        for q in QUALITIES
    )
    monotone_runs: ClassVar = grid_runs(len(SIGMAS), len(QUALITIES))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Record both ops: the blur kernel and the JPEG op."""
        spec = self.check_level(level).params
        kernel = kernel_spec({"shape": "iso", "sigma": spec["sigma"]}, 0.0)
        blur = {"op": "GB", "kernel": kernel, "domain": "srgb", "padding": PADDING_NAME}
        return {"ops": [blur, {"op": "J", **sample_jpeg(rng, spec["quality"])}]}

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Blur, then compress."""
        blur, jpeg = params["ops"]
        return apply_jpeg(blur_image(image, blur["kernel"], blur["domain"]), jpeg)

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """uint8 throughout: the blur on the 8-bit codes, then straight through the codec (the float path's bytes)."""
        blur, jpeg = params["ops"]
        return apply_uint8(self, image, params, lambda pixels: jpeg_roundtrip_uint8(
            blur_image_uint8(pixels, blur["kernel"], blur["domain"]),
            jpeg["quality"], jpeg["subsampling"], tuple(jpeg["grid_offset"])))
