"""Relative depth from the image itself, without a depth network (none can be downloaded on build machines).

Three cues that every photo carries, blended and then smoothed edge-aware:
- the dark channel (He et al.): in a clear photo the per-patch minimum over RGB is near zero on nearby
  objects (shadows, saturated colours) and high only on bright colourless regions, mostly sky and distant
  walls of light;
- smoothness: the subject is usually in focus and textured while the far background is defocused or
  featureless, so low local contrast reads as far (a portrait's backdrop, a blue sky);
- position: a weak ground-plane term (lower rows nearer), which alone is what the former row profile was.
The blend is rank-normalised to [0, 1] (relative depth, sky at 1, as is asked
of monocular estimates) and filtered by a guided filter on luminance so depth follows object edges
instead of leaking haze halos across them.
"""

from __future__ import annotations

import cv2
import numpy as np

# The cues are low-frequency: they are computed on a copy with this short side (cheap at any image size).
PRIOR_SHORT_SIDE = 128
DARK_PATCH = 7  # px on the small copy; He et al. use 15 px patches on ~600 px images
TEXTURE_WINDOW = 7
GUIDE_RADIUS = 8
GUIDE_EPS = 1e-2


def _box(image: np.ndarray, size: int) -> np.ndarray:
    return cv2.boxFilter(image, -1, (size, size), borderType=cv2.BORDER_REFLECT)


def guided_filter(guide: np.ndarray, source: np.ndarray, radius: int, eps: float) -> np.ndarray:
    """He et al.'s grey guided filter: `source` smoothed within regions of `guide`, edges kept."""
    size = 2 * radius + 1
    mean_g, mean_s = _box(guide, size), _box(source, size)
    var_g = _box(guide * guide, size) - mean_g * mean_g
    cov = _box(guide * source, size) - mean_g * mean_s
    a = cov / (var_g + np.float32(eps))
    b = mean_s - a * mean_g
    return _box(a, size) * guide + _box(b, size)


def _normalise(values: np.ndarray, low_pct: float = 2.0, high_pct: float = 98.0) -> np.ndarray:
    low, high = np.percentile(values, (low_pct, high_pct))
    if high - low < 1e-6:
        return np.full_like(values, 0.5)
    return np.clip((values - low) / (high - low), 0.0, 1.0)


def content_depth(image: np.ndarray, weights: tuple[float, float, float]) -> np.ndarray:
    """Relative depth (H, W) in [0, 1] of an sRGB float image from (dark channel, smoothness, row) cues."""
    height, width = image.shape[:2]
    factor = min(1.0, PRIOR_SHORT_SIDE / min(height, width))
    small_w, small_h = max(1, round(width * factor)), max(1, round(height * factor))
    small = cv2.resize(image, (small_w, small_h), interpolation=cv2.INTER_AREA).reshape(small_h, small_w, 3)
    small = np.ascontiguousarray(small, dtype=np.float32)
    luminance = small.mean(axis=2)
    dark = cv2.erode(small.min(axis=2), np.ones((DARK_PATCH, DARK_PATCH), np.uint8), borderType=cv2.BORDER_REFLECT)
    mean = _box(luminance, TEXTURE_WINDOW)
    contrast = np.sqrt(np.maximum(_box(luminance * luminance, TEXTURE_WINDOW) - mean * mean, 0.0))
    # Texture is patchy (a face has smooth cheeks): spread it over a region before reading it as nearness.
    contrast = _box(contrast, 2 * TEXTURE_WINDOW + 1)
    smoothness = 1.0 - _normalise(contrast, 5.0, 95.0)
    rows = np.linspace(1.0, 0.0, small_h, dtype=np.float32)[:, None] * np.ones((1, small_w), np.float32)
    w_dark, w_smooth, w_row = weights
    blend = (w_dark * dark * smoothness + w_smooth * smoothness + w_row * rows).astype(np.float32)
    depth = guided_filter(luminance, _normalise(blend).astype(np.float32), GUIDE_RADIUS, GUIDE_EPS)
    depth = cv2.resize(np.clip(depth, 0.0, 1.0), (width, height), interpolation=cv2.INTER_LINEAR)
    return depth.reshape(height, width).astype(np.float32)
