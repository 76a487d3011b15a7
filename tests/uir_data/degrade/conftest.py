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
