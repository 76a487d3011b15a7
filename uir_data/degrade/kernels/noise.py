"""Noise fields: Gaussian (colour / gray / correlated), Poisson with explicit photon counts, salt-and-pepper.

Every function takes an explicit integer seed (stored in the params), never global RNG state, so one
manifest row replays its noise exactly.

Normal deviates come from a quantile table indexed by 16 random bits (`standard_normal`): 4-5x faster than
NumPy's ziggurat on one core, still drawn from the per-field NumPy generator. The table holds the normal
quantiles at the midpoints of 65536 equal-probability bins: variance 0.99998, kurtosis 2.9991, tails cut at
4.32 σ (a deviate beyond that has probability 1.5e-5), so an image's noise std is within 0.01 % of σ.
"""

from __future__ import annotations

from functools import cache

import cv2
import numpy as np
from scipy.special import gammaln, ndtri

from uir_data.seeding import make_rng

GAUSSIAN_MODES = ("color", "gray", "correlated")
# Above this mean count the Poisson law is replaced by its Gaussian limit (skewness 1/√λ ≤ 0.125), far below
# 8-bit resolution; below it counts come from an inverse-CDF table (NumPy's exact sampler costs ~50 ns a value).
POISSON_GAUSSIAN_LIMIT = 64.0
LAMBDA_STEPS = 16
QUANTILE_BITS = 12
QUANTILES = 2**QUANTILE_BITS
NORMAL_BITS = 16


@cache
def _normal_quantiles() -> np.ndarray:
    """N(0, 1) quantiles at the midpoints of 2**NORMAL_BITS equal-probability bins, float32."""
    return ndtri((np.arange(2**NORMAL_BITS, dtype=np.float64) + 0.5) / 2**NORMAL_BITS).astype(np.float32)


@cache
def _rounded_normal_quantiles(sigma_8bit: float) -> np.ndarray:
    """rint(σ · z) of every table quantile z, int16: noise in whole 8-bit steps (σ in 8-bit units)."""
    return np.rint(sigma_8bit * _normal_quantiles().astype(np.float64)).astype(np.int16)


def _normal_indices(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 2**NORMAL_BITS, size=shape, dtype=np.uint16)


