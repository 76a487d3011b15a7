"""MS: Bayer phase of each pattern, demosaic on odd sizes, noise only where the level says so."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.kernels.bayer import PATTERNS, channel_masks, demosaic, mosaic
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

MS = get_degradation("MS")


@pytest.mark.parametrize("pattern", PATTERNS)
def test_mosaic_keeps_the_right_colour_at_each_site(pattern, make_flat):
    image = make_flat(5, 7, (0.9, 0.5, 0.1))
    cfa = mosaic(image, pattern)
    expected = {"R": 0.9, "G": 0.5, "B": 0.1}
    assert cfa[0, 0] == pytest.approx(expected[pattern[0]]) and cfa[0, 1] == pytest.approx(
        expected[pattern[1]]
    )
    assert cfa[1, 0] == pytest.approx(expected[pattern[2]]) and cfa[1, 1] == pytest.approx(
        expected[pattern[3]]
    )
    assert channel_masks((5, 7), pattern).sum(axis=2).min() == 1


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("shape", [(64, 64), (33, 47), (2, 5)])
def test_demosaic_restores_flat_colour_for_every_pattern(pattern, shape, make_flat):
    image = make_flat(*shape, (0.8, 0.4, 0.1))
    for method in ("ea", "bilinear"):
        assert np.allclose(demosaic(mosaic(image, pattern), pattern, method), image, atol=1e-4)


def test_wrong_pattern_is_visible(make_flat):
    image = make_flat(32, 32, (0.8, 0.4, 0.1))
    swapped = demosaic(mosaic(image, "RGGB"), "BGGR")
    assert swapped[16, 16, 0] == pytest.approx(0.1, abs=1e-3)  # red and blue exchanged


def test_noise_only_at_noisy_levels(bundled_photos, psnr_db):
    photo = bundled_photos[0]
    for level, lv in enumerate(MS.levels):
        params = MS.sample(make_rng(level), level, *photo.shape[:2])
        assert ("seed" in params) == (lv.params["noise_sigma_8bit"] > 0)
        assert params["pattern"] == lv.params["pattern"]
    clean = MS.apply(photo, MS.sample(make_rng(0), 0, *photo.shape[:2]))
    assert psnr_db(clean, photo) > 26  # edge-aware demosaic of a real photo is close to the original


def test_noise_free_rggb_is_the_benchmark_protocol(bundled_photos):
    # The paper's demosaicking test: RGGB sampling of the 8-bit image, OpenCV edge-aware demosaic, no noise.
    import cv2

    level = next(i for i, lv in enumerate(MS.levels) if lv.name == "rggb-s0")
    photo = bundled_photos[3]
    expected = cv2.cvtColor(mosaic(photo, "RGGB"), cv2.COLOR_BayerRGGB2RGB_EA)
    for seed in range(5):
        params = MS.sample(make_rng(seed), level, *photo.shape[:2])
        assert "seed" not in params and np.array_equal(MS.apply(photo, params), expected)
