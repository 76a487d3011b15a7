"""BR: RainDropClarity-style in-focus raindrops over a defocused background."""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.kernels.filtering import convolve
from uir_data.degrade.types.mixed_blur_rain import DEFOCUS_RADII, DROP_LEVELS, BlurRain
from uir_data.degrade.types.raindrops import Raindrops, render_drops_linear
from uir_data.seeding import make_rng
from uir_data.taxonomy import get_type

BR = BlurRain()


def _textured(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.uniform(0.1, 0.9, (height // 4, width // 4, 3)).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _edge_energy(image: np.ndarray, where: np.ndarray) -> float:
    grey = image.mean(axis=2)
    gradient = np.hypot(*np.gradient(grey))
    return float(gradient[where].mean())


def test_grid_is_three_defocus_radii_by_three_drop_levels():
    assert len(BR.levels) == 9
    assert [lv.params["drop_level"] for lv in BR.levels[:3]] == [d - 1 for d in DROP_LEVELS]
    assert [lv.params["defocus_radius"] for lv in BR.levels[::3]] == list(DEFOCUS_RADII)
    assert set(get_type("BR").components) == {"DB", "RD"}  # what RainDropClarity's pairs are made of


def test_the_background_is_defocused_and_the_drops_lie_on_it():
    image = _textured(96, 128, 1)
    params = BR.sample(make_rng(3), 4, 96, 128)
    assert params["background"]["radius_px"] == DEFOCUS_RADII[1] and params["drops"]["focus"] == "drop"
    params["background"]["highlight_gain"] = 1.0
    scene = srgb_to_linear(image)
    defocused = convolve(scene, disk_kernel(DEFOCUS_RADII[1]))
    expected = linear_to_srgb(render_drops_linear(defocused, params["drops"], seen=scene))
    assert np.allclose(BR.apply_float(image, params), expected, atol=1e-6)
    # Away from the drops the pair differs by the background blur alone.
    no_drops = {**params, "drops": {**params["drops"], "drops": []}}
    assert np.allclose(BR.apply_float(image, no_drops), linear_to_srgb(defocused), atol=1e-6)


def test_drops_are_sharper_than_the_background_and_than_rd_drops():
    image = _textured(128, 128, 2)
    sharper_than_background, sharper_than_rd = [], []
    for seed in range(4):
        params = BR.sample(make_rng(seed), 8, 128, 128)
        out = BR.apply_float(image, params)
        background = BR.apply_float(image, {**params, "drops": {**params["drops"], "drops": []}})
        on_drops = np.abs(out - background).max(axis=2) > 4 / 255
        # RD's look for the same drops: out of focus, refracting a blurred view.
        rd_look = {**Raindrops().sample(make_rng(seed), 5, 128, 128), "drops": params["drops"]["drops"]}
        rd_out = linear_to_srgb(render_drops_linear(srgb_to_linear(background), rd_look))
        sharper_than_background.append(_edge_energy(out, on_drops) / _edge_energy(background, on_drops))
        sharper_than_rd.append(_edge_energy(out, on_drops) / _edge_energy(rd_out, on_drops))
    assert np.mean(sharper_than_background) > 1.5, sharper_than_background
    assert np.mean(sharper_than_rd) > 1.2, sharper_than_rd


def test_light_source_gain_is_a_recorded_per_sample_choice():
    gains = [BR.sample(make_rng(seed), 0, 64, 64)["background"]["highlight_gain"] for seed in range(40)]
    assert 1.0 in gains and any(gain > 1.0 for gain in gains)
