"""PSNR and SSIM on RGB images in [0, 1] (the paper's protocol: sRGB RGB, crop_border 0).

SSIM is the standard formulation of Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 0.01,
K2 0.03, valid region only, per channel, averaged over channels; this equals
skimage.metrics.structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
data_range=1, channel_axis=-1) and BasicSR's `calculate_ssim` on RGB.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1, SSIM_K2 = 0.01, 0.03


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Round to 8-bit levels as saving the image would (BasicSR scores the saved uint8 images)."""
    return (images.clamp(0, 1) * 255).round() / 255


def psnr(restored: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR in dB of (B, C, H, W) batches in [0, 1]; inf for identical images."""
    mse = (restored.double() - target.double()).pow(2).flatten(1).mean(1)
    return 10 * torch.log10(1.0 / mse)


@functools.lru_cache(maxsize=4)
def _gaussian_window(device: str) -> torch.Tensor:
    coords = torch.arange(SSIM_WINDOW, dtype=torch.float64) - SSIM_WINDOW // 2
    g = torch.exp(-(coords**2) / (2 * SSIM_SIGMA**2))
    g /= g.sum()
    return torch.outer(g, g).to(device)


def ssim(restored: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-image SSIM of (B, C, H, W) batches in [0, 1] (images must be at least 11x11)."""
    x, y = restored.double(), target.double()
    channels = x.shape[1]
    window = _gaussian_window(str(x.device)).expand(channels, 1, SSIM_WINDOW, SSIM_WINDOW)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, window, groups=channels)  # valid region, as skimage crops (win - 1) / 2

    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x**2
    var_y = blur(y * y) - mu_y**2
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = SSIM_K1**2, SSIM_K2**2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))
    return ssim_map.flatten(1).mean(1)
