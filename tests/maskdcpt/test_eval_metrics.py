"""PSNR and SSIM agree with scikit-image's reference implementations on real photos."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
from skimage import data
from skimage.metrics import peak_signal_noise_ratio, structural_similarity

from maskdcpt.metrics import gaussian_blur_valid, psnr, quantize, ssim


def _as_batch(image: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(image).permute(2, 0, 1)[None]


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return data.astronaut()[100:196, 150:270].astype(np.float64) / 255


@pytest.mark.parametrize("kind", ["noise", "blur", "dark"])
def test_ssim_and_psnr_match_skimage(photo: np.ndarray, kind: str):
    rng = np.random.default_rng(0)
    if kind == "noise":
        degraded = np.clip(photo + rng.normal(0, 0.08, photo.shape), 0, 1)
    elif kind == "blur":
        degraded = cv2.GaussianBlur(photo, (0, 0), 2.0)
    else:
        degraded = photo * 0.3
    reference_ssim = structural_similarity(photo, degraded, gaussian_weights=True, sigma=1.5,
                                           use_sample_covariance=False, data_range=1.0, channel_axis=-1)
    reference_psnr = peak_signal_noise_ratio(photo, degraded, data_range=1.0)
    assert ssim(_as_batch(degraded), _as_batch(photo)).item() == pytest.approx(reference_ssim, abs=1e-9)
    assert psnr(_as_batch(degraded), _as_batch(photo)).item() == pytest.approx(reference_psnr, abs=1e-9)


def test_identical_images_score_ssim_one_and_infinite_psnr(photo: np.ndarray):
    batch = _as_batch(photo)
    assert ssim(batch, batch).item() == pytest.approx(1.0)
    assert torch.isinf(psnr(batch, batch)).all()


def test_metrics_are_per_image_in_a_batch(photo: np.ndarray):
    clean = _as_batch(photo).repeat(2, 1, 1, 1)
    degraded = clean.clone()
    degraded[1] *= 0.5
    values = psnr(degraded, clean)
    assert torch.isinf(values[0]) and values[1] < 20


def test_quantize_rounds_to_8_bit_levels():
    x = torch.tensor([0.0, 0.5 / 255, 1.49 / 255, 1.2, -0.1])
    assert (quantize(x) * 255).tolist() == pytest.approx([0, 0, 1, 255, 0])  # round-half-even at 0.5


def test_the_separable_blur_equals_the_11x11_window_of_wang_et_al():
    images = torch.rand(2, 3, 23, 31, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    coords = torch.arange(11, dtype=torch.float64) - 5
    taps = torch.exp(-(coords**2) / (2 * 1.5**2))
    window = torch.outer(taps, taps) / taps.sum() ** 2
    direct = torch.nn.functional.conv2d(images, window.expand(3, 1, 11, 11), groups=3)
    blurred = gaussian_blur_valid(images)
    assert blurred.shape == (2, 3, 13, 21)
    assert torch.allclose(blurred, direct, rtol=0, atol=1e-14)
