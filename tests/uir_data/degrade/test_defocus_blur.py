"""DB: anti-aliased disk PSF (area, symmetry, edges), size-independent radius, bokeh of light sources."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

DB = get_degradation("DB")


@pytest.mark.parametrize("radius", [0.2, 1, 2.5, 6, 12])
def test_disk_is_normalised_symmetric_and_round(radius):
    kernel = disk_kernel(radius)
    assert abs(float(kernel.sum(dtype=np.float64)) - 1) <= 1e-6 and kernel.shape[0] % 2 == 1
    assert np.allclose(kernel, kernel.T) and np.allclose(kernel, kernel[::-1])
    if radius >= 1:
        # Inside cells share one value; the support area (sum / peak) is the disk area π r².
        assert float(kernel.sum() / kernel.max()) == pytest.approx(math.pi * radius**2, rel=0.04)
        partial = (kernel > 0) & (kernel < 0.999 * kernel.max())
        assert partial.sum() >= 4  # partially covered edge cells: anti-aliased, not a hard disk


def test_radius_is_in_pixels_of_the_image():
    radii = {DB.sample(make_rng(s), 7, h, w)["radius_px"] for s, (h, w) in enumerate(((80, 96), (1024, 2048)))}
    assert radii == {12.0}


def test_bright_point_opens_into_a_disc(make_flat):
    image = make_flat(41, 41, 0.1)
    image[20, 20] = 1.0
    params = {**DB.sample(make_rng(0), 4, 512, 512), "highlight_gain": 4.0}  # r = 6 px
    out = DB.apply_float(image, params)
    assert out[20, 20 + 4, 0] > 0.15 and out[20, 20 + 8, 0] == pytest.approx(0.1, abs=1e-3)
