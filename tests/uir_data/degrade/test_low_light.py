"""LL: exposure darkens in linear light, noise follows the photon count, light sources stay saturated."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.lowlight import apply_exposure
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

LL = get_degradation("LL")


def test_exposures_halve_per_level():
    exposures = [lv.params["exposure"] for lv in LL.levels]
    assert exposures[0] == 0.5 and exposures[-1] == 1 / 256
    assert all(b == pytest.approx(a / 2) for a, b in zip(exposures, exposures[1:], strict=False))


def test_exposure_scales_linear_light_and_noise_follows_photons(make_flat):
    linear = make_flat(128, 128, 0.4)
    snr = []
    for exposure in (1 / 2, 1 / 32):
        dark = apply_exposure(linear, exposure, photons=2000, read_noise=0.0, seed=1)
        assert dark.mean() == pytest.approx(0.4 * exposure, rel=0.01)
        snr.append(dark.mean() / dark.std())
        assert dark.var() == pytest.approx(0.4 * exposure / 2000, rel=0.06)  # Poisson: variance = mean
    assert snr[0] / snr[1] == pytest.approx(4.0, rel=0.08)  # SNR ∝ sqrt(photons collected)


def test_output_darkens_and_keeps_light_sources_saturated_when_chosen(make_flat):
    image = make_flat(160, 160, 0.2)  # a night scene
    image[20:30, 20:30] = 1.0  # a lamp
    choices = set()
    for level in range(len(LL.levels)):
        for seed in range(3):
            params = LL.sample(make_rng(seed, level), level, 160, 160)
            choices.add(params["keep_lights"])
            out = LL.apply_float(image, params)
            assert out[:16, :16].mean() < 0.2 * 0.95
            lamp = out[22:28, 22:28].min()
            assert lamp == pytest.approx(1.0) if params["keep_lights"] else lamp < 0.95
    assert choices == {True, False}


def test_a_daylight_glint_is_darkened_like_the_rest(make_flat):
    image = make_flat(64, 64, 0.6)
    image[20:30, 20:30] = 1.0  # white paint in daylight, not a lamp
    params = {**LL.sample(make_rng(0), 2, 64, 64), "keep_lights": True, "photons": 0}
    out = LL.apply_float(image, params)
    assert out[22:28, 22:28].max() == pytest.approx(float(linear_to_srgb(srgb_to_linear(make_flat(1, 1, 1.0)) / 8).max()))


def test_noise_free_exposure_is_exact(make_flat):
    linear = srgb_to_linear(make_flat(8, 8, 0.7))
    out = apply_exposure(linear, 1 / 4, photons=0, keep_lights=False)
    assert np.allclose(linear_to_srgb(out), linear_to_srgb(linear / 4), atol=1e-6)
