"""LHRS: rain + snow in the scene, haze over them, then a short noisy exposure (night haze is dark)."""

from __future__ import annotations

import numpy as np

from uir_data.degrade.color import srgb_to_linear
from uir_data.degrade.types.haze import Haze
from uir_data.degrade.types.mixed_lowlight_haze_rain_snow import EXPOSURES, LowlightHazeRainSnow
from uir_data.seeding import make_rng

LHRS = LowlightHazeRainSnow()


def test_presets_couple_all_four_components():
    assert len(LHRS.levels) == 5
    for key in ("exposure", "beta", "rain_level", "snow_level"):
        values = [lv.params[key] for lv in LHRS.levels]
        ordered = sorted(values, reverse=(key == "exposure"))
        assert values == ordered and len(set(values)) == 5, key


def test_the_veil_is_darkened_by_the_exposure():
    black = np.zeros((64, 64, 3), np.float32)
    for level in (0, 4):
        params = LHRS.sample(make_rng(7), level, 64, 64)
        night = srgb_to_linear(LHRS.apply_float(black, params)).mean()
        day_haze = srgb_to_linear(Haze().apply_float(black, params["haze"])).mean()
        # Everything the veil, rain and snow add is scaled by the exposure (plus zero-mean noise).
        assert night < 2.5 * EXPOSURES[level] * max(day_haze, 0.02) + 0.01, level


def test_darker_and_noisier_along_the_presets():
    flat = np.full((64, 64, 3), 0.5, np.float32)
    means, relative_noise = [], []
    for level in range(5):
        out = srgb_to_linear(LHRS.apply_float(flat, LHRS.sample(make_rng(3), level, 64, 64)))
        means.append(float(out.mean()))
        # Pixel-to-pixel differences: shot/read noise relative to the remaining signal.
        relative_noise.append(float(np.abs(np.diff(out, axis=1)).mean() / out.mean()))
    assert all(a > b for a, b in zip(means, means[1:], strict=False))
    assert relative_noise[-1] > 2 * relative_noise[0]
