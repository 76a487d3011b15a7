"""RSD: streaks in the scene, then drops on the pane that refract the rainy scene."""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.types.rain_streaks import render_rain_linear
from uir_data.degrade.types.rain_streaks_drops import RainStreaksDrops
from uir_data.degrade.types.raindrops import render_drops_linear
from uir_data.seeding import make_rng

RSD = RainStreaksDrops()


def _photo() -> np.ndarray:
    rng = np.random.default_rng(2)
    small = rng.uniform(0.05, 0.6, (12, 16, 3)).astype(np.float32)
    return cv2.resize(small, (128, 96), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def test_grid_is_streak_level_by_drop_level():
    assert len(RSD.levels) == 9
    assert [lv.params["streak_level"] for lv in RSD.levels[::3]] == [1, 3, 5]  # RS levels 2, 4, 6
    assert [lv.params["drop_level"] for lv in RSD.levels[:3]] == [0, 2, 4]  # RD levels 1, 3, 5
    assert (0, 3, 6) in RSD.severity_runs() and (0, 1, 2) in RSD.severity_runs()


def test_drops_refract_the_rainy_scene_not_the_clean_one():
    image = _photo()
    params = RSD.sample(make_rng(3), 8, *image.shape[:2])
    out = RSD.apply_float(image, params)
    linear = srgb_to_linear(image)
    optical = linear_to_srgb(render_drops_linear(render_rain_linear(linear, params["streaks"]), params["drops"]))
    reversed_order = linear_to_srgb(render_rain_linear(render_drops_linear(linear, params["drops"]),
                                                       params["streaks"]))
    assert np.allclose(out, optical, atol=1e-6)
    # Streaks drawn over the drops would pass in front of the glass: a visibly different image.
    assert float(np.abs(out - reversed_order).mean()) > 1e-3
