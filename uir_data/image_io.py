"""Image codecs at the boundaries of the engine: robust decoding of clean sources, fast PNG encoding.

Decoding policy for clean sources (documented in manifests/SCHEMA.md, "Input conversions"):
- EXIF orientation is applied, so the stored GT is upright as a viewer shows it.
- 16-bit images are reduced to 8 bits by round(v / 257) (exact inverse of the 8->16 bit expansion).
- Grayscale (L, I;16) is replicated to three equal RGB channels.
- Palette images are expanded through their palette; CMYK JPEGs are converted to RGB by Pillow.
- Alpha is composited over white (transparent areas become white, as image viewers show them).
- Empty, truncated, unidentifiable, too small or too large (over the pixel limit, read from the header
  before any pixel is decoded: decompression bombs, 64 MP PNGs of 200 KB) files are rejected with a
  reason; they never stop a build.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

# Pillow raises on its own truncated-file check only when this stays False (the default).
Image.LOAD_TRUNCATED_IMAGES = False

EXIF_ORIENTATION_TAG = 274
SIXTEEN_BIT_MODES = {"I;16", "I;16B", "I;16L", "I;16N", "I"}


class RejectedImage(Exception):
    """A clean source that cannot be used; `reason` is one sentence for rejected.jsonl."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class DecodedImage:
    rgb: np.ndarray  # uint8 (H, W, 3)
    conversions: tuple[str, ...]  # what was done to reach 8-bit upright RGB, e.g. ("exif-rotate", "gray->rgb")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _orientation_fix(array: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1..8) to an (H, W[, C]) array, as ImageOps.exif_transpose would."""
    operations = {
        2: lambda a: a[:, ::-1],
        3: lambda a: a[::-1, ::-1],
        4: lambda a: a[::-1, :],
        5: lambda a: np.swapaxes(a, 0, 1),
        6: lambda a: np.rot90(a, k=-1),
        7: lambda a: np.swapaxes(a[::-1, ::-1], 0, 1),
        8: lambda a: np.rot90(a, k=1),
    }
    operation = operations.get(orientation)
    return np.ascontiguousarray(operation(array)) if operation else array


def _decode_sixteen_bit(data: bytes) -> np.ndarray:
    """Full-depth decode through OpenCV (Pillow truncates 48-bit RGB PNGs), returned as RGB(A) uint16."""
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    if array is None:
        raise RejectedImage("truncated or corrupt 16-bit image data")
    if array.ndim == 3 and array.shape[2] == 3:
        array = cv2.cvtColor(array, cv2.COLOR_BGR2RGB)
    elif array.ndim == 3 and array.shape[2] == 4:
        array = cv2.cvtColor(array, cv2.COLOR_BGRA2RGBA)
    return array


def _composite_over_white(rgba: np.ndarray) -> np.ndarray:
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32)
    return np.clip(np.rint(rgb * alpha + 255.0 * (1.0 - alpha)), 0, 255).astype(np.uint8)


DEFAULT_MAX_PIXELS = 40_000_000  # the recipe default ([image] max_pixels); documented in docs/reliability.md


