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
