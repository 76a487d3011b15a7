"""S: flake layers (near flakes larger, blurrier and faster), motion along the fall angle, veil at heavy levels."""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.snow import moving_flake_kernel, snow_layer
from uir_data.degrade.types.snow import LAYER_RECIPES, Snow
from uir_data.seeding import make_rng

SNOW = Snow()


def _blob_areas(layer: np.ndarray) -> float:
    count, _, stats, _ = cv2.connectedComponentsWithStats((layer > 0.05).astype(np.uint8), connectivity=8)
    return float(np.median(stats[1:, cv2.CC_STAT_AREA])) if count > 1 else 0.0


def test_near_flakes_are_larger_and_softer_than_far_ones():
    size = 256
    far, near = LAYER_RECIPES["far"], LAYER_RECIPES["near"]
    far_layer = snow_layer(size, size, 0.0008, far["radius"], 3.0, 0.0, far["blur"], seed=1)
    near_layer = snow_layer(size, size, 0.0008, near["radius"], 3.0, 0.0, near["blur"], seed=1)
    assert _blob_areas(near_layer) > 4 * _blob_areas(far_layer)
    # Defocus softens near flakes: their steepest edge is gentle relative to their brightness.
    def sharpness(layer: np.ndarray) -> float:
        gy, gx = np.gradient(layer)
        return float(np.hypot(gx, gy).max() / layer.max())

    assert sharpness(near_layer) < 0.5 * sharpness(far_layer)


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


def test_heavy_levels_veil_the_scene():
    assert SNOW.sample(make_rng(0), 4, 64, 64)["veil"] is None
    scene = np.zeros((128, 128, 3), np.float32)
    scene[:, 64:] = 0.9

    def contrast(level: int) -> float:
        out = SNOW.apply_float(scene, SNOW.sample(make_rng(0), level, 128, 128))
        return float(out[:, 64:].mean() - out[:, :64].mean())

    assert SNOW.sample(make_rng(0), 7, 128, 128)["veil"]["transmission"] < 0.9
    # Flakes alone (L5) barely touch the contrast between the halves; the veils (L6-L8) cut it deeply.
    assert contrast(4) > 0.8 and contrast(5) < 0.7 and contrast(7) < 0.55
