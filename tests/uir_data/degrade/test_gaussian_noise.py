"""GN: noise statistics per variant, explicit-photon Poisson, salt-and-pepper counts."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import poisson

from uir_data.degrade.color import srgb_to_linear
from uir_data.degrade.kernels.noise import (
    add_poisson_noise,
    add_salt_and_pepper,
    gaussian_noise,
    gaussian_noise_8bit,
    poisson_counts,
    standard_normal,
)
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

GN = get_degradation("GN")


def _level(kind: str, key: str, value) -> int:
    return next(i for i, lv in enumerate(GN.levels) if lv.params["kind"] == kind and lv.params[key] == value)


def test_grid_sizes():
    kinds = [lv.params["kind"] for lv in GN.levels]
    assert (kinds.count("gaussian"), kinds.count("poisson"), kinds.count("salt_and_pepper")) == (10, 8, 8)


@pytest.mark.parametrize("mode", ["color", "gray", "correlated"])
def test_gaussian_std_matches_sigma(mode, make_flat):
    image = make_flat(128, 128, 0.5)
    params = {"kind": "gaussian", "sigma_8bit": 25, "mode": mode, "seed": 3}
    if mode == "correlated":
        from uir_data.degrade.kernels.noise import random_covariance

        params["covariance"] = random_covariance(make_rng(1), 25 / 255)
    residual = GN.apply_float(image, params) - image
    # Mean channel variance is σ² in every mode (correlated noise only mixes channels).
    assert np.sqrt(residual.var(axis=(0, 1)).mean()) == pytest.approx(25 / 255, rel=0.03)
    if mode == "gray":
        assert np.array_equal(residual[..., 0], residual[..., 2])
    if mode == "color":
        corr = np.corrcoef(residual[..., 0].ravel(), residual[..., 1].ravel())[0, 1]
        assert abs(corr) < 0.03


def test_correlated_noise_follows_its_covariance():
    cov = np.array([[1.0, 0.6, 0.2], [0.6, 1.0, 0.3], [0.2, 0.3, 1.0]]) * 0.01
    field = gaussian_noise((200, 200, 3), 0.1, 9, "correlated", cov.tolist())
    assert np.allclose(np.cov(field.reshape(-1, 3).T), cov, atol=6e-4)


@pytest.mark.parametrize("lam", [0.2, 1.5, 6.0, 30.0, 63.0, 200.0])
def test_poisson_counts_match_the_poisson_law(lam):
    counts = poisson_counts(np.full(200_000, lam, np.float32), make_rng(4))
    assert counts.mean() == pytest.approx(lam, rel=0.02, abs=0.005)
    assert counts.var() == pytest.approx(lam, rel=0.03, abs=0.005)
    if lam < 10:
        for k in range(3):
            assert (counts == k).mean() == pytest.approx(poisson.pmf(k, lam), abs=0.005)


def test_poisson_variance_is_proportional_to_signal_in_linear_light(make_flat):
    photons = 40
    variances = []
    for level in (0.1, 0.4):
        linear = make_flat(128, 128, level)
        noisy = add_poisson_noise(linear, photons, seed=2)
        variances.append(noisy.var())
        assert noisy.var() == pytest.approx(level / photons, rel=0.05)
    assert variances[1] / variances[0] == pytest.approx(4.0, rel=0.08)


def test_poisson_strength_does_not_depend_on_image_content(make_flat):
    # BasicSR derives λ from the count of distinct values; here a flat and a busy image get the
    # same noise at the same pixel value.
    flat = make_flat(64, 256, 0.5)
    busy = flat.copy()
    busy[:, 128:] = np.linspace(0, 1, 64 * 128 * 3, dtype=np.float32).reshape(64, 128, 3)
    params = {"kind": "poisson", "photons": 20, "gray": False, "seed": 8}
    res_flat = GN.apply_float(flat, params)[:, :128] - 0.5
    res_busy = GN.apply_float(busy, params)[:, :128] - 0.5
    assert res_flat.std() == pytest.approx(res_busy.std(), rel=0.05)


def test_poisson_levels_record_explicit_photons_and_domain():
    params = GN.sample(make_rng(1), _level("poisson", "photons", 50), 64, 64)
    assert params["photons"] == 50 and params["domain"] == "linear"
    assert srgb_to_linear(np.float32([0.5])) < 0.5  # the domain really is linear light


@pytest.mark.parametrize("per_channel", [False, True])
def test_salt_and_pepper_hits_the_requested_fraction(per_channel, make_flat):
    image = make_flat(200, 200, 0.5)
    out = add_salt_and_pepper(image, 0.1, seed=5, per_channel=per_channel)
    changed = out != image
    assert set(np.unique(out[changed])) <= {0.0, 1.0}
    assert changed.mean() == pytest.approx(0.1, abs=0.01)
    assert (out[changed] == 1.0).mean() == pytest.approx(0.5, abs=0.05)
    whole_pixels = changed.all(axis=2) | ~changed.any(axis=2)
    assert whole_pixels.all() != per_channel  # achromatic: all channels of a pixel flip together


def test_training_sigmas_stay_below_the_out_of_distribution_test():
    # MaskDCPT tests σ 60 and 75 as noise the network never saw (paper Table III).
    sigmas = [lv.params["sigma_8bit"] for lv in GN.levels if lv.params["kind"] == "gaussian"]
    assert max(sigmas) <= 50 and {15, 25, 50} <= set(sigmas)


@pytest.mark.parametrize("sigma", [15, 25, 50])
def test_benchmark_levels_are_standard_colour_awgn(sigma, bundled_photos):
    level = _level("gaussian", "sigma_8bit", sigma)
    assert GN.levels[level].name == f"gaussian-s{sigma}"  # the name the 5D/12D recipes pin
    image = bundled_photos[0].astype(np.float32) / 255
    for seed in range(12):
        params = GN.sample(make_rng(seed), level, *image.shape[:2])
        assert params["mode"] == "color" and "covariance" not in params
        residual = GN.apply_float(image, params) - image
        field = gaussian_noise_8bit(image.shape, sigma, params["seed"], "color")
        assert np.allclose(residual, field / 255, atol=1e-6)


def test_poisson_levels_neither_posterise_nor_darken(bundled_photos):
    for level, spec in enumerate(GN.levels):
        if spec.params["kind"] != "poisson":
            continue
        for photo in bundled_photos:
            out = GN.apply(photo, GN.sample(make_rng(level), level, *photo.shape[:2]))
            assert len(np.unique(out[..., 1])) >= 50, spec.name  # at least 50 grey levels survive
            assert abs(float(out.mean()) - float(photo.mean())) <= 6.0, spec.name  # mean within 6 DN


def test_table_normal_deviates_have_unit_variance_and_replay():
    draws = standard_normal(make_rng(8), (1_000_000,))
    assert draws.dtype == np.float32
    assert abs(float(draws.mean())) < 0.004 and float(draws.std()) == pytest.approx(1.0, rel=0.003)
    assert float(np.mean(draws.astype(np.float64) ** 4)) == pytest.approx(3.0, rel=0.02)  # normal tails
    assert np.array_equal(draws, standard_normal(make_rng(8), (1_000_000,)))


# Correlated noise at σ 50 is left out: one channel may carry up to 3σ² and clip at 0 and 255.
@pytest.mark.parametrize(("sigma", "mode"), [(s, m) for m in ("color", "gray", "correlated") for s in (5, 25, 50)
                                             if (s, m) != (50, "correlated")])
def test_uint8_gaussian_noise_keeps_its_std(sigma, mode):
    from uir_data.degrade.kernels.noise import random_covariance

    image = np.full((256, 256, 3), 128, np.uint8)
    params = {"kind": "gaussian", "sigma_8bit": sigma, "mode": mode, "seed": 3, "algorithm_version": 3}
    if mode == "correlated":
        params["covariance"] = random_covariance(make_rng(1), sigma / 255)
    residual = GN.apply(image, params).astype(np.float64) - 128  # 128 ± 2.5σ: clipping is negligible
    # Rounding to whole steps adds 1/12 DN² of variance, as rounding image + noise always did.
    assert np.sqrt(residual.var(axis=(0, 1)).mean()) == pytest.approx(np.sqrt(sigma**2 + 1 / 12), rel=0.02)
    assert abs(residual.mean()) < 0.05 * sigma


def test_gaussian_noise_bytes_do_not_depend_on_the_thread(bundled_photos):
    from concurrent.futures import ThreadPoolExecutor

    image = bundled_photos[0]
    jobs = [GN.sample(make_rng(seed), level, *image.shape[:2]) for seed in range(4) for level in (4, 12)]
    here = [GN.apply(image, params).tobytes() for params in jobs]
    with ThreadPoolExecutor(4) as pool:
        there = list(pool.map(lambda params: GN.apply(image, params).tobytes(), reversed(jobs)))
    assert here == there[::-1]


@pytest.mark.parametrize("lam", [0.5, 6.0, 63.0, 200.0])
def test_poisson_gaussian_counts_have_shot_plus_read_variance(lam):
    counts = poisson_counts(np.full(400_000, lam, np.float32), make_rng(6), read_noise=2.5)
    assert counts.mean() == pytest.approx(lam, rel=0.01, abs=0.01)
    assert counts.var() == pytest.approx(lam + 2.5**2, rel=0.02)
