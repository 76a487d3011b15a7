"""H: atmospheric scattering on pseudo-depth, in linear light."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from uir_data.degrade.color import srgb_to_linear
from uir_data.degrade.kernels.haze import low_frequency_field, row_depth, transmission_map, uniform_depth
from uir_data.degrade.types.haze import AIRLIGHTS, BETAS, Haze
from uir_data.seeding import make_rng

HAZE = Haze()


def _row_params(beta: float, airlight: float) -> dict:
    return {
        "beta": beta,
        "airlight": [airlight] * 3,
        "depth": {"source": "row", "horizon": 0.3, "near_ratio": 0.2, "roll_deg": 0.0},
        "heterogeneity": 0.0,
        "patch_px": 32.0,
        "seed": 1,
        "domain": "linear",
    }


def test_grid_is_beta_by_airlight_with_runs_along_both_axes():
    assert len(HAZE.levels) == 21 == len(BETAS) * len(AIRLIGHTS)
    runs = HAZE.severity_runs()
    assert (0, 3, 6, 9, 12, 15, 18) in runs  # β run at the lowest airlight
    assert (0, 1, 2) in runs  # airlight run at the lowest β


def test_row_depth_puts_sky_at_one_and_recedes_toward_the_horizon():
    depth = row_depth(100, 40, horizon=0.3, near_ratio=0.2)
    assert np.allclose(depth[:15], 1.0, atol=1e-4)
    column = depth[:, 20]
    assert np.all(np.diff(column) <= 1e-6)  # nearer (smaller depth) further down
    assert column[-1] < 0.25
    # No kink at the horizon: a hard crease there draws a visible line through the scene at strong β.
    assert float(np.abs(np.diff(column)).max()) < 0.05


def test_transmission_decreases_with_beta():
    depth = uniform_depth(16, 16)
    means = [float(transmission_map(depth, beta).mean()) for beta in BETAS]
    assert all(a > b for a, b in zip(means, means[1:], strict=False))
    assert np.allclose(means[0], np.exp(-BETAS[0] * 0.7), atol=1e-5)


def test_haze_brightens_toward_airlight_with_depth():
    dark = np.full((64, 48, 3), 0.1, np.float32)
    hazy = HAZE.apply_float(dark, _row_params(0.5, 0.9))
    rows = hazy.mean(axis=(1, 2))
    # Top (sky, far) is closest to the airlight, the bottom (near ground) stays closest to the scene.
    assert rows[0] > rows[40] > rows[-1] > 0.1
    assert np.all(np.diff(rows) <= 1e-6)
    assert abs(rows[0] - 0.9) < abs(rows[-1] - 0.9)


def test_linear_light_lifts_shadows_more_than_srgb_blending():
    dark = np.full((8, 8, 3), 0.1, np.float32)
    params = _row_params(0.2, 0.8)
    linear = HAZE.apply_float(dark, params)
    srgb = HAZE.apply_float(dark, {**params, "domain": "srgb"})
    assert float(linear.mean()) > float(srgb.mean()) + 0.02
    # The sRGB variant is the plain ASM on display values.
    t = transmission_map(row_depth(8, 8, 0.3, 0.2), 0.2)
    assert np.allclose(srgb[..., 0], 0.1 * t + 0.8 * (1 - t), atol=1e-6)
    # The linear variant is the ASM on radiance, re-encoded.
    expected_linear = srgb_to_linear(np.float32(0.1)) * t + srgb_to_linear(np.float32(0.8)) * (1 - t)
    assert np.allclose(srgb_to_linear(linear[..., 1]), expected_linear, atol=1e-4)


def test_heterogeneity_field_is_smooth_zero_mean_and_seeded():
    field = low_frequency_field(96, 80, 40.0, seed=3)
    assert field.shape == (96, 80)
    assert abs(float(field.mean())) < 1e-4 and float(np.abs(field).max()) <= 1.0 + 1e-6
    assert float(np.abs(np.diff(field, axis=0)).max()) < 0.2  # no pixel-scale noise
    assert np.array_equal(field, low_frequency_field(96, 80, 40.0, seed=3))
    assert not np.array_equal(field, low_frequency_field(96, 80, 40.0, seed=4))


def test_mean_psnr_falls_along_beta_on_a_photo():
    photo = cv2.resize(data.coffee(), (96, 64), interpolation=cv2.INTER_AREA)
    scores = []
    for level in range(0, 21, 3):  # the β run at A = 0.75
        params = HAZE.sample(make_rng(0, level), level, 64, 96)
        error = (HAZE.apply(photo, params).astype(np.float64) - photo) ** 2
        scores.append(10 * np.log10(255**2 / error.mean()))
    assert all(a > b for a, b in zip(scores, scores[1:], strict=False))
    assert scores[0] > 20 and scores[-1] < 14
