"""The bad-input corpus: every kind of awkward source is converted correctly or rejected with a reason."""

import io
import zlib

import cv2
import numpy as np
import pytest
from PIL import Image
from testkit import smooth_photo

from uir_data.image_io import RejectedImage, decode_source, fit_long_side


def png_bytes(array: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".png", array)
    assert ok
    return buffer.tobytes()


def pil_bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


RGB = smooth_photo(1, 40, 56)


def test_plain_rgb_png_round_trips_exactly():
    decoded = decode_source(png_bytes(cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR)))
    assert np.array_equal(decoded.rgb, RGB)
    assert decoded.conversions == ()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (b"this is not an image at all" * 10, "not an image"),
        (png_bytes(cv2.cvtColor(RGB, cv2.COLOR_RGB2BGR))[:300], "truncated"),
        (pil_bytes(Image.fromarray(RGB), "JPEG", quality=90)[:400], "truncated"),
        (png_bytes(np.zeros((10, 50, 3), np.uint8)), "smaller than the minimum side"),
    ],
    ids=["zero-byte", "not-an-image", "truncated-png", "truncated-jpeg", "too-small"],
)
def test_unusable_inputs_are_rejected_with_a_reason(data, reason):
    with pytest.raises(RejectedImage, match=reason):
        decode_source(data, min_side=32)


def test_decompression_bomb_is_rejected_from_the_header_alone():
    # A 20000x20000 PNG header would need 400 MP; the limit is checked before any pixel is decoded.
    huge = Image.new("L", (1, 1))
    data = bytearray(pil_bytes(huge, "PNG"))
    # Patch IHDR width/height (offsets 16..24) to 20000 x 20000 and fix the chunk CRC (offsets 29..33).
    data[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    with pytest.raises(RejectedImage, match="exceeds the limit|decompression bomb"):
        decode_source(bytes(data), max_pixels=10_000_000)


def test_sixteen_bit_rgb_is_rounded_not_truncated():
    # +100 keeps round(v / 257) == v but makes a high-byte (truncating) converter return v + 1 for v >= 156
    sixteen = (RGB.astype(np.uint32) * 257 + 100).clip(0, 65535).astype(np.uint16)
    decoded = decode_source(png_bytes(cv2.cvtColor(sixteen, cv2.COLOR_RGB2BGR)))
    assert decoded.rgb.dtype == np.uint8
    assert np.array_equal(decoded.rgb, RGB)
    assert "16bit->8bit" in decoded.conversions


def test_sixteen_bit_gray_becomes_three_equal_channels():
    gray16 = (RGB[..., 0].astype(np.uint16) * 257)
    decoded = decode_source(png_bytes(gray16))
    assert decoded.rgb.shape == (*RGB.shape[:2], 3)
    assert np.array_equal(decoded.rgb[..., 0], RGB[..., 0])
    assert np.array_equal(decoded.rgb[..., 1], decoded.rgb[..., 2])


def test_grayscale_is_replicated():
    decoded = decode_source(png_bytes(RGB[..., 1]))
    assert np.array_equal(decoded.rgb, np.repeat(RGB[..., 1:2], 3, axis=2))
    assert "gray->rgb" in decoded.conversions


def test_palette_is_expanded_through_its_palette():
    palette_image = Image.fromarray(RGB).quantize(colors=16)
    expected = np.asarray(palette_image.convert("RGB"))
    decoded = decode_source(pil_bytes(palette_image, "PNG"))
    assert np.array_equal(decoded.rgb, expected)
    assert "palette->rgb" in decoded.conversions


def test_alpha_is_composited_over_white():
    rgba = np.dstack([RGB, np.zeros(RGB.shape[:2], np.uint8)])
    rgba[:, : RGB.shape[1] // 2, 3] = 255  # left half opaque, right half transparent
    decoded = decode_source(pil_bytes(Image.fromarray(rgba, "RGBA"), "PNG"))
    half = RGB.shape[1] // 2
    assert np.array_equal(decoded.rgb[:, :half], RGB[:, :half])
    assert (decoded.rgb[:, half:] == 255).all()


def test_cmyk_jpeg_becomes_rgb():
    cmyk = Image.fromarray(RGB).convert("CMYK")
    decoded = decode_source(pil_bytes(cmyk, "JPEG", quality=95))
    assert decoded.rgb.shape == RGB.shape
    assert "cmyk->rgb" in decoded.conversions
    # JPEG is lossy; the colours must still be close to the original RGB, not inverted.
    assert np.abs(decoded.rgb.astype(int) - RGB.astype(int)).mean() < 12


@pytest.mark.parametrize("orientation", [3, 6, 8])
def test_exif_orientation_is_applied(orientation):
    image = Image.fromarray(RGB)
    exif = image.getexif()
    exif[274] = orientation
    data = pil_bytes(image, "PNG", exif=exif)
    decoded = decode_source(data)
    expected = {3: np.rot90(RGB, 2), 6: np.rot90(RGB, -1), 8: np.rot90(RGB, 1)}[orientation]
    assert np.array_equal(decoded.rgb, expected)
    assert "exif-rotate" in decoded.conversions


def test_fit_long_side_downscales_only_when_asked():
    assert fit_long_side(RGB, 0) is RGB
    assert fit_long_side(RGB, 28).shape == (20, 28, 3)
    assert fit_long_side(RGB, 1000) is RGB


def png_header_claiming(width: int, height: int) -> bytes:
    """A valid 1x1 PNG whose IHDR is patched to claim width x height (no pixel data for them)."""
    data = bytearray(pil_bytes(Image.new("L", (1, 1)), "PNG"))
    data[16:24] = width.to_bytes(4, "big") + height.to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")
    return bytes(data)


def test_the_default_pixel_limit_refuses_a_64_megapixel_png_and_says_how_to_raise_it():
    from uir_data.image_io import DEFAULT_MAX_PIXELS
    from uir_data.recipe import Recipe

    assert Recipe(name="x").max_pixels == DEFAULT_MAX_PIXELS == 40_000_000
    with pytest.raises(RejectedImage, match=r"8000x8000 = 64000000 pixels exceeds the limit of 40000000.*--max-pixels"):
        decode_source(png_header_claiming(8000, 8000))
    # Just under the limit the header passes and decoding starts (and fails on the missing pixel data).
    with pytest.raises(RejectedImage, match="truncated or corrupt"):
        decode_source(png_header_claiming(8000, 4999))
