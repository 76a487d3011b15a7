"""Motion-blur PSFs: anti-aliased linear kernels and camera-shake trajectories (docs/degradations.md).

Both are rasterised by bilinear splatting of densely sampled points, sum-normalised, and centred on their
centroid so the blurred image is not shifted against its ground truth (a shifted LQ would teach a
restoration network to translate images). Angles are degrees counter-clockwise from the image x axis.
"""

from __future__ import annotations

import math

import numpy as np

from uir_data.degrade.kernels.blur_kernels import odd_size
from uir_data.degrade.kernels.filtering import check_kernel, normalise_kernel
from uir_data.seeding import make_rng

# Points per pixel of path length when rasterising: dense enough that splatting is smooth.
SAMPLES_PER_PIXEL = 4


def splat_points(xs: np.ndarray, ys: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Rasterise points (x right, y down, centred on 0) into an odd kernel by bilinear splatting, sum 1."""
    radius = float(max(np.abs(xs).max(initial=0.0), np.abs(ys).max(initial=0.0)))
    size = odd_size(radius)
    centre = size // 2
    weights = np.ones_like(xs) if weights is None else weights
    gx, gy = xs + centre, ys + centre
    x0, y0 = np.floor(gx).astype(np.int64), np.floor(gy).astype(np.int64)
    fx, fy = gx - x0, gy - y0
    flat = np.zeros(size * size, dtype=np.float64)
    for dx, dy, w in (
        (0, 0, (1 - fx) * (1 - fy)),
        (1, 0, fx * (1 - fy)),
        (0, 1, (1 - fx) * fy),
        (1, 1, fx * fy),
    ):
        # A point exactly on the outer edge has zero weight on the next cell: clamp its index.
        rows, cols = np.minimum(y0 + dy, size - 1), np.minimum(x0 + dx, size - 1)
        flat += np.bincount(rows * size + cols, weights=w * weights, minlength=size * size)
    return check_kernel(normalise_kernel(flat.reshape(size, size)))


def motion_kernel(length_px: float, angle_deg: float) -> np.ndarray:
    """A straight, centred, anti-aliased motion PSF of total length `length_px` (≤ 1 px ≈ identity)."""
    if length_px < 0:
        raise ValueError(f"motion length must be non-negative, got {length_px}")
    count = max(2, math.ceil(length_px * SAMPLES_PER_PIXEL) + 1)
    t = np.linspace(-length_px / 2, length_px / 2, count)
    theta = math.radians(angle_deg)
    return splat_points(t * math.cos(theta), -t * math.sin(theta))


def shake_trajectory(
    seed: int, steps: int = 96, centripetal: float = 0.1, jitter: float = 0.2, reversal_prob: float = 0.02
) -> np.ndarray:
    """A 2-D camera-shake path (complex positions) with unit step length, Boracchi & Foi (2012) style.

    A particle keeps its velocity (inertia), receives Gaussian perturbations (`jitter`), is pulled back
    towards the origin (`centripetal`, keeps the path compact) and rarely reverses direction abruptly.
    """
    rng = make_rng(seed, "shake")
    phase = rng.uniform(0, 2 * math.pi)
    velocity = complex(math.cos(phase), math.sin(phase))
    position = 0j
    path = [position]
    kicks = rng.standard_normal((steps, 2))
    reversals = rng.random(steps) < reversal_prob
    turns = rng.uniform(-0.5, 0.5, steps)
    for k in range(steps):
        if reversals[k]:
            velocity = -velocity * complex(math.cos(turns[k]), math.sin(turns[k]))
        velocity += jitter * complex(kicks[k, 0], kicks[k, 1]) - centripetal * position / steps
        velocity /= abs(velocity) or 1.0
        position += velocity
        path.append(position)
    return np.asarray(path, dtype=np.complex128)


def shake_kernel(
    length_px: float, seed: int, centripetal: float = 0.1, jitter: float = 0.2, reversal_prob: float = 0.02
) -> np.ndarray:
    """A camera-shake PSF whose trajectory has path length `length_px`, centred on its centroid, sum 1."""
    path = shake_trajectory(seed, centripetal=centripetal, jitter=jitter, reversal_prob=reversal_prob)
    path = path * (length_px / (len(path) - 1))  # unit steps -> requested total path length
    # Resample densely along the path (constant speed = uniform exposure time along the path).
    count = max(2, math.ceil(length_px * SAMPLES_PER_PIXEL) + 1)
    t = np.linspace(0, len(path) - 1, count)
    xs = np.interp(t, np.arange(len(path)), path.real)
    ys = np.interp(t, np.arange(len(path)), path.imag)
    return splat_points(xs - xs.mean(), ys - ys.mean())
