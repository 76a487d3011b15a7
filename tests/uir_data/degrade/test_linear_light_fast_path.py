"""The uint8 fast paths of the types give the bytes of their float path (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.color import to_float, to_uint8
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

FAST_PATH_TYPES = ("RS", "RD", "RSD", "S", "MR", "BR", "LHRS", "GN", "MB", "DB", "GB", "J", "LL", "BLN", "BJ")


@pytest.mark.parametrize("abbrev", FAST_PATH_TYPES)
def test_apply_equals_the_float_path_at_every_level(abbrev, odd_photo):
    degradation = get_degradation(abbrev)
    height, width = odd_photo.shape[:2]
    for level in range(len(degradation.levels)):
        params = degradation.sample(make_rng(13, abbrev, level), level, height, width)
        slow = to_uint8(degradation.apply_float(to_float(odd_photo), params))
        fast = degradation.apply(odd_photo, params)
        assert fast.dtype == np.uint8
        assert np.array_equal(fast, slow), f"{abbrev} level {level}"


@pytest.mark.parametrize("abbrev", FAST_PATH_TYPES)
def test_fast_path_keeps_the_checks_of_apply(abbrev, odd_photo):
    degradation = get_degradation(abbrev)
    params = degradation.sample(make_rng(13, abbrev, 0), 0, *odd_photo.shape[:2])
    with pytest.raises(ValueError, match="RGB"):
        degradation.apply(odd_photo[..., 0], params)
    with pytest.raises(ValueError, match="algorithm version"):
        degradation.apply(odd_photo, {**params, "algorithm_version": 0})


@pytest.mark.parametrize("shape", [(37, 53), (1, 1), (1, 9), (9, 1)])
def test_expanded_factors_give_the_bytes_of_numpy_broadcasting(shape):
    from uir_data.degrade.kernels.pixelwise import channel_row, expand_plane

    rng = np.random.default_rng(5)
    image = rng.random((*shape, 3), dtype=np.float32)
    plane = rng.random(shape, dtype=np.float32)
    rgb = rng.random(3, dtype=np.float32)
    assert np.array_equal(image * expand_plane(plane), image * plane[..., None])
    assert expand_plane(plane).flags.c_contiguous
    assert np.array_equal(image - channel_row(rgb, shape[1]), image - rgb.reshape(1, 1, 3))
    assert np.array_equal(image + channel_row(0.25, shape[1]), image + np.float32(0.25))
