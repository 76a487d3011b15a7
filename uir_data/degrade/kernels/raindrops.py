"""Raindrop kernels: adherent drops on glass that refract a flipped, minified, blurred view of the scene.

Approximation of the physics-based renderers of adherent raindrops and ROLE's
DropsOnLens, tuned to what Qian et al.'s RainDrop photos show: drops are irregular blobs (a circle
whose radius wobbles with the angle, sagging downward under gravity), their inside is a bright, soft,
upside-down view of the scene (a strongly curved water lens focused far from the scene, plus light
scattered inside the water), and with the camera focused on the scene they are out of focus, so their
edges fade over several pixels instead of the crisp dark rim of a glass marble. Only windows around the
drops are touched; one cv2.remap samples the (pre-blurred) scene for all drops at once.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from uir_data.degrade.kernels.pixelwise import expand_plane

# A drop record, in pixels of the image it is rendered on: (x, y, radius, sag, magnification,
# wobble2, phase2, wobble3, phase3). `sag` is the ratio of the lower half's height to the radius;
# `magnification` is how many drop radii of scene the drop shows (> 1: minified view); the wobbles are the
# relative amplitudes of the 2nd and 3rd angular harmonics of the outline (0 = a circle).
Drop = Sequence[float]


def drop_shape(dx: np.ndarray, dy: np.ndarray, radius: float, sag: float) -> tuple[np.ndarray, np.ndarray]:
    """Normalised lens coordinates (u, v) of offsets from the drop centre: the round drop is u² + v² < 1."""
    u = dx / radius
    v = np.where(dy < 0, dy / radius, dy / (radius * sag))
    return u, v


def outline_radius(u: np.ndarray, v: np.ndarray, wobbles: Sequence[float], phases: Sequence[float]) -> np.ndarray:
    """Relative radius of an irregular outline in the direction of (u, v): 1 + Σ a_k·cos(kφ + p_k)."""
    angle = np.arctan2(v, u)
    outline = np.ones_like(angle)
    for order, (amplitude, phase) in enumerate(zip(wobbles, phases, strict=True), start=2):
        outline += np.float32(amplitude) * np.cos(order * angle + np.float32(phase))
    return outline


def refraction_offsets(u: np.ndarray, v: np.ndarray, radius: float, magnification: float,
                       bulge: float = 0.35) -> tuple[np.ndarray, np.ndarray]:
    """Scene offsets (x, y) seen through lens point (u, v): point-inverted about the centre, minified by
    `magnification`, and compressed further toward the rim (fisheye-like) by `bulge`."""
    stretch = -radius * magnification * (1.0 + bulge * (u * u + v * v))
    return u * stretch, v * stretch


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def render_raindrops(image: np.ndarray, drops: Sequence[Drop], focus_blur: float, content_blur: float,
                     brightness: float, lift: float, edge_softness: float, edge_darkening: float,
                     highlight: float, seen: np.ndarray | None = None) -> np.ndarray:
    """Composite refracting drops onto an (H, W, 3) linear image.

    `content_blur` (px) blurs the scene seen through the drops, `brightness`·view + `lift` is their
    radiance, `edge_softness` the outer share of the radius over which a drop fades in, `edge_darkening`
    a faint shadow just inside the contact line, `highlight` a specular glint; `focus_blur` (px) finally
    defocuses the whole drop layer (premultiplied alpha). `seen` is what the drops refract when it differs
    from the image they lie on (BR: sharp drops over a defocused background still image the scene sharply).
    """
    height, width = image.shape[:2]
    map_x, map_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    alpha = np.zeros((height, width), np.float32)
    shade = np.ones((height, width), np.float32)
    glint = np.zeros((height, width), np.float32)
    softness = max(float(edge_softness), 1e-3)
    for x, y, radius, sag, magnification, wobble2, phase2, wobble3, phase3 in drops:
        if radius < 0.5:
            continue
        reach = radius * (1.0 + abs(wobble2) + abs(wobble3))
        x0, x1 = max(int(math.floor(x - reach)) - 1, 0), min(int(math.ceil(x + reach)) + 2, width)
        y0, y1 = max(int(math.floor(y - reach)) - 1, 0), min(int(math.ceil(y + reach * sag)) + 2, height)
        if x0 >= x1 or y0 >= y1:
            continue
        dx = np.arange(x0, x1, dtype=np.float32)[None, :] - np.float32(x)
        dy = np.arange(y0, y1, dtype=np.float32)[:, None] - np.float32(y)
        u, v = drop_shape(dx, dy, radius, sag)
        outline = outline_radius(u, v, (wobble2, wobble3), (phase2, phase3))
        u, v = u / outline, v / outline  # the irregular drop becomes the unit disc of its own lens
        rho = np.sqrt(u * u + v * v)
        # The outer `softness` of the radius fades in, and never less than one pixel (anti-aliasing).
        coverage = _smoothstep((1.0 - rho) / np.float32(max(softness, 1.0 / radius)))
        inside = coverage > 0
        if not inside.any():
            continue
        off_x, off_y = refraction_offsets(u, v, radius, magnification)
        window = (slice(y0, y1), slice(x0, x1))
        # A later drop lies on top of an earlier one where they overlap (merged drops on a wet pane).
        map_x[window] = np.where(inside, np.float32(x) + off_x, map_x[window])
        map_y[window] = np.where(inside, np.float32(y) + off_y, map_y[window])
        rim = _smoothstep((rho - 0.6) / 0.4)
        shade[window] = np.where(inside, 1.0 - edge_darkening * rim, shade[window])
        alpha[window] = np.maximum(alpha[window], coverage)
        # Specular reflection of the bright sky on the upper-left of the cap.
        spot = np.exp(-((u + 0.35) ** 2 + (v + 0.45) ** 2) / (2 * 0.2**2)) * coverage
        glint[window] = np.where(inside, spot, glint[window])
    if not alpha.any():
        return image.astype(np.float32, copy=True)
    scene = image if seen is None else seen
    if content_blur > 0:
        scene = cv2.GaussianBlur(scene, (0, 0), content_blur, borderType=cv2.BORDER_REFLECT_101)
    refracted = cv2.remap(scene, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)
    layer = (refracted * np.float32(brightness) + np.float32(lift)) * expand_plane(shade)
    layer += expand_plane(np.float32(highlight) * glint)
    premultiplied = layer * expand_plane(alpha)
    if focus_blur > 0:
        premultiplied = cv2.GaussianBlur(premultiplied, (0, 0), focus_blur, borderType=cv2.BORDER_REFLECT)
        alpha = cv2.GaussianBlur(alpha, (0, 0), focus_blur, borderType=cv2.BORDER_REFLECT)
    return (image * expand_plane(1.0 - alpha) + premultiplied).astype(np.float32, copy=False)
