"""Light sources: only small, fully clipped regions of night scenes are expanded; surfaces never are."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from uir_data.degrade.color import linear_to_srgb, srgb_to_linear, to_float, to_uint8
from uir_data.degrade.kernels.lowlight import apply_exposure, expand_light_sources, light_source_weight
from uir_data.degrade.registry import get_degradation
from uir_data.degrade.types.motion_blur import blur_linear_light
from uir_data.seeding import make_rng


def _night_frame() -> np.ndarray:
    """A dark 128x128 linear frame with a 5x5 lamp, a saturated red patch and a bright skin highlight."""
    srgb = np.full((128, 128, 3), 0.12, dtype=np.float32)
    srgb[10:15, 10:15] = 1.0  # the lamp: clipped in every channel
    srgb[40:60, 40:60] = (1.0, 40 / 255, 40 / 255)  # red paint: one channel clipped
    srgb[80:90, 80:90] = (250 / 255, 230 / 255, 200 / 255)  # a skin highlight
    srgb[100:104, 20:24] = (1.0, 1.0, 1.0)  # a second, tiny light
    return srgb_to_linear(srgb)


def test_only_the_lamps_of_a_night_frame_are_expanded():
    linear = _night_frame()
    out = expand_light_sources(linear, 4.0)
    assert np.allclose(out[10:15, 10:15], 4.0 * linear[10:15, 10:15], rtol=1e-5)
    assert np.allclose(out[100:104, 20:24], 4.0 * linear[100:104, 20:24], rtol=1e-5)
    lights = np.zeros(linear.shape[:2], dtype=bool)
    lights[10:15, 10:15] = lights[100:104, 20:24] = True
    assert np.array_equal(out[~lights], linear[~lights])  # paint, skin and background untouched


def test_gain_one_is_the_identity():
    linear = _night_frame()
    assert expand_light_sources(linear, 1.0) is linear


def test_a_large_clipped_region_is_a_surface_not_a_light():
    srgb = np.full((100, 100, 3), 0.05, dtype=np.float32)
    srgb[:10, :60] = 1.0  # 6% of the frame: an overexposed wall, not a lamp
    linear = srgb_to_linear(srgb)
    assert light_source_weight(linear) is None
    assert np.array_equal(expand_light_sources(linear, 8.0), linear)


def test_a_daylight_scene_has_no_light_sources():
    srgb = np.full((100, 100, 3), 0.6, dtype=np.float32)
    srgb[40:44, 40:44] = 1.0  # a small white glint in daylight
    linear = srgb_to_linear(srgb)
    assert light_source_weight(linear) is None
    assert np.array_equal(expand_light_sources(linear, 8.0), linear)


def test_noise_free_exposure_brightens_no_pixel_but_the_lamps():
    linear = _night_frame()
    weight = light_source_weight(linear)
    assert weight is not None
    for exposure in (1 / 2, 1 / 16, 1 / 256):
        dark = apply_exposure(linear, exposure, photons=0, keep_lights=True)
        surfaces = weight == 0
        assert (dark[surfaces] <= linear[surfaces]).all(), exposure
        assert (dark[12, 12] == 1.0).all()  # the lamp stays saturated


def _patch_frame() -> np.ndarray:
    """uint8 200x200: black frame, a 90x90 saturated-but-not-clipped red patch, a skin-highlight band."""
    image = np.full((200, 200, 3), 8, dtype=np.uint8)
    image[20:110, 20:110] = (255, 40, 40)
    image[130:190, 20:180] = (250, 230, 200)
    return image


@pytest.mark.parametrize("abbrev", ["MB", "DB"])
def test_interior_of_a_saturated_colour_patch_stays_flat_under_blur(abbrev):
    degradation = get_degradation(abbrev)
    image = _patch_frame()
    gains = set()
    for level in range(len(degradation.levels)):
        for seed in range(4):
            params = degradation.sample(make_rng(seed, level), level, *image.shape[:2])
            gains.add(params["highlight_gain"] > 1)
            out = degradation.apply(image, params).astype(int)
            # 25 px from every edge of the patch: farther than any PSF of the grid reaches.
            assert np.abs(out[45:85, 45:85] - (255, 40, 40)).max() <= 1, (level, seed)
            assert np.abs(out[150:170, 60:140] - (250, 230, 200)).max() <= 1, (level, seed)
    assert gains == {True, False}  # the light-source choice is random per sample


def _reference_and_surfaces(abbrev: str, image: np.ndarray, params: dict) -> tuple[np.ndarray, np.ndarray]:
    """The clean image as the type sees it before darkening (BLN: blurred without any light gain), and
    the pixels that no light source reaches."""
    light = light_source_weight(srgb_to_linear(to_float(image)))
    lights = np.zeros(image.shape[:2], dtype=np.uint8) if light is None else (light > 0).astype(np.uint8)
    if abbrev == "LL":
        return image.astype(np.float32), lights == 0
    blur = {**params["ops"][0], "highlight_gain": 1.0}
    reference = to_uint8(linear_to_srgb(blur_linear_light(srgb_to_linear(to_float(image)), blur)))
    reach = 2 * int(np.ceil(blur["length_px"])) + 1  # a light streak reaches at most the path length
    return reference.astype(np.float32), cv2.dilate(lights, np.ones((reach, reach), np.uint8)) == 0


@pytest.mark.parametrize("abbrev", ["LL", "BLN"])
def test_low_light_brightens_no_surface(abbrev, bundled_photos):
    degradation = get_degradation(abbrev)
    for index, image in enumerate([_patch_frame(), *bundled_photos]):
        for level in range(len(degradation.levels)):
            params = degradation.sample(make_rng(index, level), level, *image.shape[:2])
            reference, surfaces = _reference_and_surfaces(abbrev, image, params)
            clean = cv2.blur(reference, (7, 7))
            out = cv2.blur(degradation.apply(image, params).astype(np.float32), (7, 7))
            # Local means (sensor noise averaged out) never exceed the clean image by more than the
            # positive bias of read noise clipped at black (up to ~4 DN over a pure black 7x7 window).
            assert (out[surfaces] <= clean[surfaces] + 4.0).all(), (index, level)
