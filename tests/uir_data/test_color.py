import numpy as np

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear, to_float, to_uint8


def reference_srgb_to_linear(v):
    v = v.astype(np.float64)
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def test_transfer_functions_match_iec_61966_and_invert_each_other():
    values = np.random.default_rng(0).random((64, 48, 3), dtype=np.float32)
    linear = srgb_to_linear(values)
    assert linear.dtype == np.float32
    assert np.abs(linear - reference_srgb_to_linear(values)).max() < 1e-6
    assert np.abs(linear_to_srgb(linear) - values).max() < 1e-5
    # piecewise: the linear toe, not a 2.2 power
    assert srgb_to_linear(np.array([[0.04]], np.float32))[0, 0] == np.float32(0.04 / 12.92)


def test_uint8_round_trip_rounds_once_and_clips():
    image = np.arange(256, dtype=np.uint8).reshape(16, 16, 1).repeat(3, axis=2)
    assert np.array_equal(to_uint8(to_float(image)), image)
    assert to_uint8(np.array([[-0.2, 1.3, 0.5 / 255, 1.5 / 255]], np.float32)).tolist() == [[0, 255, 0, 2]]


# The uint8 fast paths must give exactly the bytes of the float path they replace.
from uir_data.degrade.color import SRGB8_TO_LINEAR, _code_thresholds, linear_to_srgb8, srgb8_to_linear  # noqa: E402


def _float_path(linear):
    return to_uint8(linear_to_srgb(linear))


def test_srgb8_table_equals_the_float_path_on_an_odd_sized_image():
    image = np.random.default_rng(1).integers(0, 256, (517, 333, 3), dtype=np.uint8)
    fast = srgb8_to_linear(image)
    assert fast.dtype == np.float32
    assert np.array_equal(fast, srgb_to_linear(to_float(image)))
    assert SRGB8_TO_LINEAR[0] == 0 and abs(SRGB8_TO_LINEAR[255] - 1) < 1e-6
    for odd in (image[:1, :1], image[::2, 1::3], image[0]):  # tiny, strided, 2-D
        assert np.array_equal(srgb8_to_linear(odd), srgb_to_linear(to_float(odd))), odd.shape


def test_fused_quantiser_equals_the_float_path_at_every_step_edge():
    edges = _code_thresholds().view(np.uint32).astype(np.int64)
    # Every float32 within 40 ulps either side of each of the 255 step edges, as one big RGB image.
    bits = (edges[:, None] + np.arange(-40, 41)[None, :]).reshape(-1).astype(np.uint32)
    linear = bits.view(np.float32).reshape(-1, 85, 3)
    assert np.array_equal(linear_to_srgb8(linear), _float_path(linear))
    codes = _float_path(_code_thresholds().reshape(1, 85, 3)).reshape(-1)
    assert codes.tolist() == list(range(1, 256))


def test_fused_quantiser_equals_the_float_path_on_a_sweep_of_float32_and_out_of_range_values():
    # Every 1999th float32 bit pattern from 0 to 1 (~530k values), padded to a whole RGB image.
    bits = np.arange(0, int(np.float32(1).view(np.uint32)) + 1, 1999, dtype=np.uint32)
    sweep = np.concatenate([bits.view(np.float32), np.float32([1.0, -0.0, -1e-30, -5, 1.0000001, 7, 1e30])])
    specials = np.concatenate([sweep, np.float32([np.inf, -np.inf])])
    specials = np.concatenate([specials, np.zeros((-specials.size) % 3, np.float32)]).reshape(1, -1, 3)
    assert np.array_equal(linear_to_srgb8(specials), _float_path(specials))
    noisy = np.random.default_rng(2).normal(0.4, 0.4, (333, 517, 3)).astype(np.float32)
    assert np.array_equal(linear_to_srgb8(noisy), _float_path(noisy))
    strided = noisy[::2, 1::3]  # a non-contiguous view takes the same path
    assert np.array_equal(linear_to_srgb8(strided), _float_path(strided))
