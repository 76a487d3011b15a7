"""BR: raindrops on the glass in focus, the scene behind them defocused (as in RainDropClarity).

The paper's BR data are RainDropClarity's drop-focused captures: the camera focuses on the drops on a
window, so the background is out of focus while the drops are sharp, and the clean target is the
background-focused shot without drops. This is optics rather than camera shake: the scene is blurred by a
pillbox PSF in linear light (DB's kernel; a random share of night scenes has its light sources expanded
first, so they open into bokeh discs, gain recorded, 1.0 = none), then RD's drops are laid on top,
nearly sharp and refracting the sharp scene (a drop images the scene close to its own surface, where the
camera focuses). The former streaks-then-blur family is gone: RainDropClarity has no streaks, and under
motion blur the streaks averaged away (its heaviest rain level measured flat within 0.3 dB).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from uir_data.degrade.base import Degradation, Level
from uir_data.degrade.color import apply_in_linear_light, linear_to_srgb, srgb_to_linear
from uir_data.degrade.kernels.defocus import disk_kernel
from uir_data.degrade.kernels.filtering import PADDING_NAME, convolve
from uir_data.degrade.kernels.lowlight import expand_light_sources
from uir_data.degrade.types.motion_blur import sample_highlight_gain
from uir_data.degrade.types.raindrops import Raindrops, place_drops, render_drops_linear, sample_drop_look

# Background defocus radius (px of the image as degraded) × RD level (1-based). Focused on a pane ~0.5 m
# away, a background metres away blurs by a few px at RainDropClarity's ~720 px width; radius 2-7 spans
# soft to strongly blurred.
DEFOCUS_RADII = (2.0, 4.0, 7.0)
DROP_LEVELS = (2, 4, 6)
# The drops are where the camera focuses: only a slight residual blur, and the view inside is fairly sharp.
DROP_FOCUS_BLUR = (0.0, 0.6)
DROP_CONTENT_BLUR = (0.5, 1.5)
DROP_EDGE_SOFTNESS = (0.12, 0.3)  # in focus, the contact line is crisper than RD's defocused fade

_DROPS = Raindrops()


def _index(blur_i: int, drop_i: int) -> int:
    return blur_i * len(DROP_LEVELS) + drop_i


class BlurRain(Degradation):
    abbrev = "BR"
    # 2: RainDropClarity-style in-focus drops over a defocused background (was: streaks, then a motion or
    # Gaussian blur of the composite).
    algorithm_version = 2
    levels = tuple(
        Level(
            f"defocus{radius:g}-RD{drop}",
            {"defocus_radius": radius, "drop_level": drop - 1},
            f"background pillbox radius {radius:g} px, in-focus drops {_DROPS.levels[drop - 1].name}",
        )
        for radius in DEFOCUS_RADII
        for drop in DROP_LEVELS
    )
    # Lexicographic grid: severity grows along each axis with the other held fixed.
    monotone_runs = tuple(
        tuple(_index(b, d) for d in range(len(DROP_LEVELS))) for b in range(len(DEFOCUS_RADII))
    ) + tuple(tuple(_index(b, d) for b in range(len(DEFOCUS_RADII))) for d in range(len(DROP_LEVELS)))

    def sample(self, rng: np.random.Generator, level: int, height: int, width: int) -> dict[str, Any]:
        chosen = self.check_level(level).params
        drop_grid = _DROPS.levels[chosen["drop_level"]].params
        drops = place_drops(rng, drop_grid["coverage"], tuple(drop_grid["radius_px"]), height, width,
                            drop_grid["merge"])
        look = sample_drop_look(rng, DROP_FOCUS_BLUR)
        look["content_blur_px"] = float(rng.uniform(*DROP_CONTENT_BLUR))
        look["edge_softness"] = float(rng.uniform(*DROP_EDGE_SOFTNESS))
        return {
            "background": {
                "radius_px": float(chosen["defocus_radius"]),
                "highlight_gain": sample_highlight_gain(rng),
                "padding": PADDING_NAME,
            },
            "drops": {"drops": drops, "focus": "drop", **look},
            "order": "defocus-then-drops",
            "domain": "linear",
        }

    def apply_float(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return linear_to_srgb(render_linear(srgb_to_linear(image), params))

    def apply(self, image: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        return apply_in_linear_light(self, image, params, lambda linear: render_linear(linear, params))


def render_linear(scene: np.ndarray, params: dict[str, Any]) -> np.ndarray:
    """Defocus the linear scene behind the pane, then lay the in-focus drops (refracting the sharp scene)."""
    background = params["background"]
    radiance = expand_light_sources(scene, background["highlight_gain"])
    defocused = convolve(radiance, disk_kernel(background["radius_px"]))
    return render_drops_linear(defocused, params["drops"], seen=scene)
