"""S: flake layers (near flakes larger, blurrier and faster), motion along the fall angle, veil at heavy levels."""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.snow import moving_flake_kernel, snow_layer, splat
from uir_data.degrade.types.snow import LAYER_RECIPES, Snow
from uir_data.seeding import make_rng

SNOW = Snow()


def _blob_areas(layer: np.ndarray) -> float:
    count, _, stats, _ = cv2.connectedComponentsWithStats((layer > 0.05).astype(np.uint8), connectivity=8)
    return float(np.median(stats[1:, cv2.CC_STAT_AREA])) if count > 1 else 0.0


def test_near_flakes_are_larger_and_softer_than_far_ones():
    size = 256
    far, near, closest = LAYER_RECIPES["far"], LAYER_RECIPES["near"], LAYER_RECIPES["closest"]
    far_layer = snow_layer(size, size, 0.0008, max(far["radius"]), 3.0, 0.0, far["blur"], seed=1)
    near_layer = snow_layer(size, size, 0.0008, max(near["radius"]), 3.0, 0.0, near["blur"], seed=1)
    closest_layer = snow_layer(size, size, 0.0008, max(closest["radius"]), 3.0, 0.0, closest["blur"], seed=1)
    assert _blob_areas(closest_layer) > 2 * _blob_areas(near_layer) > 8 * _blob_areas(far_layer)
    # Defocus softens the nearest flakes: their steepest edge is gentle relative to their brightness.
    def sharpness(layer: np.ndarray) -> float:
        gy, gx = np.gradient(layer)
        return float(np.hypot(gx, gy).max() / layer.max())

    assert sharpness(closest_layer) < sharpness(near_layer) < sharpness(far_layer)
    assert sharpness(closest_layer) < 0.5 * sharpness(far_layer)


def test_flakes_smear_along_the_fall_angle():
    for angle in (-25.0, 0.0, 20.0):
        kernel = moving_flake_kernel(1.0, 15.0, angle).astype(np.float64)
        ys, xs = np.mgrid[: kernel.shape[0], : kernel.shape[1]].astype(np.float64)
        total = kernel.sum()
        mx, my = (kernel * xs).sum() / total, (kernel * ys).sum() / total
        cxx = (kernel * (xs - mx) ** 2).sum() / total
        cyy = (kernel * (ys - my) ** 2).sum() / total
        cxy = (kernel * (xs - mx) * (ys - my)).sum() / total
        measured = math.degrees(0.5 * math.atan2(2 * cxy, cyy - cxx))  # from vertical, + falls right
        assert abs(measured - angle) < 2.0, (angle, measured)
        assert cyy + cxx > 10  # elongated well beyond the 1 px flake


def test_snow_whitens_a_dark_scene_more_at_higher_levels():
    dark = np.full((96, 96, 3), 0.05, np.float32)
    means = []
    for level in range(len(SNOW.levels)):
        out = SNOW.apply_float(dark, SNOW.sample(make_rng(2), level, 96, 96))
        assert float(out.min()) >= 0.05 - 1e-6  # flakes and veil are brighter than this night scene
        means.append(float(out.mean()))
    assert all(a < b for a, b in zip(means, means[1:], strict=False))


def test_heaviest_level_is_dense_opaque_flakes_of_several_sizes():
    size = 256
    black = np.zeros((size, size, 3), np.float32)
    params = SNOW.sample(make_rng(4), len(SNOW.levels) - 1, size, size)
    params["veil"] = None  # the flakes alone
    out = SNOW.apply_float(black, params).mean(axis=2)
    # Snow100K-L: flakes cover a good part of the frame, the brighter cores nearly opaque white. The former
    # blizzard had no flake brighter than 0.5 on a black frame (all were faint).
    assert float((out > 0.25).mean()) > 0.3 and float((out > 0.5).mean()) > 0.04
    count, _, stats, _ = cv2.connectedComponentsWithStats((out > 0.5).astype(np.uint8), connectivity=8)
    areas = stats[1:, cv2.CC_STAT_AREA]
    assert count > 100
    assert (areas <= 6).sum() > 20 and (areas >= 80).sum() > 5  # specks and big soft near flakes


def test_severity_comes_from_the_flakes_not_the_veil(bundled_photos, psnr_db):
    for level in (len(SNOW.levels) // 2, len(SNOW.levels) - 1):
        with_veil, flakes_only = [], []
        for index, photo in enumerate(bundled_photos):
            params = SNOW.sample(make_rng(9, index), level, *photo.shape[:2])
            with_veil.append(psnr_db(SNOW.apply(photo, params), photo))
            flakes_only.append(psnr_db(SNOW.apply(photo, {**params, "veil": None}), photo))
        # The former top levels lost ~5 dB to their veil.
        assert np.mean(flakes_only) - np.mean(with_veil) < 1.5, level
        assert np.mean(flakes_only) < 26.0 - 1.5 * level / len(SNOW.levels) * 6, level


def test_splatting_flakes_equals_filtering_the_seed_image():
    rng = np.random.default_rng(0)
    height, width = 60, 70
    for radius, motion, angle in ((2.3, 6.5, -2.6), (7.1, 13.4, 22.7), (0.8, 0.0, 0.0)):
        kernel = moving_flake_kernel(radius, motion, angle)
        flat = rng.integers(0, height * width, 40)
        flat[:2] = (0, height * width - 1)  # footprints cut by the canvas corners
        strength = rng.uniform(0.75, 1.0, 40)
        seeds = np.bincount(flat, weights=strength, minlength=height * width).astype(np.float32)
        filtered = cv2.filter2D(seeds.reshape(height, width), -1, np.ascontiguousarray(kernel[::-1, ::-1]),
                                borderType=cv2.BORDER_CONSTANT)
        assert np.allclose(splat(flat, strength, kernel, height, width), filtered, rtol=0, atol=1e-6)
