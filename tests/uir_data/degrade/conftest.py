"""Shared fixtures of the degradation tests: the bundled photos at test size and small synthetic images."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

# Short side of the photos used by severity sweeps: big enough for 8x8 JPEG blocks and Bayer sites to
# matter, small enough to keep the whole sweep over all types within a minute.
SWEEP_SHORT_SIDE = 160


def downscale(image: np.ndarray, short_side: int) -> np.ndarray:
    """Area-downscale an RGB uint8 image to the given short side."""
    height, width = image.shape[:2]
    factor = short_side / min(height, width)
    return cv2.resize(image, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA)


@pytest.fixture(scope="session")
def bundled_photos() -> list[np.ndarray]:
    """astronaut, chelsea, coffee, rocket from scikit-image, ~160 px short side, uint8 RGB."""
    return [
        downscale(p(), SWEEP_SHORT_SIDE) for p in (data.astronaut, data.chelsea, data.coffee, data.rocket)
    ]


@pytest.fixture(scope="session")
def odd_photo() -> np.ndarray:
    """A 257x383 crop of a real photo: odd sizes catch off-by-one padding and Bayer phase bugs."""
    return np.ascontiguousarray(data.coffee()[40:297, 100:483])


@pytest.fixture(scope="session")
def tiny_photo() -> np.ndarray:
    """A 20x28 image: smaller than most kernels at their largest levels."""
    return np.ascontiguousarray(downscale(data.astronaut(), 20)[:, :28])


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB between two uint8 images."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * np.log10(255.0**2 / max(mse, 1e-12))


@pytest.fixture(scope="session")
def psnr_db():
    """The PSNR function, as a fixture (test files are imported in importlib mode)."""
    return psnr


def flat_image(height: int, width: int, value: float | tuple[float, float, float]) -> np.ndarray:
    """A constant float32 RGB image."""
    image = np.empty((height, width, 3), dtype=np.float32)
    image[...] = value
    return image


@pytest.fixture(scope="session")
def make_flat():
    """Factory for constant float32 RGB images."""
    return flat_image


def center_crop(image: np.ndarray, height: int, width: int) -> np.ndarray:
    """Area-downscale so the image covers height x width, then cut the centre."""
    factor = max(height / image.shape[0], width / image.shape[1])
    scaled = cv2.resize(
        image,
        (max(width, round(image.shape[1] * factor)), max(height, round(image.shape[0] * factor))),
        interpolation=cv2.INTER_AREA,
    )
    top, left = (scaled.shape[0] - height) // 2, (scaled.shape[1] - width) // 2
    return np.ascontiguousarray(scaled[top : top + height, left : left + width])


@pytest.fixture(scope="session")
def small_and_medium_photos() -> list[np.ndarray]:
    """A 96x80 product-shot-sized crop and a 321x321 BSD-sized crop of the bundled photos."""
    return [center_crop(data.astronaut(), 80, 96), center_crop(data.coffee(), 321, 321)]
