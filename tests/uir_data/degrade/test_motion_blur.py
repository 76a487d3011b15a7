"""MB: linear and shake PSFs (normalised, oriented, centred), size-independent levels, light streaks."""

from __future__ import annotations

import numpy as np
import pytest

from uir_data.degrade.kernels.blur_kernels import second_moment
from uir_data.degrade.kernels.motion import motion_kernel, shake_kernel
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

MB = get_degradation("MB")


def _centroid(kernel: np.ndarray) -> tuple[float, float]:
    axis = np.arange(kernel.shape[0]) - kernel.shape[0] // 2
    return float((kernel.sum(axis=1) * axis).sum()), float((kernel.sum(axis=0) * axis).sum())


@pytest.mark.parametrize("length", [0.4, 5, 9.5, 41])
def test_linear_kernel_is_normalised_oriented_and_centred(length):
    horizontal = motion_kernel(length, 0.0)
    assert abs(float(horizontal.sum(dtype=np.float64)) - 1) <= 1e-6 and horizontal.shape[0] % 2 == 1
    centre = horizontal.shape[0] // 2
    assert horizontal[centre].sum() == pytest.approx(1.0, abs=1e-6)  # one row: horizontal motion
    assert np.allclose(motion_kernel(length, 90.0), horizontal.T, atol=1e-6)
    assert np.allclose(_centroid(motion_kernel(length, 33.0)), 0.0, atol=1e-6)


@pytest.mark.parametrize("seed", range(6))
def test_shake_kernel_is_centred_and_grows_with_length(seed):
    kernels = [shake_kernel(n, seed) for n in (9, 21, 41)]
    for kernel in kernels:
        assert abs(float(kernel.sum(dtype=np.float64)) - 1) <= 1e-6 and (kernel >= 0).all()
        assert np.allclose(_centroid(kernel), 0.0, atol=1e-6)
    widths = [second_moment(k) for k in kernels]
    assert widths == sorted(widths)


def test_length_is_in_pixels_of_the_image_and_kind_is_recorded():
    # A level is the same PSF on every image size (sources are tiled by the build, not the level scaled).
    assert {MB.sample(make_rng(0), 7, h, w)["length_px"] for h, w in ((80, 96), (512, 512), (2048, 2048))} == {41}
    kinds = {MB.sample(make_rng(s), 0, 64, 64)["kernel"] for s in range(20)}
    assert kinds == {"linear", "shake"}


def test_light_source_smears_into_a_bright_streak(make_flat):
    image = make_flat(64, 64, 0.2)
    image[31:33, 31:33] = 1.0
    params = {
        "kernel": "linear",
        "length_px": 15.0,
        "angle_deg": 0.0,
        "highlight_gain": 4.0,
        "domain": "linear",
    }
    with_gain = MB.apply_float(image, params)
    without = MB.apply_float(image, {**params, "highlight_gain": 1.0})
    assert with_gain[31, 26:38].mean() > without[31, 26:38].mean() + 0.1
    assert with_gain[10, 10] == pytest.approx(0.2, abs=1e-4)  # flat areas keep their value
