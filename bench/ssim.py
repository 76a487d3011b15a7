"""SSIM speed: maskdcpt.metrics.ssim (separable Gaussian) vs a direct 11x11 conv2d vs scikit-image.

Run: python -m bench.ssim [--repeats N]
The 400x600 RGB photo `coffee` of scikit-image with noise added, in float64 on one CPU thread; the
median of N runs per implementation, and the largest difference from scikit-image's value.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def direct_ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The previous implementation: one 11x11 depthwise conv2d per map."""
    coords = torch.arange(11, dtype=torch.float64) - 5
    taps = torch.exp(-(coords**2) / (2 * 1.5**2))
    window = (torch.outer(taps, taps) / taps.sum() ** 2).expand(3, 1, 11, 11)

    def blur(t: torch.Tensor) -> torch.Tensor:
        return F.conv2d(t, window, groups=3)

    mu_x, mu_y = blur(x), blur(y)
    var_x, var_y, cov = blur(x * x) - mu_x**2, blur(y * y) - mu_y**2, blur(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    return (((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2))).mean()


def timed(function, repeats: int) -> tuple[float, float]:
    times, value = [], 0.0
    for _ in range(repeats):
        started = time.perf_counter()
        value = float(function())
        times.append(time.perf_counter() - started)
    return statistics.median(times), value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    from skimage import data
    from skimage.metrics import structural_similarity

    from maskdcpt.metrics import ssim

    clean = data.coffee().astype(np.float64) / 255
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 0.05, clean.shape), 0, 1)
    x, y = (torch.from_numpy(a).permute(2, 0, 1)[None].contiguous() for a in (noisy, clean))
    rows = {
        "maskdcpt.metrics.ssim (separable)": timed(lambda: ssim(x, y)[0], args.repeats),
        "direct 11x11 conv2d (previous)": timed(lambda: direct_ssim(x, y), args.repeats),
        "skimage structural_similarity": timed(lambda: structural_similarity(
            noisy, clean, gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0,
            channel_axis=-1), args.repeats),
    }
    reference = rows["skimage structural_similarity"][1]
    print(f"SSIM of one 400x600 RGB pair, float64, 1 thread, median of {args.repeats}\n")
    print("| implementation | seconds | SSIM - skimage |")
    print("|---|---|---|")
    for name, (seconds, value) in rows.items():
        print(f"| {name} | {seconds:.3f} | {value - reference:.1e} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
