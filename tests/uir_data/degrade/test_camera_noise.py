"""RN: exact ISP round trip, heteroscedastic and spatially correlated noise, Brooks' read/shot line."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uir_data.degrade.kernels.camera_isp import process, rgb_to_camera_matrix, unprocess, white_balance_gains
from uir_data.degrade.registry import get_degradation
from uir_data.degrade.types.camera_noise import read_for_shot
from uir_data.seeding import make_rng

RN = get_degradation("RN")


def test_isp_round_trip_is_identity():
    image = np.random.default_rng(0).random((32, 48, 3), dtype=np.float32)
    matrix = rgb_to_camera_matrix([0.1, 0.2, 0.3, 0.4])
    assert np.allclose(matrix.sum(axis=1), 1.0)
    gains = white_balance_gains(1.25, 2.1, 1.7)
    assert np.allclose(process(unprocess(image, matrix, gains), matrix, gains), image, atol=1e-5)


def test_read_noise_follows_brooks_regression():
    assert read_for_shot(1e-2) == pytest.approx(math.exp(2.18 * math.log(1e-2) + 1.20))
    assert [lv.params["shot"] for lv in RN.levels] == sorted(lv.params["shot"] for lv in RN.levels)


def test_noise_is_signal_dependent_and_spatially_correlated(make_flat):
    image = make_flat(96, 192, 0.15)
    image[:, 96:] = 0.85
    level = len(RN.levels) - 1
    params = RN.sample(make_rng(3), level, *image.shape[:2])
    residual = (RN.apply_float(image, params) - image).mean(axis=2)
    dark, bright = residual[8:-8, 8:88], residual[8:-8, 104:-8]
    # Nearly zero-mean (the concave tone curve biases it a little, as in a real ISP).
    assert abs(dark.mean()) < 0.5 * dark.std() and abs(bright.mean()) < 0.5 * bright.std()
    # Raw variance grows with signal (shot noise), not constant like AWGN ...
    raw_dark = unprocess(
        make_flat(1, 1, 0.15), rgb_to_camera_matrix(params["ccm_weights"]), np.ones(3)
    ).mean()
    raw_bright = unprocess(
        make_flat(1, 1, 0.85), rgb_to_camera_matrix(params["ccm_weights"]), np.ones(3)
    ).mean()
    assert raw_bright > 4 * raw_dark
    assert bright.std() != pytest.approx(dark.std(), rel=0.1)
    # ... and demosaicing correlates neighbours, which white noise never does.
    for region in (dark, bright):
        corr = np.corrcoef(region[:, :-1].ravel(), region[:, 1:].ravel())[0, 1]
        assert corr > 0.2


def test_sampled_camera_stays_in_brooks_ranges():
    for seed in range(20):
        params = RN.sample(make_rng(seed), 2, 64, 64)
        assert 1.9 <= params["red_gain"] <= 2.4 and 1.5 <= params["blue_gain"] <= 1.9
        assert sum(params["ccm_weights"]) == pytest.approx(1.0)
        assert params["pattern"] in ("RGGB", "BGGR", "GRBG", "GBRG")
