"""BJ: blur-then-JPEG composition equals its recorded single ops."""

from __future__ import annotations

import numpy as np

from uir_data.degrade.color import to_float, to_uint8
from uir_data.degrade.kernels.blur_kernels import gaussian_kernel
from uir_data.degrade.kernels.filtering import convolve
from uir_data.degrade.kernels.jpeg_codec import jpeg_roundtrip_uint8
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

BJ = get_degradation("BJ")


def test_grid_is_sigma_major():
    assert [(lv.params["sigma"], lv.params["quality"]) for lv in BJ.levels[:5]] == [
        (1, 70), (1, 50), (1, 30), (1, 15), (2, 70)
    ]  # fmt: skip


def test_equals_blur_then_jpeg(bundled_photos):
    photo = bundled_photos[3]
    params = BJ.sample(make_rng(3), 9, *photo.shape[:2])  # σ 3, q 50
    blur, jpeg = params["ops"]
    assert (blur["op"], jpeg["op"]) == ("GB", "J") and jpeg["quality"] == 50
    sigma = 3.0  # px of the image, whatever its size
    assert blur["kernel"]["sigma_x"] == sigma
    blurred = to_uint8(convolve(to_float(photo), gaussian_kernel(sigma)))
    expected = jpeg_roundtrip_uint8(blurred, 50, "420", tuple(jpeg["grid_offset"]))
    assert np.array_equal(BJ.apply(photo, params), expected)
