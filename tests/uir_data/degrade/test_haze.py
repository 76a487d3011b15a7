"""H: atmospheric scattering on a content-aware relative depth, on sRGB values (RESIDE)."""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data

from uir_data.degrade.color import srgb_to_linear
from uir_data.degrade.kernels.depth_prior import content_depth
from uir_data.degrade.kernels.haze import low_frequency_field, row_depth, transmission_map, uniform_depth
from uir_data.degrade.types.haze import AIRLIGHTS, BETAS, DEPTH_WEIGHTS, Haze, depth_field
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


def _photos(short_side: int) -> list[np.ndarray]:
    photos = []
    for load in (data.astronaut, data.chelsea, data.coffee, data.rocket):
        image = load()
        factor = short_side / min(image.shape[:2])
        size = (round(image.shape[1] * factor), round(image.shape[0] * factor))
        photos.append(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
    return photos


def test_lowest_level_is_a_light_haze_and_the_densest_is_not_a_white_sheet():
    lifts, densest_psnr, kept_contrast = [], [], []
    for index, photo in enumerate(_photos(160)):
        grey = photo.mean(axis=2)
        darkest = grey <= np.percentile(grey, 2)
        light = HAZE.apply(photo, HAZE.sample(make_rng(2024, index), 0, *photo.shape[:2])).mean(axis=2)
        lifts.append(float((light[darkest] - grey[darkest]).mean()))
        dense = HAZE.apply(photo, HAZE.sample(make_rng(2024, index), len(BETAS) * len(AIRLIGHTS) - 1,
                                              *photo.shape[:2]))
        densest_psnr.append(10 * np.log10(255**2 / np.mean((dense.astype(np.float64) - photo) ** 2)))
        kept_contrast.append(float(dense.mean(axis=2).std() / grey.std()))
    # The former grid lifted the blacks by ~12 DN at its lowest level and ended in 6-7 dB white sheets.
    assert float(np.mean(lifts)) < 8.0, lifts
    assert float(np.mean(densest_psnr)) > 10.0, densest_psnr
    assert min(kept_contrast) > 0.3, kept_contrast


def test_depth_prior_puts_a_portrait_subject_in_front_of_its_backdrop():
    photo = data.astronaut()  # 512 x 512: face around rows 60-190, cols 170-260; backdrop above the flag
    params = HAZE.sample(make_rng(1), 10, 512, 512)
    assert params["depth"]["source"] == "prior" and params["depth"]["weights"] == list(DEPTH_WEIGHTS)
    depth = depth_field(params, photo.astype(np.float32) / 255)
    face, backdrop = depth[90:180, 180:250].mean(), depth[20:120, 300:400].mean()
    # The row profile it replaces put both at sky depth 1.
    assert face < backdrop - 0.15, (face, backdrop)
    assert params["depth"]["near"] - 1e-6 <= depth.min() and depth.max() <= 1.0 + 1e-6


def test_depth_prior_reads_a_textured_object_as_nearer_than_a_flat_bright_sky():
    rng = np.random.default_rng(0)
    scene = np.full((120, 160, 3), 0.85, np.float32)  # bright colourless sky
    scene[10:50, 60:100] = rng.uniform(0.0, 0.6, (40, 40, 3))  # textured, dark object high in the frame
    depth = content_depth(scene, DEPTH_WEIGHTS)
    assert depth[20:40, 70:90].mean() < depth[10:50, 5:40].mean() - 0.2


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
    assert scores[0] > 30 and scores[-1] < 16
