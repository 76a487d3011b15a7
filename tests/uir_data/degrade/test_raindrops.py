"""RD: irregular, bright, out-of-focus drops refracting a flipped, minified, blurred view of the scene."""

from __future__ import annotations

import math

import cv2
import numpy as np

from uir_data.degrade.kernels.raindrops import (
    drop_shape,
    outline_radius,
    refraction_offsets,
    render_raindrops,
)
from uir_data.degrade.types.raindrops import Raindrops, place_drops
from uir_data.seeding import make_rng

DROPS = Raindrops()


def _plain(image, drops, focus_blur=0.0, edge_darkening=0.0):
    """Drops with no blur of their view, no brightening and a one-pixel edge: the bare lens geometry."""
    return render_raindrops(image, drops, focus_blur, 0.0, 1.0, 0.0, 1e-3, edge_darkening, 0.0)


def _textured(height: int, width: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    small = rng.uniform(0.1, 0.9, (height // 6, width // 6, 3)).astype(np.float32)
    return cv2.resize(small, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def _inside(x: float, y: float, radius: float, sag: float, height: int, width: int, margin: float = 0.8):
    dy, dx = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = drop_shape(dx - x, dy - y, radius, sag)
    return np.sqrt(u * u + v * v) < margin


def test_a_drop_shows_an_inverted_view_not_a_blob():
    height = width = 96
    # Red ramps left to right, green top to bottom.
    ramp_x = np.linspace(0.1, 0.9, width, dtype=np.float32)[None, :].repeat(height, 0)
    ramp_y = np.linspace(0.1, 0.9, height, dtype=np.float32)[:, None].repeat(width, 1)
    image = np.stack([ramp_x, ramp_y, np.full_like(ramp_x, 0.5)], axis=-1)
    drop = (48.0, 44.0, 14.0, 1.2, 2.0, 0.0, 0.0, 0.0, 0.0)
    out = _plain(image, [drop])
    inside = _inside(drop[0], drop[1], drop[2], drop[3], height, width)
    xs, ys = np.nonzero(inside.T)  # column (x), row (y) indices of drop pixels
    red, green = out[ys, xs, 0], out[ys, xs, 1]
    # Flipped left-right and top-bottom, and minified: the ramp runs backwards and steeper.
    slope_red = np.polyfit(xs, red, 1)[0]
    slope_green = np.polyfit(ys, green, 1)[0]
    scene_slope = 0.8 / (width - 1)
    assert slope_red < -1.5 * scene_slope and slope_green < -1.5 * scene_slope
    assert float(red.std()) > 0.05  # content, not a constant colour
    assert np.array_equal(out[~_inside(*drop[:2], drop[2], drop[3], height, width, 1.05)],
                          image[~_inside(*drop[:2], drop[2], drop[3], height, width, 1.05)])


def test_drop_content_correlates_with_the_flipped_neighbourhood():
    height, width = 96, 128
    image = _textured(height, width, 3)
    x, y, radius, sag, magnification = 64.0, 46.0, 15.0, 1.1, 2.2
    out = _plain(image, [(x, y, radius, sag, magnification, 0.0, 0.0, 0.0, 0.0)])
    inside = _inside(x, y, radius, sag, height, width)
    rows, cols = np.nonzero(inside)
    u, v = drop_shape(cols - x, rows - y, radius, sag)
    off_x, off_y = refraction_offsets(u, v, radius, magnification)
    flipped = image[np.clip(np.rint(y + off_y), 0, height - 1).astype(int),
                    np.clip(np.rint(x + off_x), 0, width - 1).astype(int)]
    seen = out[rows, cols]
    behind = image[rows, cols]  # what the drop covers, seen straight through
    flipped_corr = np.corrcoef(seen.ravel(), flipped.ravel())[0, 1]
    straight_corr = np.corrcoef(seen.ravel(), behind.ravel())[0, 1]
    assert flipped_corr > 0.9 and straight_corr < 0.5


def test_defocused_drops_have_soft_edges():
    image = np.zeros((64, 64, 3), np.float32)
    image[:, 32:] = 0.8  # the drop at the centre sees (flipped) the bright half on its left side
    drop = [(32.0, 32.0, 12.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0)]
    sharp = _plain(image, drop, 0.0, 0.3)
    soft = _plain(image, drop, 3.0, 0.3)
    edge_sharp = np.abs(np.diff(sharp[32, :, 0])).max()
    edge_soft = np.abs(np.diff(soft[32, :, 0])).max()
    assert edge_soft < 0.5 * edge_sharp


def test_drops_do_not_overlap_unless_the_level_merges_them():
    drops = place_drops(make_rng(1), 0.2, (6.0, 14.0), 256, 256, merge=False)
    assert len(drops) > 20
    for i, a in enumerate(drops):
        for b in drops[i + 1 :]:
            assert math.hypot(a[0] - b[0], a[1] - b[1]) > a[2] * a[3] + b[2] * b[3] - 1e-6
    assert DROPS.levels[-1].params["merge"] and not DROPS.levels[0].params["merge"]


def _covered(params, height, width):
    return sum(math.pi * d[2] ** 2 * (1 + d[3]) / 2 for d in params["drops"]) / (height * width)


def test_covered_area_grows_with_the_level_and_radii_are_pixels():
    areas = []
    for level in range(len(DROPS.levels)):
        areas.append(np.mean([_covered(DROPS.sample(make_rng(seed), level, 200, 300), 200, 300)
                              for seed in range(4)]))
    assert all(a < b for a, b in zip(areas, areas[1:], strict=False))
    # Radii are pixels of the image as degraded: the same drop sizes at any resolution, more drops on a
    # larger image, and at least one drop on a tiny one.
    for height, width in ((80, 96), (321, 481), (1024, 1536)):
        params = DROPS.sample(make_rng(0), 2, height, width)
        low, high = DROPS.levels[2].params["radius_px"]
        assert all(low - 1e-3 <= d[2] <= high + 1e-3 for d in params["drops"])
        assert len(params["drops"]) >= 1
        # Thumbnails: no drop wider than a tenth of the short side (it would fill the frame).
        assert all(d[2] <= max(0.1 * height, 1.0) + 1e-3 for d in params["drops"])
    assert len(DROPS.sample(make_rng(0), 2, 1024, 1536)["drops"]) > 10 * len(DROPS.sample(make_rng(0), 2, 160, 240)["drops"])


def test_heaviest_level_is_not_clutter():
    height, width = 256, 256
    image = _textured(height, width, 5)
    for seed in range(3):
        params = DROPS.sample(make_rng(seed), len(DROPS.levels) - 1, height, width)
        changed = np.abs(DROPS.apply_float(image, params) - image).max(axis=2) > 2 / 255
        # The former top level (80-120 drops up to 8 % of the short side) changed ~80 % of the frame.
        assert 0.15 < float(changed.mean()) < 0.5, (seed, float(changed.mean()))


def test_drops_are_brighter_than_the_scene_without_a_dark_rim():
    grey = np.full((160, 160, 3), 0.3, np.float32)
    for seed in range(3):
        params = DROPS.sample(make_rng(seed), 3, 160, 160)
        out = DROPS.apply_float(grey, params)
        touched = np.abs(out - grey).max(axis=2) > 1 / 255
        # Glass marbles had a rim 20-45 % darker than the scene; RainDrop's drops glow a little instead.
        assert float(out.min()) > 0.3 - 0.03
        assert float(out[touched].mean()) > 0.3 + 0.01


def test_outlines_are_irregular_and_edges_fade_over_pixels():
    angles = np.linspace(-np.pi, np.pi, 360, endpoint=False, dtype=np.float32)
    outline = outline_radius(np.cos(angles), np.sin(angles), (0.1, 0.08), (0.5, 2.0))
    assert float(outline.max() - outline.min()) > 0.15  # not a circle
    # A sampled drop's edge, in a flat bright scene seen through it: the alpha ramp spans several pixels.
    image = np.zeros((96, 96, 3), np.float32)
    params = DROPS.sample(make_rng(2), 0, 96, 96)
    drop = [48.0, 48.0, 16.0, 1.0, 2.0, 0.0, 0.0, 0.0, 0.0]
    out = render_raindrops(image, [drop], params["focus_blur_px"], params["content_blur_px"], 1.0, 0.5,
                           params["edge_softness"], 0.0, 0.0)
    row = out[48, :, 0]
    rising = np.nonzero((row > 0.1 * row.max()) & (row < 0.9 * row.max()))[0]
    left_edge = rising[rising < 48]
    assert len(left_edge) >= 4, row  # 10-90 % over at least 4 px: out of focus, not a crisp contour


def _place_drops_brute_force(rng, coverage, radius_range_px, height, width, merge):
    """The overlap test against every placed drop (what place_drops's cell grid must reproduce exactly)."""
    from uir_data.degrade.types.raindrops import MAX_DROPS, MAX_RADIUS_SHARE, PLACEMENT_TRIES, WOBBLE

    drops, target, covered = [], coverage * height * width, 0.0
    cap = max(MAX_RADIUS_SHARE * min(height, width), 1.0)
    low, high = math.log(min(radius_range_px[0], cap)), math.log(min(radius_range_px[1], cap))
    while (covered < target or not drops) and len(drops) < MAX_DROPS:
        radius = float(math.exp(rng.uniform(low, high)))
        sag, magnification = float(rng.uniform(1.0, 1.5)), float(rng.uniform(1.5, 3.0))
        shape = [float(rng.uniform(*WOBBLE)), float(rng.uniform(0, 2 * math.pi)),
                 float(rng.uniform(*WOBBLE)), float(rng.uniform(0, 2 * math.pi))]
        covered += math.pi * radius * radius * (1.0 + sag) / 2.0
        for _ in range(1 if merge else PLACEMENT_TRIES):
            x, y = float(rng.uniform(0, width)), float(rng.uniform(0, height))
            if merge or all(math.hypot(x - o[0], y - o[1]) > radius * sag + o[2] * o[3] for o in drops):
                drops.append([round(x, 2), round(y, 2), round(radius, 3), round(sag, 3), round(magnification, 3),
                              *(round(value, 3) for value in shape)])
                break
    return drops


def test_cell_grid_places_exactly_the_drops_of_the_brute_force_test():
    from uir_data.degrade.types.raindrops import GRID

    for seed in range(3):
        for coverage, radius_range, merge in GRID:
            for height, width in ((512, 512), (96, 80), (333, 517)):
                expected = _place_drops_brute_force(make_rng(seed, height), coverage, radius_range, height, width, merge)
                assert place_drops(make_rng(seed, height), coverage, radius_range, height, width, merge) == expected
