"""The one-pass uint8 <-> float32 conversions give the values of the plain NumPy arithmetic (issue 13)."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.color import to_float, to_uint8


@pytest.mark.parametrize("shape", [(37, 53, 3), (1, 1, 3), (5, 7, 1), (4, 4, 4), (2, 3, 5), (9,), (3, 4), (0, 3, 3)])
def test_to_float_is_code_times_one_over_255(shape):
    image = np.random.default_rng(1).integers(0, 256, shape, dtype=np.uint8)
    expected = image.astype(np.float32) * np.float32(1.0 / 255.0)
    got = to_float(image)
    assert got.dtype == np.float32 and got.shape == expected.shape
    assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))  # bit for bit
    assert np.array_equal(to_float(image[::2]), expected[::2])  # strided views too


def test_to_uint8_rounds_and_clips_as_the_plain_formula():
    rng = np.random.default_rng(2)
    special = np.float32([np.inf, -np.inf, 0.5 / 255, 1.5 / 255, 2.5 / 255, -0.0, 1.0])
    for values in (np.concatenate([rng.uniform(-1, 2, 100_000).astype(np.float32), special]),
                   rng.uniform(-1, 2, 1000), rng.uniform(-1, 2, (16, 9, 3)).astype(np.float32)):
        expected = np.clip(np.rint(values * np.float32(255.0)), 0, 255).astype(np.uint8)
        assert np.array_equal(to_uint8(values), expected)
    assert to_uint8(np.float32(0.5)) == 128
