"""Raindrop kernels: adherent drops on glass that refract an inverted, minified view of the scene.

Approximation of the physics-based renderers in research/degradations.md §1.11 (a) and ROLE's
DropsOnLens (b): each drop is a circle on top and a half-ellipse below (gravity sags drops), acts as a
small lens through which the scene appears flipped and minified (a per-drop remap), has a darker rim
(total internal reflection near the contact line) and a faint specular highlight, and is out of focus
when the camera focuses on the scene, so the drop layer is defocused as a premultiplied-alpha layer.
Only windows around the drops are touched; a single cv2.remap samples the scene for all drops at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

# A drop record: (x, y, radius, sag, magnification) in pixels of the image it is rendered on. `sag` is
# the ratio of the lower half-ellipse's height to the radius; `magnification` is how many drop radii of
# scene the drop shows (> 1: minified view, as a strongly curved water lens does).
Drop = Sequence[float]


def drop_shape(dx: np.ndarray, dy: np.ndarray, radius: float, sag: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalised lens coordinates (u, v) of offsets from the drop centre: the drop is u² + v² < 1."""
    u = dx / radius
    v = np.where(dy < 0, dy / radius, dy / (radius * sag))
    return u, v


def refraction_offsets(u: np.ndarray, v: np.ndarray, radius: float, magnification: float,
                       bulge: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    """Scene offsets (x, y) seen through lens point (u, v): point-inverted about the centre, minified by
    `magnification`, and compressed further toward the rim (fisheye-like) by `bulge`."""
    stretch = -radius * magnification * (1.0 + bulge * (u * u + v * v))
    return u * stretch, v * stretch


def render_raindrops(image: np.ndarray, drops: Sequence[Drop], blur_sigma: float, edge_darkening: float,
                     highlight: float) -> np.ndarray:
    """Composite refracting drops onto an (H, W, 3) linear image; `blur_sigma` px defocuses the drops."""
    height, width = image.shape[:2]
    map_x, map_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    alpha = np.zeros((height, width), np.float32)
    shade = np.ones((height, width), np.float32)
    glint = np.zeros((height, width), np.float32)
    for x, y, radius, sag, magnification in drops:
        if radius < 0.5:
            continue
        x0, x1 = max(int(math.floor(x - radius)) - 1, 0), min(int(math.ceil(x + radius)) + 2, width)
        y0, y1 = max(int(math.floor(y - radius)) - 1, 0), min(int(math.ceil(y + radius * sag)) + 2, height)
        if x0 >= x1 or y0 >= y1:
            continue
        dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(x)
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(y)
        u, v = drop_shape(dx, dy, radius, sag)
        rho = np.sqrt(u * u + v * v)
        # One-pixel anti-aliased contour.
        coverage = np.clip((1.0 - rho) * radius + 0.5, 0.0, 1.0)
        inside = coverage > 0
        if not inside.any():
            continue
        off_x, off_y = refraction_offsets(u, v, radius, magnification)
        window = (slice(y0, y1), slice(x0, x1))
        # A later drop lies on top of an earlier one where they overlap (merged drops on a wet pane).
        map_x[window] = np.where(inside, np.float32(x) + off_x, map_x[window])
        map_y[window] = np.where(inside, np.float32(y) + off_y, map_y[window])
        shade[window] = np.where(inside, 1.0 - edge_darkening * np.clip(rho, 0.0, 1.0) ** 4, shade[window])
        alpha[window] = np.maximum(alpha[window], coverage)
        # Specular reflection of the bright sky on the upper-left of the cap.
        spot = np.exp(-((u + 0.35) ** 2 + (v + 0.45) ** 2) / (2 * 0.15**2)) * coverage
        glint[window] = np.where(inside, spot, glint[window])
    if not alpha.any():
        return image.astype(np.float32, copy=True)
    refracted = cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    layer = refracted * shade[..., None] + np.float32(highlight) * glint[..., None]
    premultiplied = layer * alpha[..., None]
    if blur_sigma > 0:
        premultiplied = cv2.GaussianBlur(premultiplied, (0, 0), blur_sigma, borderType=cv2.BORDER_REFLECT)
        alpha = cv2.GaussianBlur(alpha, (0, 0), blur_sigma, borderType=cv2.BORDER_REFLECT)
    return (image * (1.0 - alpha[..., None]) + premultiplied).astype(np.float32)
