"""JPEG encode + decode through OpenCV's bundled libjpeg-turbo (docs/degradations.md).

Images are RGB everywhere else in the engine; OpenCV codecs expect BGR, so channels are swapped exactly at
this boundary (a pure red image must come back red, not blue). Quality is passed as an int (OpenCV >= 4.5.4
rejects floats) and the chroma subsampling is set explicitly (OpenCV's default is 4:2:0).
"""

from __future__ import annotations

import re
from functools import cache

import cv2
import numpy as np

from uir_data.degrade.color import to_float, to_uint8

SUBSAMPLING_FLAGS = {
    "420": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    "422": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
    "444": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
}
DEFAULT_SUBSAMPLING = "420"  # what OpenCV's encoder does without IMWRITE_JPEG_SAMPLING_FACTOR
BLOCK = 8  # DCT block size; a 4:2:0 MCU is 16 px


@cache
def codec_info() -> dict[str, str]:
    """Backend name and versions to record with every JPEG op (same q, other backend = other bytes)."""
    match = re.search(r"JPEG:\s*(.+)", cv2.getBuildInformation())
    return {
        "backend": "opencv",
        "opencv": cv2.__version__,
        "libjpeg": match.group(1).strip() if match else "unknown",
    }


# OpenCV >= 4.10 decodes straight to RGB (libjpeg-turbo writes the channels in that order): the same bytes
# as decoding to BGR and swapping, one full-image pass less.
_DECODE_RGB = getattr(cv2, "IMREAD_COLOR_RGB", None)


def _encode_flags(quality: int, subsampling: str) -> list[int]:
    if not 1 <= int(quality) <= 100:
        raise ValueError(f"JPEG quality must be in 1..100, got {quality}")
    if subsampling not in SUBSAMPLING_FLAGS:
        raise ValueError(
            f"unknown chroma subsampling {subsampling!r}; expected one of {', '.join(SUBSAMPLING_FLAGS)}"
        )
    if subsampling == DEFAULT_SUBSAMPLING:  # OpenCV's own default: the same bytes, one option less to parse
        return [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    return [cv2.IMWRITE_JPEG_QUALITY, int(quality), cv2.IMWRITE_JPEG_SAMPLING_FACTOR, SUBSAMPLING_FLAGS[subsampling]]


def _shifted_bgr(rgb: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """BGR of the image reflect-padded (101) by dy rows on top and dx columns on the left, in one pass."""
    height, width = rgb.shape[:2]
    if height <= dy or width <= dx or min(height, width) == 1:  # pads wider than the image, or one line
        padded = (cv2.copyMakeBorder(rgb, dy, 0, dx, 0, cv2.BORDER_REFLECT_101) if min(height, width) > 1
                  else np.pad(rgb, ((dy, 0), (dx, 0), (0, 0)), mode="edge"))
        return cv2.cvtColor(padded, cv2.COLOR_RGB2BGR)
    bgr = np.empty((height + dy, width + dx, 3), np.uint8)
    cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR, dst=bgr[dy:, dx:])  # swapped straight into place
    bgr[dy:, :dx] = bgr[dy:, 2 * dx : dx : -1]  # reflect-101: column -k is column k
    bgr[:dy] = bgr[2 * dy : dy : -1]  # then the rows, corners included, as copyMakeBorder does
    return bgr


def _encode(rgb: np.ndarray, quality: int, subsampling: str, offset: tuple[int, int] = (0, 0)
            ) -> tuple[np.ndarray, np.ndarray]:
    """(JPEG bytes as a uint8 array, the BGR image coded): the caller keeps the BGR image until it has decoded.

    Decoding into the block just freed by the BGR image was measured 3 % slower per round trip at 512²
    (bench.degradations, J) than decoding into another block; holding it costs no work, only its memory."""
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"JPEG encoding needs a uint8 (H, W, 3) RGB image, got {rgb.dtype} {rgb.shape}")
    flags = _encode_flags(quality, subsampling)
    # cvtColor: the same channel swap as [..., ::-1], without NumPy's strided copy.
    bgr = _shifted_bgr(rgb, *offset) if offset != (0, 0) else cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)
    ok, buffer = cv2.imencode(".jpg", bgr, flags)
    if not ok:
        raise RuntimeError("OpenCV failed to encode a JPEG image")
    return buffer, bgr


def _decode(buffer: np.ndarray) -> np.ndarray:
    if _DECODE_RGB is not None:
        rgb = cv2.imdecode(buffer, _DECODE_RGB)
        if rgb is None:
            raise RuntimeError("OpenCV failed to decode a JPEG image")
        return rgb
    bgr = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
    if bgr is None:
        raise RuntimeError("OpenCV failed to decode a JPEG image")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def encode_jpeg(rgb: np.ndarray, quality: int, subsampling: str = "420") -> bytes:
    """uint8 RGB -> JPEG bytes at integer quality 1..100 with the given chroma subsampling."""
    return _encode(rgb, quality, subsampling)[0].tobytes()


def decode_jpeg(data: bytes) -> np.ndarray:
    """JPEG bytes -> uint8 RGB."""
    return _decode(np.frombuffer(data, dtype=np.uint8))


def jpeg_roundtrip_uint8(
    rgb: np.ndarray, quality: int, subsampling: str = "420", grid_offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """Compress and decompress a uint8 RGB image; `grid_offset` shifts the 8x8 block grid (reflect pad, crop)."""
    dy, dx = int(grid_offset[0]), int(grid_offset[1])
    buffer, coded = _encode(rgb, quality, subsampling, (dy, dx))
    decoded = _decode(buffer)
    del coded  # only now: see _encode
    return decoded[dy:, dx:] if dy or dx else decoded


def jpeg_roundtrip(
    image: np.ndarray, quality: int, subsampling: str = "420", grid_offset: tuple[int, int] = (0, 0)
) -> np.ndarray:
    """float32 RGB in [0, 1] -> JPEG -> float32; the codec's 8-bit input is the clip-and-round point."""
    return to_float(jpeg_roundtrip_uint8(to_uint8(image), quality, subsampling, grid_offset))