def decode_source(data: bytes, *, min_side: int = 32, max_pixels: int = DEFAULT_MAX_PIXELS) -> DecodedImage:
    """Decode a clean source image to upright 8-bit RGB, or raise RejectedImage with the reason."""
    if not data:
        raise RejectedImage("empty file (0 bytes)")
    conversions: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            previous_limit = Image.MAX_IMAGE_PIXELS
            # Pillow's own bomb check words its refusal for developers; ours below (same header, same
            # moment, before any pixel is decoded) names the image size and the option that raises it.
            Image.MAX_IMAGE_PIXELS = None
            try:
                image = Image.open(io.BytesIO(data))
                width, height = image.size
                if width * height > max_pixels:
                    raise RejectedImage(
                        f"{width}x{height} = {width * height} pixels exceeds the limit of {max_pixels} (a worker "
                        "needs ~45 bytes per pixel; raise it with --max-pixels or [image] max_pixels if memory allows)"
                    )
                if min(width, height) < min_side:
                    raise RejectedImage(f"{width}x{height} is smaller than the minimum side of {min_side} px")
                orientation = int(image.getexif().get(EXIF_ORIENTATION_TAG, 1) or 1)
                sixteen_bit = image.mode in SIXTEEN_BIT_MODES or (
                    image.format == "PNG" and data[24:25] == b"\x10"  # IHDR bit depth byte
                )
                if sixteen_bit:
                    array = _decode_sixteen_bit(data)
                    if array.dtype == np.uint16:
                        conversions.append("16bit->8bit")
                        array = ((array.astype(np.uint32) + 128) // 257).astype(np.uint8)
                    elif array.dtype != np.uint8:
                        raise RejectedImage(f"unsupported sample type {array.dtype}")
                else:
                    image.load()  # full decode: raises on truncated data
                    if image.mode == "P":
                        conversions.append("palette->rgb")
                        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
                    elif image.mode == "CMYK":
                        conversions.append("cmyk->rgb")
                        image = image.convert("RGB")
                    elif image.mode in ("LA", "PA"):
                        image = image.convert("RGBA")
                    elif image.mode in ("F", "I;16S", "RGBa", "La"):
                        raise RejectedImage(f"unsupported pixel mode {image.mode}")
                    elif image.mode not in ("RGB", "RGBA", "L", "1"):
                        conversions.append(f"{image.mode.lower()}->rgb")
                        image = image.convert("RGB")
                    if image.mode == "1":
                        image = image.convert("L")
                    array = np.asarray(image)
            finally:
                Image.MAX_IMAGE_PIXELS = previous_limit
    except RejectedImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise RejectedImage(
            f"exceeds the limit of {max_pixels} pixels (raise it with --max-pixels or [image] max_pixels): {error}"
        ) from None
    except UnidentifiedImageError:
        raise RejectedImage("not an image (no decoder recognises the data)") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise RejectedImage(f"truncated or corrupt image data ({error})") from None

    if array.ndim == 2:
        conversions.append("gray->rgb")
        array = np.repeat(array[:, :, None], 3, axis=2)
    elif array.shape[2] == 4:
        conversions.append("alpha->white")
        array = _composite_over_white(array)
    elif array.shape[2] == 2:  # gray + alpha from the 16-bit path
        conversions.append("alpha->white")
        array = _composite_over_white(np.concatenate([np.repeat(array[..., :1], 3, axis=2), array[..., 1:]], 2))
    if orientation != 1:
        conversions.append("exif-rotate")
        array = _orientation_fix(array, orientation)
    return DecodedImage(np.ascontiguousarray(array, dtype=np.uint8), tuple(conversions))


def read_source(path: Path, *, min_side: int = 32, max_pixels: int = DEFAULT_MAX_PIXELS) -> DecodedImage:
    """Read and decode a clean source file; RejectedImage names the problem (the caller names the file)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise RejectedImage(f"cannot read file ({error.strerror})") from None
    return decode_source(data, min_side=min_side, max_pixels=max_pixels)


def scaled_size(height: int, width: int, *, max_side: int = 0, short_side: int = 0) -> tuple[int, int]:
    """(height, width) after a recipe's downscaling: long side at most max_side, short side at most
    short_side (0 = no limit); never upscales."""
    scale = 1.0
    if max_side > 0 and max(height, width) > max_side:
        scale = max_side / max(height, width)
    if short_side > 0 and min(height, width) * scale > short_side:
        scale = short_side / min(height, width)
    if scale == 1.0:
        return height, width
    return max(1, round(height * scale)), max(1, round(width * scale))


def fit_size(rgb: np.ndarray, *, max_side: int = 0, short_side: int = 0) -> np.ndarray:
    """Downscale (area filter) to `scaled_size`; the image itself when no limit applies."""
    height, width = rgb.shape[:2]
    size = scaled_size(height, width, max_side=max_side, short_side=short_side)
    if size == (height, width):
        return rgb
    return cv2.resize(rgb, (size[1], size[0]), interpolation=cv2.INTER_AREA)


def fit_long_side(rgb: np.ndarray, max_side: int) -> np.ndarray:
    """Downscale (area filter) so the long side is at most max_side; 0 keeps the size."""
    return fit_size(rgb, max_side=max_side)


def header_size(path: Path) -> tuple[int, int] | None:
    """(height, width) of an image file as it will be decoded (EXIF rotation applied), from its header
    alone; None when the header cannot be read (the task then rejects the file with its reason)."""
    previous_limit = Image.MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = None  # size only: the pixel limit is enforced when the task decodes
    try:
        with Image.open(path) as image:
            width, height = image.size
            orientation = int(image.getexif().get(EXIF_ORIENTATION_TAG, 1) or 1)
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError):
        return None
    finally:
        Image.MAX_IMAGE_PIXELS = previous_limit
    return (width, height) if orientation in (5, 6, 7, 8) else (height, width)


def encode_png(rgb: np.ndarray) -> bytes:
    """RGB uint8 -> PNG bytes. OpenCV's default PNG parameters (level 1, SUB filter, RLE) are ~2x faster
    than an explicit level with the same LQ sizes."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("PNG encoding failed")
    return buffer.tobytes()


def decode_rgb(data: bytes) -> np.ndarray | None:
    """Decode stored dataset bytes (PNG/JPEG/...) to RGB uint8 as written; None when undecodable."""
    array = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB)
    return array


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def image_size(data: bytes) -> tuple[int, int] | None:
    """(height, width) from the header alone, or None when the data is not an image."""
    if data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) > 57:
        # PNG: read IHDR directly (10x cheaper than opening with Pillow); the IEND check below catches
        # files cut short, which a header-only read would otherwise accept.
        if data[-12:-4] != b"\x00\x00\x00\x00IEND":
            return None
        return int.from_bytes(data[20:24], "big"), int.from_bytes(data[16:20], "big")
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return None
    return height, width
