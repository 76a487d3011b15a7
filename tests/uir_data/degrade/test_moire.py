"""MR: aliasing of a display's sub-pixel pattern adds low-frequency colour bands the clean image lacks."""

from __future__ import annotations

import cv2
import numpy as np

from uir_data.degrade.color import linear_to_srgb
from uir_data.degrade.kernels.moire import recapture, recapture_tone, stripe_masks
from uir_data.degrade.types.moire import Moire
from uir_data.seeding import make_rng

MOIRE = Moire()


def _low_frequency_chroma(image: np.ndarray, band: int = 16) -> float:
    """Energy of the colour-difference channels at spatial frequencies 1..band cycles per image."""
    energy = 0.0
    for chroma in (image[..., 0] - image[..., 1], image[..., 2] - image[..., 1]):
        spectrum = np.abs(np.fft.fft2(chroma - chroma.mean())) ** 2
        fy, fx = np.meshgrid(np.fft.fftfreq(chroma.shape[0]) * chroma.shape[0],
                             np.fft.fftfreq(chroma.shape[1]) * chroma.shape[1], indexing="ij")
        radius = np.hypot(fx, fy)
        energy += float(spectrum[(radius >= 1) & (radius <= band)].sum())
    return energy / image[..., 0].size


def test_moire_adds_low_frequency_colour_bands_to_a_grey_image():
    grey = np.full((128, 128, 3), 0.5, np.float32)
    strongest = MOIRE.apply_float(grey, MOIRE.sample(make_rng(1), 5, 128, 128))
    mildest = MOIRE.apply_float(grey, MOIRE.sample(make_rng(1), 0, 128, 128))
    assert _low_frequency_chroma(grey) == 0.0
    assert _low_frequency_chroma(strongest) > 1e-4
    assert _low_frequency_chroma(strongest) > 3 * _low_frequency_chroma(mildest)


def test_every_level_shows_broad_aliasing_bands():
    grey = np.full((192, 192, 3), 0.5, np.float32)
    for level in range(len(MOIRE.levels)):
        band_std = []
        for seed in range(6):
            params = MOIRE.sample(make_rng(seed), level, 192, 192)
            params["tone"] = {**params["tone"], "vignette": 0.0}  # the bands alone, not the corner falloff
            out = MOIRE.apply_float(grey, params)
            # Bands wider than a few pixels survive a σ 2 px low-pass; the pixel-scale pattern does not.
            band_std.append(float(cv2.GaussianBlur(out, (0, 0), 2.0).std(axis=(0, 1)).mean() * 255))
        # The former L1-L3 (AA σ 0.9-0.55) measured 0.3-3 DN here: blur without moiré.
        assert min(band_std) > 1.5 and float(np.mean(band_std)) > 3.0, (level, band_std)


def test_recapture_shifts_tone_and_colour_globally():
    black = np.zeros((32, 32, 3), np.float32)
    params = MOIRE.sample(make_rng(3), 0, 32, 32)
    tone = params["tone"]
    lifted = MOIRE.apply_float(black, params)
    assert float(lifted.min()) > 0.02  # the screen's black glows: a recapture never reaches 0
    grey = np.full((64, 64, 3), 0.2, np.float32)
    shifted = recapture_tone(grey, 1.0, (1.1, 1.0, 0.9), 0.0, 0.0)
    assert np.allclose(shifted.mean(axis=(0, 1)), (0.22, 0.2, 0.18), atol=1e-4)
    assert np.allclose(linear_to_srgb(recapture_tone(grey, 1.0, (1, 1, 1), 0.0, 0.3))[32, 32],
                       linear_to_srgb(grey)[32, 32], atol=1e-3)  # no falloff at the centre
    assert set(tone) == {"exposure", "channel_gains", "black_level", "vignette"}


def test_band_energy_grows_along_the_levels_on_a_photo(bundled_photos):
    photo = bundled_photos[0][:128, :128].astype(np.float32) / 255
    clean = _low_frequency_chroma(photo)
    energies = [
        np.mean([_low_frequency_chroma(MOIRE.apply_float(photo, MOIRE.sample(make_rng(s), level, 128, 128)))
                 for s in range(3)])
        for level in range(len(MOIRE.levels))
    ]
    assert all(a < b for a, b in zip(energies, energies[1:], strict=False))
    assert energies[-1] > 1.5 * clean


def test_sub_pixel_masks_keep_the_brightness():
    masks = stripe_masks(96, 96, 1.9, 7.0, (0.2, 0.6), 0.8, 0.9, 0.3)
    assert np.allclose(masks.mean(axis=(0, 1)), 1.0, atol=0.05)
    assert masks.min() > -0.05  # a blurred pulse train is non-negative (up to series truncation)


def test_strong_anti_aliasing_removes_the_pattern():
    grey = np.full((64, 64, 3), 0.3, np.float32)
    captured = recapture(grey, 1.9, 5.0, (0.3, 0.1), 0.8, 0.9, aa_sigma=2.0, lens_sigma=0.5)
    assert float(np.abs(captured - 0.3).max()) < 2e-3
