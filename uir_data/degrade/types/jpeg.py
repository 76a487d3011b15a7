"""J: JPEG compression through OpenCV/libjpeg-turbo at quality 95 … 5 (docs/degradations.md).

4:2:0 chroma subsampling (OpenCV's and most cameras' default). The 8x8 block grid is shifted by a random
offset per sample: real images are cropped and resized after compression, so block edges are not always at
multiples of 8 from the top-left corner. The q50 level is the JPEG benchmark protocol (OpenCV imencode at q 50
on the whole image: CBSD68, Kodak, McMaster, Urban100), so its grid stays at the top-left. Backend and
versions are recorded because the same q gives other bytes in another codec.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_uint8
from uir_data.degrade.kernels.jpeg_codec import BLOCK, codec_info, jpeg_roundtrip, jpeg_roundtrip_uint8

QUALITIES = (95, 90, 80, 70, 60, 50, 40, 30, 20, 15, 10, 5)
BENCHMARK_QUALITY = 50


def sample_jpeg(rng: np.random.Generator, quality: int, subsampling: str = "420") -> dict[str, Any]:
    """Params of one JPEG op: quality, subsampling, a random block-grid offset and the codec versions."""
    # Two scalar draws give the values of rng.integers(0, BLOCK, size=2) (the same Lemire draws on the same
    # 32-bit stream; a test pins it) at half the cost: the array path's setup dominates a 2-element draw.
    offset = [int(rng.integers(0, BLOCK)), int(rng.integers(0, BLOCK))]
    return {"quality": int(quality), "subsampling": subsampling, "grid_offset": offset, **codec_info()}


def apply_jpeg(image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Replay one recorded JPEG op on a float32 RGB image."""
    return jpeg_roundtrip(image, params["quality"], params["subsampling"], tuple(params["grid_offset"]))


class JPEGCompression(Degradation):
    abbrev = "J"
    # 2: the q50 benchmark level keeps the block grid at the top-left (version 1 shifted it at random).
    algorithm_version = 2
    levels = tuple(
        Level(
            f"q{q}",
            {"quality": q, "grid_offset": [0, 0]},
            f"JPEG quality {q}, 4:2:0, grid at the top-left (the q50 benchmark protocol)",
        )
        if q == BENCHMARK_QUALITY
        else Level(f"q{q}", {"quality": q}, f"JPEG quality {q}, 4:2:0, random 8x8 grid offset")
        for q in QUALITIES
    )
    # At q >= 90 the 4:2:0 chroma loss dominates and is the same at both qualities.
    monotone_exceptions: ClassVar = {
        (0, 1): "q95 and q90 share the 4:2:0 chroma floor; PSNR differs by noise"
    }

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Quality from the level, grid offset drawn unless the level pins it."""
        spec = self.check_level(level).params
        params = sample_jpeg(rng, spec["quality"])
        if "grid_offset" in spec:
            params["grid_offset"] = list(spec["grid_offset"])
        return params

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """Encode and decode (the codec rounds to 8 bits)."""
        return apply_jpeg(image, params)

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """uint8 straight through the codec: the float round trip around it is exact on 8-bit values."""
        return apply_uint8(self, image, params, lambda pixels: jpeg_roundtrip_uint8(
            pixels, params["quality"], params["subsampling"], tuple(params["grid_offset"])))
