"""The uint8 fast path of the linear-light weather types gives the bytes of their float path (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.color import to_float, to_uint8
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

FAST_PATH_TYPES = ("RS", "RD", "RSD", "S", "MR", "BR", "LHRS")


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
