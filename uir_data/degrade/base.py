"""The degradation interface: documented levels, `sample(rng, level, ...) -> params`, `apply(image, params)`.

Follows the albumentations split between pure kernels (numpy in, numpy out, explicit parameters) and thin
classes that *sample* parameters from an injected generator and *apply* the kernel. Everything random in
`apply` must come from the params (e.g. a stored `seed`), so a manifest row replays its pair exactly.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from uir_data.degrade.color import to_float, to_uint8

# Spatial parameters (blur length, drop radius, streak length, ...) are defined at this short side
# and scaled linearly to the real image (research/degradations.md pitfall P11).
REFERENCE_SHORT_SIDE = 512


@dataclass(frozen=True)
class Level:
    """One documented point (or narrow range) of a type's level grid, at the 512 px reference."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def spatial_scale(height: int, width: int) -> float:
    """Factor that maps a px@512 parameter to this image."""
    return min(height, width) / REFERENCE_SHORT_SIDE


class Degradation(ABC):
    """One UIR degradation type. Subclasses set `abbrev` and `levels` and implement the two methods."""

    abbrev: ClassVar[str]
    levels: ClassVar[tuple[Level, ...]]
    # Runs of level indices along which severity must not decrease (mean PSNR must not rise). Grids that
    # mix families (e.g. GB: isotropic, anisotropic, sinc ...) list one run per family; None = all levels.
    monotone_runs: ClassVar[tuple[tuple[int, ...], ...] | None] = None
    # Documented exceptions to monotonicity: (level_a, level_b) pairs allowed to break it, with a reason
    # (e.g. JPEG q >= 90 where the 4:2:0 chroma floor dominates).
    monotone_exceptions: ClassVar[dict[tuple[int, int], str]] = {}

    @abstractmethod
    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        """Draw the concrete, JSON-serialisable parameters of one application at `level`."""

    @abstractmethod
    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """float32 RGB in [0, 1] (H, W, 3) -> float32 RGB of the same size; deterministic in params."""

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        """uint8 RGB in -> uint8 RGB out of the same size, rounded once."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise ValueError(f"{self.abbrev}: expected an (H, W, 3) RGB image, got shape {image.shape}")
        result = self.apply_float(to_float(image), params)
        if result.shape != image.shape:
            raise AssertionError(f"{self.abbrev} changed the image shape {image.shape} -> {result.shape}")
        return to_uint8(result)

    def severity_runs(self) -> tuple[tuple[int, ...], ...]:
        return self.monotone_runs if self.monotone_runs is not None else (tuple(range(len(self.levels))),)

    def check_level(self, level: int) -> Level:
        if not 0 <= level < len(self.levels):
            raise ValueError(f"{self.abbrev} has levels 0..{len(self.levels) - 1}, got {level}")
        return self.levels[level]
