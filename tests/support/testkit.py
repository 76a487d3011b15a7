"""Small helpers shared by tests: deterministic photo-like images and image writers."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

# Types whose synthesis is cheap, for pipeline tests that are about the pipeline, not the degradations.
PIPELINE_TYPES = ("H", "RS")


def smooth_photo(seed: int, height: int, width: int) -> np.ndarray:
    """A deterministic photo-like RGB image: smooth colour gradients plus some texture."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, size=(max(2, height // 16), max(2, width // 16), 3), dtype=np.uint8)
    base = cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.int16)
    texture = rng.integers(-12, 13, size=(height, width, 3), dtype=np.int16)
    return np.clip(base + texture, 0, 255).astype(np.uint8)


def write_rgb(path: Path, rgb: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path
