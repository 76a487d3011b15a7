"""GB: kernel family properties (normalisation, support, orientation, ringing) and domain handling."""

from __future__ import annotations

import math

import numpy as np
import pytest

from uir_data.degrade.kernels.blur_kernels import (
    build_kernel,
    gaussian_kernel,
    gaussian_kernel_1d,
    second_moment,
    sinc_kernel,
)
from uir_data.degrade.kernels.filtering import apply_psf, convolve
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

GB = get_degradation("GB")


def test_grid_has_34_levels_in_five_families():
    shapes = [lv.params["shape"] for lv in GB.levels]
    assert len(shapes) == 34
    assert [shapes.count(s) for s in ("iso", "aniso", "generalized", "plateau", "sinc")] == [8, 6, 8, 6, 6]


@pytest.mark.parametrize("size", [(512, 512), (257, 383), (1024, 1536)])
def test_every_kernel_is_odd_normalised_and_covers_three_sigma(size):
    for level in range(len(GB.levels)):
        spec = GB.sample(make_rng(level), level, *size)["kernel"]
        kernel = build_kernel(spec)
        assert kernel.shape[0] % 2 == 1 and kernel.shape[0] == kernel.shape[1]
        assert abs(float(kernel.sum(dtype=np.float64)) - 1.0) <= 1e-6
        if spec["shape"] != "sinc":
            assert kernel.shape[0] // 2 >= 3 * max(spec["sigma_x"], spec.get("sigma_y", 0)) - 1e-9


def _impulse_width(level: int, side: int) -> float:
    """Second moment (px²) of the blurred image of one bright point in a side x side frame."""
    image = np.zeros((side, side, 3), dtype=np.float32)
    image[side // 2, side // 2] = 1.0
    params = {**GB.sample(make_rng(level), level, side, side), "domain": "srgb"}
    response = GB.apply_float(image, params)[..., 0].astype(np.float64)
    window = response[side // 2 - 40 : side // 2 + 41, side // 2 - 40 : side // 2 + 41]
    return second_moment(window / window.sum())


@pytest.mark.parametrize("name", ["iso-s0.5", "iso-s2", "aniso-5x2", "plateau-s3-b1", "sinc-0.25pi"])
def test_a_level_is_the_same_psf_on_a_small_and_a_large_image(name):
    level = next(i for i, lv in enumerate(GB.levels) if lv.name == name)
    assert _impulse_width(level, 2048) == pytest.approx(_impulse_width(level, 512), rel=1e-6)
    assert _impulse_width(level, 2048) == pytest.approx(_impulse_width(level, 96), rel=1e-6)


def test_anisotropic_kernel_is_elongated_along_its_angle():
    kernel = gaussian_kernel(4.0, 1.0, angle_deg=0.0)
    axis = np.arange(kernel.shape[0]) - kernel.shape[0] // 2
    spread_x = float((kernel.sum(axis=0) * axis**2).sum())
    spread_y = float((kernel.sum(axis=1) * axis**2).sum())
    assert spread_x == pytest.approx(16.0, rel=0.02) and spread_y == pytest.approx(1.0, rel=0.02)
    rotated = gaussian_kernel(4.0, 1.0, angle_deg=90.0)
    assert np.allclose(rotated, kernel.T, atol=1e-6)


def test_sinc_rings_and_generalized_beta_widens():
    assert sinc_kernel(math.pi / 4, 21).min() < 0  # negative lobes: clamp results, never the kernel
    widths = [
        second_moment(build_kernel({"shape": "generalized", "sigma_x": 3, "sigma_y": 3, "beta": b}))
        for b in (4, 2, 1, 0.5)
    ]
    assert widths == sorted(widths)


def test_constant_image_is_preserved_in_both_domains(make_flat):
    # 8-bit codes: a separable sRGB blur works on the codes (version 3), as every GB input is a uint8 image.
    image = make_flat(40, 50, (51 / 255, 128 / 255, 230 / 255))
    for level in (0, 7, 13, 33):
        for domain in ("srgb", "linear"):
            params = {**GB.sample(make_rng(1), level, 40, 50), "domain": domain}
            assert np.allclose(GB.apply_float(image, params), image, atol=2e-5)


def test_separable_fast_path_matches_full_convolution(bundled_photos):
    image = bundled_photos[0][:64, :80].astype(np.float32) / 255
    kernel = gaussian_kernel(2.5)
    assert np.allclose(apply_psf(image, kernel), convolve(image, kernel), atol=1e-5)


def test_linear_domain_differs_from_srgb(bundled_photos):
    image = bundled_photos[2].astype(np.float32) / 255
    params = GB.sample(make_rng(0), 5, *image.shape[:2])
    srgb = GB.apply_float(image, {**params, "domain": "srgb"})
    linear = GB.apply_float(image, {**params, "domain": "linear"})
    assert np.abs(srgb - linear).max() > 0.01


def test_separable_srgb_blur_of_codes_is_the_rounded_float_blur(bundled_photos):
    from uir_data.degrade.color import to_float, to_uint8
    from uir_data.degrade.kernels.filtering import convolve_separable

    photo = bundled_photos[0]
    for level in range(len(GB.levels)):
        params = {**GB.sample(make_rng(4), level, *photo.shape[:2]), "domain": "srgb"}
        if GB.levels[level].params["shape"] != "iso":
            continue
        taps = gaussian_kernel_1d(params["kernel"]["sigma_x"], params["kernel"]["size"])
        reference = to_uint8(convolve_separable(to_float(photo), taps, taps))
        steps = np.abs(GB.apply(photo, params).astype(np.int16) - reference)
        assert steps.max() <= 1 and np.count_nonzero(steps) <= 1e-4 * steps.size, GB.levels[level].name
