"""RS: layered streaks at one shared angle, ambient-lit, with a veil at heavy levels."""

from __future__ import annotations

import math

import numpy as np

from uir_data.degrade.kernels.rain import composite, rain_layer
from uir_data.degrade.types.rain_streaks import RainStreaks
from uir_data.seeding import make_rng

RAIN = RainStreaks()


def _orientation(layer: np.ndarray, radius: int = 12) -> tuple[float, float]:
    """(streak angle from vertical in degrees, elongation in [0, 1]) of the layer's autocorrelation peak,
    which is a line through the centre along the streaks (robust to pixel-grid stair-stepping)."""
    centred = layer.astype(np.float64) - layer.mean()
    spectrum = np.fft.fft2(centred)
    autocorrelation = np.fft.fftshift(np.fft.ifft2(np.abs(spectrum) ** 2).real)
    cy, cx = np.array(autocorrelation.shape) // 2
    window = autocorrelation[cy - radius : cy + radius + 1, cx - radius : cx + radius + 1]
    # Keep the ridge only: cross-terms between unrelated streaks are far below the peak.
    window = np.where(window > 0.3 * window[radius, radius], window, 0.0)
    offsets = np.arange(-radius, radius + 1, dtype=np.float64)
    ys, xs = np.meshgrid(offsets, offsets, indexing="ij")
    total = window.sum()
    cxx, cyy, cxy = (window * xs * xs).sum() / total, (window * ys * ys).sum() / total, (window * xs * ys).sum() / total
    # Positive angles fall to the right: x grows with y along a streak.
    angle = 0.5 * math.atan2(2 * cxy, cyy - cxx)
    elongation = math.hypot(cyy - cxx, 2 * cxy) / (cxx + cyy)
    return math.degrees(angle), elongation


def test_streak_layer_follows_the_requested_angle():
    for angle in (-18.0, 0.0, 12.0):
        layer = rain_layer(128, 128, density=0.003, length=30, angle_deg=angle, streak_width=1.0, seed=4)
        measured, coherence = _orientation(layer)
        assert abs(measured - angle) < 1.5, (angle, measured)
        assert coherence > 0.9


def test_every_layer_of_an_image_shares_one_angle():
    grey = np.full((128, 128, 3), 0.2, np.float32)
    for seed in range(3):
        params = RAIN.sample(make_rng(seed), 6, 128, 128)
        assert len(params["layers"]) == 3
        difference = (RAIN.apply_float(grey, params) - grey).mean(axis=2)
        measured, coherence = _orientation(difference)
        assert abs(measured - params["angle_deg"]) < 2.0
        assert coherence > 0.8  # one dominant direction: layers are not at independent angles


def test_streaks_enter_from_outside_the_frame():
    layer = rain_layer(120, 120, density=0.004, length=40, angle_deg=10.0, streak_width=1.0, seed=9)
    border, middle = layer[:8].mean(), layer[50:70].mean()
    assert border > 0.6 * middle  # no thinned band where seeds above the frame would be missing


def test_streaks_brighten_dark_scenes_and_density_follows_the_level():
    dark = np.full((96, 96, 3), 0.05, np.float32)
    covered = []
    for level in range(len(RAIN.levels)):
        params = RAIN.sample(make_rng(1), level, 96, 96)
        rainy = RAIN.apply_float(dark, params)
        assert float(rainy.min()) >= 0.05 - 1e-6  # drops are lit by the environment: never darker here
        covered.append(float((rainy - dark).mean()))
    assert all(a < b for a, b in zip(covered, covered[1:], strict=False))


def test_composite_is_alpha_over_toward_the_drop_radiance():
    image = np.full((4, 4, 3), 0.8, np.float32)
    alpha = np.full((4, 4), 0.5, np.float32)
    # Against a bright sky a dimmer drop radiance darkens slightly, as real streaks do.
    assert np.allclose(composite(image, alpha, 0.6), 0.7)


def test_heavy_levels_add_a_veil_and_lengths_are_pixels():
    light, heavy = RAIN.sample(make_rng(0), 0, 512, 512), RAIN.sample(make_rng(0), 7, 512, 512)
    assert light["veil"] is None and heavy["veil"]["transmission"] < 1
    low, high = RAIN.levels[7].params["length_px"]
    mid = next(layer for layer in heavy["layers"] if layer["name"] == "mid")
    assert 0.9 * low <= mid["length_px"] <= 1.1 * high
    # Lengths and densities are pixels of the image as degraded: the same at any image size.
    small = RAIN.sample(make_rng(0), 7, 128, 256)
    assert math.isclose(small["layers"][0]["length_px"], mid["length_px"], rel_tol=1e-9)
    assert small["layers"][0]["density"] == mid["density"]
