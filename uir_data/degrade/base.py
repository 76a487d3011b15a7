"""The degradation interface: documented levels, `sample(rng, level, ...) -> params`, `apply(image, params)`.

Follows the albumentations split between pure kernels (numpy in, numpy out, explicit parameters) and thin
classes that *sample* parameters from an injected generator and *apply* the kernel. Everything random in
`apply` must come from the params (e.g. a stored `seed`), so a manifest row replays its pair exactly.

Every sampled params dict carries the type's `algorithm_version`; `apply` refuses params made by another
version, because the same params would no longer give the same pair.
"""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import cv2
import numpy as np

from uir_data.degrade.color import to_float, to_uint8

# The params key that records which algorithm of a type made a pair. Params written before versions
# existed lack it and were made by version 1.
ALGORITHM_VERSION_KEY = "algorithm_version"


# A pair is a near-identity (teaches a restoration network nothing) when its LQ is within this PSNR of the GT
# or no 8-bit value moved by more than this many steps.
NEAR_IDENTITY_PSNR_DB = 50.0
NEAR_IDENTITY_MAX_DIFF = 1
# Draws `degrade` tries before it gives up on an image that a level cannot visibly change (e.g. a flat one).
NEAR_IDENTITY_ATTEMPTS = 3


class AlgorithmVersionError(ValueError):
    """Params were sampled by another algorithm version of the type than the one this engine runs."""


class NearIdentityError(ValueError):
    """Every draw of a level left the image (nearly) unchanged, so the pair would teach nothing."""


def pair_psnr(lq: np.ndarray, gt: np.ndarray) -> float:
    """PSNR in dB between two uint8 images of the same shape (inf when equal)."""
    mse = float(np.mean((lq.astype(np.float64) - gt.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * float(np.log10(255.0**2 / mse))


def is_near_identity(lq: np.ndarray, gt: np.ndarray) -> bool:
    """True when the uint8 pair differs by no more than NEAR_IDENTITY_MAX_DIFF or above NEAR_IDENTITY_PSNR_DB."""
    largest = int(np.max(cv2.absdiff(lq, gt))) if lq.size else 0
    return largest <= NEAR_IDENTITY_MAX_DIFF or pair_psnr(lq, gt) > NEAR_IDENTITY_PSNR_DB


@dataclass(frozen=True)
class Level:
    """One documented point (or narrow range) of a type's level grid, in pixels of the image as degraded."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    description: str = ""


def _records_version(sample: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    @functools.wraps(sample)
    def sample_with_version(self: Degradation, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {**sample(self, *args, **kwargs), ALGORITHM_VERSION_KEY: self.algorithm_version}

    return sample_with_version


class Degradation(ABC):
    """One UIR degradation type. Subclasses set `abbrev` and `levels` and implement the two methods."""

    abbrev: ClassVar[str]
    levels: ClassVar[tuple[Level, ...]]
    # Bumped whenever the pair a type makes from the same GT and generator changes, so a replay of a
    # manifest row knows whether this engine can remake it.
    algorithm_version: ClassVar[int] = 1
    # Runs of level indices along which severity must not decrease (mean PSNR must not rise). Grids that
    # mix families (e.g. GB: isotropic, anisotropic, sinc ...) list one run per family; None = all levels.
    monotone_runs: ClassVar[tuple[tuple[int, ...], ...] | None] = None
    # Documented exceptions to monotonicity: (level_a, level_b) pairs allowed to break it, with a reason
    # (e.g. JPEG q >= 90 where the 4:2:0 chroma floor dominates).
    monotone_exceptions: ClassVar[dict[tuple[int, int], str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # Each type writes `sample` itself; wrapping it here records the version without every type
        # having to remember to.
        own_sample = cls.__dict__.get("sample")
        if own_sample is not None and not getattr(own_sample, "__isabstractmethod__", False):
            cls.sample = _records_version(own_sample)  # type: ignore[method-assign]

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
        self.check_version(params)
        result = self.apply_float(to_float(image), params)
        if result.shape != image.shape:
            raise AssertionError(f"{self.abbrev} changed the image shape {image.shape} -> {result.shape}")
        return to_uint8(result)

    def degrade(
        self, image: np.ndarray, rng: np.random.Generator, level: int
    ) -> tuple[dict[str, Any], np.ndarray]:
        """Sample and apply, drawing again while the pair is a near-identity; (params, uint8 LQ).

        Raises NearIdentityError when NEAR_IDENTITY_ATTEMPTS draws all leave the image unchanged.
        """
        height, width = image.shape[:2]
        best = float("inf")
        for _ in range(NEAR_IDENTITY_ATTEMPTS):
            params = self.sample(rng, level, height, width)
            lq = self.apply(image, params)
            if not is_near_identity(lq, image):
                return params, lq
            best = min(best, pair_psnr(lq, image))
        raise NearIdentityError(
            f"{self.abbrev} level {self.levels[level].name} leaves this {width}x{height} image unchanged "
            f"(best of {NEAR_IDENTITY_ATTEMPTS} draws: {best:.1f} dB); the image is too flat for this level, "
            "so drop it from the sources or build a stronger level"
        )

    def check_version(self, params: dict[str, Any]) -> None:
        """Refuse params sampled by another algorithm version of this type."""
        recorded = params.get(ALGORITHM_VERSION_KEY, 1)
        if recorded != self.algorithm_version:
            raise AlgorithmVersionError(
                f"{self.abbrev} params were made by algorithm version {recorded} but this engine runs version "
                f"{self.algorithm_version}; rebuild the pair with this engine (uir build-dataset) or replay it "
                "with the uir release that made it"
            )

    def severity_runs(self) -> tuple[tuple[int, ...], ...]:
        return self.monotone_runs if self.monotone_runs is not None else (tuple(range(len(self.levels))),)

    def check_level(self, level: int) -> Level:
        if not 0 <= level < len(self.levels):
            raise ValueError(f"{self.abbrev} has levels 0..{len(self.levels) - 1}, got {level}")
        return self.levels[level]
