"""Close-up sheets: 1:1 crops of the lowest, middle and highest level of a type (`uir gallery --closeups`).

The contact sheet shrinks every photo to a thumbnail, which hides what a network actually sees at training
size: grain, block edges, streak widths, glowing highlights. A close-up sheet degrades the photo at its own
resolution (at most a 512-px tile, as the build cuts large sources), then shows a native-pixel crop next to
the clean crop, one row per photo, so artefacts can be judged as they are.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from uir_data.degrade.registry import get_degradation
from uir_data.gallery import BACKGROUND, INK, fit_text, label_font, printable, resolve_types, write_gallery
from uir_data.image_io import read_source
from uir_data.seeding import make_rng
from uir_data.taxonomy import get_type

TILE_SIDE = 512  # the sub-image size the build degrades (BasicSR-style tiles of large sources)
DEFAULT_CROP = 144
MIN_CROP = 32
# Bundled photos and the centre (row, col, in the tile) of the crop shown: a face with skin highlights
# and a white suit, and a dusk launch with a bright exhaust plume (a real light source) over dark ground.
CLOSEUP_PHOTOS: tuple[tuple[str, tuple[int, int]], ...] = (
    ("astronaut.png", (150, 250)),
    ("rocket.jpg", (350, 330)),
)


def closeup_levels(abbrev: str) -> tuple[int, ...]:
    """Lowest, middle and highest level index of a type (fewer when the grid is shorter)."""
    count = len(get_degradation(abbrev).levels)
    return tuple(sorted({0, count // 2, count - 1}))


def _tile(image: np.ndarray) -> np.ndarray:
    """The centre TILE_SIDE square of a source (all of it when smaller): what a build would degrade."""
    height, width = image.shape[:2]
    top, left = max(0, (height - TILE_SIDE) // 2), max(0, (width - TILE_SIDE) // 2)
    return np.ascontiguousarray(image[top : top + TILE_SIDE, left : left + TILE_SIDE])


def _crop(image: np.ndarray, centre: tuple[int, int], side: int) -> np.ndarray:
    height, width = image.shape[:2]
    side = min(side, height, width)
    top = min(max(0, centre[0] - side // 2), height - side)
    left = min(max(0, centre[1] - side // 2), width - side)
    return image[top : top + side, left : left + side]


def load_closeup_photos() -> list[tuple[str, np.ndarray, tuple[int, int]]]:
    """(name, tile, crop centre) of each close-up photo, from scikit-image's bundled data."""
    from uir_data.sources.bundled import bundled_data_dir

    folder = bundled_data_dir()
    return [(name, _tile(read_source(folder / name).rgb), centre) for name, centre in CLOSEUP_PHOTOS]


def render_closeup_sheet(
    abbrev: str,
    photos: Sequence[tuple[str, np.ndarray, tuple[int, int]]],
    crop: int = DEFAULT_CROP,
    seed: int = 0,
) -> np.ndarray:
    """One type's sheet (uint8 RGB): per photo, the clean crop then the crop at each close-up level."""
    degradation = get_degradation(abbrev)
    levels = closeup_levels(abbrev)
    margin, caption = 6, 18
    title_height = 2 * caption
    side = min(crop, *(min(tile.shape[:2]) for _, tile, _ in photos))
    columns = 1 + len(levels)
    width = margin + columns * (side + margin)
    height = title_height + margin + len(photos) * (caption + side + margin)
    sheet = np.empty((height, width, 3), np.uint8)
    sheet[...] = BACKGROUND
    captions: list[tuple[int, int, str]] = []
    for row, (name, tile, centre) in enumerate(photos):
        top = title_height + margin + row * (caption + side + margin) + caption
        panels = [("clean " + name.rsplit(".", 1)[0], tile)]
        for level in levels:
            rng = make_rng(seed, "closeup", abbrev, level, row)
            params = degradation.sample(rng, level, *tile.shape[:2])
            panels.append((degradation.levels[level].name, degradation.apply(tile, params)))
        for column, (label, image) in enumerate(panels):
            left = margin + column * (side + margin)
            sheet[top : top + side, left : left + side] = _crop(image, centre, side)
            captions.append((top - caption, left, label))
    canvas = Image.fromarray(sheet)
    draw = ImageDraw.Draw(canvas)
    font = label_font(caption - 5)  # leaves room for descenders above the tile
    title = f"{abbrev}: {get_type(abbrev).name}, 1:1 crops of a {TILE_SIDE}-px tile, seed {seed}"
    title_font = label_font(caption - 3)
    draw.text((margin, margin // 2), fit_text(draw, printable(title), title_font, width - 2 * margin),
              fill=INK, font=title_font)
    for y, x, label in captions:
        draw.text((x, y + 1), fit_text(draw, printable(label), font, side), fill=INK, font=font)
    return np.asarray(canvas)


def write_closeups(
    out_dir: Path,
    types: Sequence[str] | None = None,
    crop: int = DEFAULT_CROP,
    seed: int = 0,
    progress: Callable[[], None] | None = None,
) -> list[tuple[Path, int]]:
    """Write OUT_DIR/<abbrev>.png for each type, atomically; returns (path, bytes) per sheet."""
    photos = load_closeup_photos()
    written = []
    for abbrev in resolve_types(types):
        path = Path(out_dir) / f"{abbrev}.png"
        written.append((path, write_gallery(path, render_closeup_sheet(abbrev, photos, crop, seed))))
        if progress is not None:
            progress()
    return written