def standard_normal(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """float32 N(0, 1) deviates of `shape` from `rng`, by quantile table (see the module docstring)."""
    return _normal_quantiles()[_normal_indices(rng, shape)]  # fancy indexing: no intp copy of the indices


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
        return standard_normal(rng, shape) * np.float32(sigma)
    if mode == "gray":
        field = standard_normal(rng, (height, width, 1)) * np.float32(sigma)
        return np.repeat(field, channels, axis=2)
    if mode == "correlated":
        return _correlated(standard_normal(rng, shape), covariance)
    raise ValueError(f"unknown Gaussian noise mode {mode!r}; expected one of {', '.join(GAUSSIAN_MODES)}")


def _correlated(white: np.ndarray, covariance: list | None, scale: float = 1.0) -> np.ndarray:
    if covariance is None:
        raise ValueError("correlated Gaussian noise needs its recorded covariance")
    chol = np.linalg.cholesky(np.asarray(covariance, dtype=np.float64) + 1e-12 * np.eye(3)) * scale
    # cv2.transform mixes channels per pixel (out = chol @ white) ~10x faster than a NumPy matmul.
    return cv2.transform(white, chol.astype(np.float32))


def gaussian_noise_8bit(
    shape: tuple[int, ...], sigma_8bit: float, seed: int, mode: str = "color", covariance: list | None = None
) -> np.ndarray:
    """A zero-mean int16 noise field of std `sigma_8bit` rounded to whole 8-bit steps, for an (H, W, 3) image.

    Adding it to a uint8 image and saturating gives the bytes of rounding image + unrounded noise (an integer
    plus x rounds to the integer plus round(x)), so a uint8 image takes it with one saturating add."""
    rng = noise_rng(seed, "gaussian")
    height, width, channels = shape
    if mode == "color":
        return _rounded_normal_quantiles(float(sigma_8bit))[_normal_indices(rng, shape)]
    if mode == "gray":
        field = _rounded_normal_quantiles(float(sigma_8bit))[_normal_indices(rng, (height, width))]
        return cv2.merge([field] * channels)
    if mode == "correlated":
        mixed = _correlated(standard_normal(rng, shape), covariance, 255.0)
        return np.rint(mixed).astype(np.int16)
    raise ValueError(f"unknown Gaussian noise mode {mode!r}; expected one of {', '.join(GAUSSIAN_MODES)}")


@cache
def _poisson_table() -> np.ndarray:
    """Inverse-CDF table of Poisson(λ) for λ on a 1/16 grid below the Gaussian limit and 4096 quantiles."""
    lambdas = np.arange(int(POISSON_GAUSSIAN_LIMIT * LAMBDA_STEPS) + 1, dtype=np.float64) / LAMBDA_STEPS
    ks = np.arange(256, dtype=np.float64)
    log_pmf = (
        ks[None, :] * np.log(np.maximum(lambdas[:, None], 1e-300))
        - lambdas[:, None]
        - gammaln(ks + 1)[None, :]
    )
    pmf = np.exp(log_pmf)
    pmf[0] = 0.0
    pmf[0, 0] = 1.0  # λ = 0 always gives 0
    cdf = np.cumsum(pmf, axis=1)
    quantiles = (np.arange(QUANTILES, dtype=np.float64) + 0.5) / QUANTILES
    table = np.empty((len(lambdas), QUANTILES), dtype=np.uint8)
    for row, row_cdf in enumerate(cdf):
        table[row] = np.minimum(np.searchsorted(row_cdf, quantiles, side="right"), 255)
    return table


def poisson_counts(mean: np.ndarray, rng: np.random.Generator, read_noise: float = 0.0) -> np.ndarray:
    """Photon counts with the given (non-negative) means, float32, plus Gaussian read noise of std `read_noise`.

    Means below the Gaussian limit are sampled by inverse CDF from a table: one 16-bit draw per value gives
    the quantile (12 bits, resolved to 1/4096) and the stochastic rounding of λ to the table's 1/16 grid
    (4 bits; E[count] = λ within 1/512). Larger means use the Gaussian limit, with the read noise in the
    same deviate (variance λ + read²); smaller ones add read noise from that deviate alone. One uniform and
    at most one normal draw per value.
    """
    mean = np.asarray(mean, dtype=np.float32)
    bits = rng.integers(0, 2**16, size=mean.shape, dtype=np.uint16)
    # floor(16λ + (j + 0.5)/16) with j the low 4 bits: λ rounded to the grid up or down at random.
    position = np.clip(mean, np.float32(0), np.float32(POISSON_GAUSSIAN_LIMIT))
    position *= np.float32(LAMBDA_STEPS * 16)
    position += bits & np.uint16(15)
    position += np.float32(0.5)
    flat = position.astype(np.int32)
    flat >>= np.int32(4)
    flat <<= np.int32(QUANTILE_BITS)
    flat |= bits >> np.uint16(16 - QUANTILE_BITS)
    counts = _poisson_table().ravel().take(flat).astype(np.float32)  # take: ~2x faster than 2-D indexing
    large = mean >= np.float32(POISSON_GAUSSIAN_LIMIT)
    any_large = bool(large.any())
    if read_noise > 0:
        deviate = standard_normal(rng, mean.shape)
        if not any_large:
            deviate *= np.float32(read_noise)
            counts += deviate
            return counts
        spread = np.sqrt(np.where(large, mean, np.float32(0)) + np.float32(read_noise * read_noise))
        return np.where(large, mean, counts) + spread * deviate
    if any_large:
        gauss = np.rint(mean + np.sqrt(mean) * standard_normal(rng, mean.shape))
        counts = np.where(large, gauss, counts)
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
    image: np.ndarray, amount: float, seed: int, salt_ratio: float = 0.5, per_channel: bool = False,
    high: float = 1.0,
) -> np.ndarray:
    """Set a fraction `amount` of pixels to 0 or `high` (1 in float, 255 in uint8); whole pixel or per channel."""
    rng = noise_rng(seed, "salt-and-pepper")
    shape = image.shape if per_channel else image.shape[:2] + (1,)
    draw = rng.random(shape, dtype=np.float32)
    if not per_channel:
        draw = draw[..., 0]  # an (H, W) mask selects whole pixels; broadcasting it over channels is slow
    out = image.copy()
    salt = draw < amount * salt_ratio  # the first salt_ratio share of hits turns white
    out[(draw < amount) & ~salt] = 0
    out[salt] = high
    return out


def add_poisson_gaussian(
    electrons: np.ndarray, read_noise: float, seed: int, name: str = "sensor"
) -> np.ndarray:
    """Sensor noise on a signal in electrons: Poisson shot noise plus Gaussian read noise (std in e-)."""
    return poisson_counts(electrons, noise_rng(seed, name), read_noise)
