"""Noise fields: Gaussian (colour / gray / correlated), Poisson with explicit photon counts, salt-and-pepper.

Every function takes an explicit integer seed (stored in the params), never global RNG state, so one
manifest row replays its noise exactly (research/degradations.md pitfall P13).
"""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.seeding import make_rng

GAUSSIAN_MODES = ("color", "gray", "correlated")
# Above this mean count the Poisson law is replaced by its Gaussian limit (skewness 1/√λ ≤ 0.125): NumPy's
# exact sampler costs ~40 ns a pixel, the normal draw ~8 ns, and the difference is far below 8-bit resolution.
POISSON_GAUSSIAN_LIMIT = 64.0


def noise_rng(seed: int, name: str) -> np.random.Generator:
    """The generator of one noise field, keyed by the stored seed and the field's name."""
    return make_rng(int(seed), name)


def random_covariance(rng: np.random.Generator, sigma: float) -> list[list[float]]:
    """A random 3×3 channel covariance UᵀDU (BSRGAN-style) scaled so the mean channel variance is σ²."""
    q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    d = np.diag(rng.uniform(0.05, 1.0, 3))
    cov = q.T @ d @ q
    cov *= 3 * sigma**2 / np.trace(cov)
    return cov.round(12).tolist()


def gaussian_noise(
    shape: tuple[int, ...], sigma: float, seed: int, mode: str = "color", covariance: list | None = None
) -> np.ndarray:
    """A zero-mean float32 noise field of std `sigma` ([0, 1] units) for an (H, W, 3) image."""
    rng = noise_rng(seed, "gaussian")
    height, width, channels = shape
    if mode == "color":
        return rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
    if mode == "gray":
        field = rng.standard_normal((height, width, 1), dtype=np.float32) * np.float32(sigma)
        return np.repeat(field, channels, axis=2)
    if mode == "correlated":
        if covariance is None:
            raise ValueError("correlated Gaussian noise needs its recorded covariance")
        chol = np.linalg.cholesky(np.asarray(covariance, dtype=np.float64) + 1e-12 * np.eye(3))
        white = rng.standard_normal(shape, dtype=np.float32)
        # cv2.transform mixes channels per pixel (out = chol @ white) ~10x faster than a NumPy matmul.
        return cv2.transform(white, chol.astype(np.float32))
    raise ValueError(f"unknown Gaussian noise mode {mode!r}; expected one of {', '.join(GAUSSIAN_MODES)}")


def poisson_counts(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Photon counts with the given (non-negative) means, float32; Gaussian limit for large means."""
    mean = np.maximum(mean, 0, dtype=np.float32)
    small = mean < POISSON_GAUSSIAN_LIMIT
    counts = np.empty_like(mean)
    counts[small] = rng.poisson(mean[small]).astype(np.float32)
    large = mean[~small]
    counts[~small] = np.rint(large + np.sqrt(large) * rng.standard_normal(large.shape, dtype=np.float32))
    return counts


def add_poisson_noise(linear: np.ndarray, photons: float, seed: int, gray: bool = False) -> np.ndarray:
    """Shot noise in linear light: Poisson(photons · x) / photons, with `photons` at full scale (no clip)."""
    rng = noise_rng(seed, "poisson")
    scale = np.float32(photons)
    if gray:
        # One luminance count field; each channel keeps its own mean (achromatic noise).
        luma = linear @ np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
        noisy = poisson_counts(luma * scale, rng) / scale
        return linear + (noisy - luma)[..., None]
    return poisson_counts(linear * scale, rng) / scale


def add_salt_and_pepper(
    image: np.ndarray, amount: float, seed: int, salt_ratio: float = 0.5, per_channel: bool = False
) -> np.ndarray:
    """Set a fraction `amount` of pixels to 0 or 1; achromatic (whole pixel) or per channel."""
    rng = noise_rng(seed, "salt-and-pepper")
    shape = image.shape if per_channel else image.shape[:2] + (1,)
    draw = rng.random(shape, dtype=np.float32)
    out = image.copy()
    hit = draw < amount
    salt = draw < amount * salt_ratio  # the first salt_ratio share of hits turns white
    np.copyto(out, np.float32(0.0), where=np.broadcast_to(hit & ~salt, out.shape))
    np.copyto(out, np.float32(1.0), where=np.broadcast_to(salt, out.shape))
    return out


def add_poisson_gaussian(
    electrons: np.ndarray, read_noise: float, seed: int, name: str = "sensor"
) -> np.ndarray:
    """Sensor noise on a signal in electrons: Poisson shot noise plus Gaussian read noise (std in e-)."""
    rng = noise_rng(seed, name)
    counts = poisson_counts(electrons, rng)
    if read_noise > 0:
        counts += rng.standard_normal(counts.shape, dtype=np.float32) * np.float32(read_noise)
    return counts
