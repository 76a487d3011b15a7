"""BR: rain first, then the camera blur over scene and streaks alike."""

from __future__ import annotations

import numpy as np

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.blur_kernels import gaussian_kernel
from uir_data.degrade.kernels.filtering import apply_psf
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.types.mixed_blur_rain import BlurRain
from uir_data.degrade.types.motion_blur import blur_linear_light
from uir_data.degrade.types.rain_streaks import RainStreaks, render_rain_linear
from uir_data.seeding import make_rng

BR = BlurRain()


def _high_frequency(image: np.ndarray) -> float:
    grey = image.mean(axis=2)
    return float(np.abs(np.diff(grey, axis=0)).mean() + np.abs(np.diff(grey, axis=1)).mean())


def test_grid_is_three_blurs_by_three_rain_levels():
    assert len(BR.levels) == 9
    assert [lv.params["rain_level"] for lv in BR.levels[:3]] == [1, 3, 5]
    assert [(lv.params["blur"], lv.params["size"]) for lv in BR.levels[::3]] == [
        ("gauss", 1.5), ("motion", 9.0), ("motion", 17.0)]


def test_rain_is_rendered_before_the_motion_blur():
    grey = np.full((96, 96, 3), 0.15, np.float32)
    params = BR.sample(make_rng(4), 7, 96, 96)  # motion L 17 over RS4
    out = BR.apply_float(grey, params)
    expected = linear_to_srgb(blur_linear_light(render_rain_linear(srgb_to_linear(grey), params["rain"]),
                                                params["blur"]))
    assert np.allclose(out, expected, atol=1e-6)
    # The streaks themselves are smeared: far less fine detail than the same rain unblurred (averaged
    # over a few draws, since a motion path parallel to the streaks barely changes them).
    ratios = []
    for seed in range(4):
        params = BR.sample(make_rng(seed), 7, 96, 96)
        sharp_rain = RainStreaks().apply_float(grey, params["rain"])
        ratios.append(_high_frequency(BR.apply_float(grey, params)) / _high_frequency(sharp_rain))
    assert np.mean(ratios) < 0.7


def test_gaussian_level_blurs_the_rainy_composite_with_a_scaled_sigma():
    grey = np.full((64, 128, 3), 0.2, np.float32)
    params = BR.sample(make_rng(1), 1, 64, 128)
    assert params["blur"]["kernel"] == "gauss" and np.isclose(params["blur"]["sigma_px"], 1.5 * 64 / 512)
    rainy = render_rain_linear(srgb_to_linear(grey), params["rain"])
    kernel = gaussian_kernel(params["blur"]["sigma_px"])
    expected = linear_to_srgb(apply_psf(expand_light_sources(rainy, params["blur"]["highlight_gain"]), kernel))
    assert np.allclose(BR.apply_float(grey, params), expected, atol=1e-6)
