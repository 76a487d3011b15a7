"""No level of the weather and recapture types gives a near-identity pair on a small or BSD-size image.

Levels are in pixels of the image as degraded, so a small image gets few flakes, drops or streaks; each
level must still visibly change it (research: a 96x80 product shot and a 321 px BSD500 photo).
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from skimage import data

from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

TYPES = ("H", "S", "MR", "RD", "BR", "RS", "RSD", "LHRS")


@pytest.fixture(scope="module")
def small_and_bsd_size() -> list[np.ndarray]:
    photo = data.chelsea()  # 300 x 451: the flattest of the bundled photos, the hardest case here
    bsd = cv2.resize(photo, (481, 321), interpolation=cv2.INTER_AREA)
    return [cv2.resize(photo, (96, 80), interpolation=cv2.INTER_AREA), bsd]


@pytest.mark.parametrize("abbrev", TYPES)
def test_every_level_visibly_changes_small_images(abbrev, small_and_bsd_size, psnr_db):
    degradation = get_degradation(abbrev)
    for level in range(len(degradation.levels)):
        for image in small_and_bsd_size:
            out = degradation.apply(image, degradation.sample(make_rng(0, abbrev, level), level, *image.shape[:2]))
            changed = float((np.abs(out.astype(np.int16) - image).max(axis=2) > 4).mean())
            assert psnr_db(out, image) < 42.0 and changed > 0.01, (level, image.shape, changed)
