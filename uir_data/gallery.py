"""Contact sheet of every degradation type and level on one photo (`uir gallery`).

One row per type (abbrev and name on the left), one column per level with the level name under the tile;
long grids (GB's 34 levels) wrap onto continuation lines. Levels are in pixels of the image as degraded, so a
tile degrades a WORK_SIDE² square of the photo (the training-crop size) with params drawn from
make_rng(seed, abbrev, level) and shows its centre thumb x thumb pixels at 1:1. Degrading an 80-px thumbnail
would exaggerate every blur 3x, and shrinking the degraded square would hide noise and JPEG blocks; a
native-pixel crop shows every level's strength as a network sees it. Tiles can be reproduced alone.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from uir_data.atomic import write_bytes_atomic
from uir_data.degrade.registry import NotImplementedTypeError, get_degradation, implemented_types
from uir_data.errors import UirError, UsageError
from uir_data.image_io import RejectedImage, read_source
from uir_data.seeding import make_rng
from uir_data.taxonomy import UnknownDegradationError, get_type

DEFAULT_PHOTO = "astronaut.png"  # scikit-image's bundled photo (public domain, NASA)
MIN_THUMB = 32
WORK_SIDE = 256  # MaskDCPT trains on 256-px crops
# Where the 1:1 tiles look into the work square (fraction of its height, width): the astronaut's face, with
# the skin highlights that light-source handling must leave alone; other photos use the centre.
DEFAULT_FOCUS = (0.3, 0.5)
CENTRE = (0.5, 0.5)
BACKGROUND = (246, 246, 246)
INK = (20, 20, 20)
MUTED = (90, 90, 90)


@dataclass(frozen=True)
class GalleryLayout:
    """Geometry of the sheet; every size is in pixels of the output image."""

    types: tuple[str, ...]
    level_counts: tuple[int, ...]
    thumb: int
    columns: int
    margin: int
    label_width: int
    caption_height: int
    title_height: int

    @property
    def line_height(self) -> int:
        return self.thumb + self.caption_height + self.margin

    def lines(self, row: int) -> int:
        """How many lines type `row` needs (continuation lines for grids longer than `columns`)."""
        return max(1, math.ceil(self.level_counts[row] / self.columns))

    def row_top(self, row: int) -> int:
        return self.title_height + self.margin + sum(self.lines(r) for r in range(row)) * self.line_height

    def tile_origin(self, row: int, level: int) -> tuple[int, int]:
        """(y, x) of the top-left pixel of the tile of `level` in type row `row`."""
        line, column = divmod(level, self.columns)
        y = self.row_top(row) + line * self.line_height
        x = self.margin + self.label_width + column * (self.thumb + self.margin)
        return y, x

    @property
    def height(self) -> int:
        return self.row_top(len(self.types))

    @property
    def width(self) -> int:
        used = min(self.columns, max(self.level_counts, default=1))
        return self.margin + self.label_width + used * (self.thumb + self.margin)


def resolve_types(types: Sequence[str] | None) -> tuple[str, ...]:
    """Validated abbreviations in the given order (default: every implemented type, taxonomy order)."""
    if not types:
        return implemented_types()
    resolved = []
    for name in types:
        try:
            abbrev = get_type(name).abbrev
            get_degradation(abbrev)
        except UnknownDegradationError as error:
            raise UsageError(str(error)) from None
        except NotImplementedTypeError as error:
            raise UsageError(f"{error}; implemented types: {', '.join(implemented_types())}") from None
        if abbrev not in resolved:
            resolved.append(abbrev)
    return tuple(resolved)


def make_layout(types: Sequence[str], thumb: int, columns: int) -> GalleryLayout:
    """The sheet geometry for these types at this thumbnail size."""
    if thumb < MIN_THUMB:
        raise UsageError(f"--thumb must be at least {MIN_THUMB} px, got {thumb}")
    if columns < 1:
        raise UsageError(f"--columns must be at least 1, got {columns}")
    counts = tuple(len(get_degradation(abbrev).levels) for abbrev in types)
    caption = max(12, thumb // 9)
    return GalleryLayout(
        types=tuple(types),
        level_counts=counts,
        thumb=thumb,
        columns=columns,
        margin=max(4, thumb // 16),
        label_width=max(110, int(thumb * 1.5)),
        caption_height=caption,
        title_height=2 * caption,
    )


def square_thumbnail(image: np.ndarray, thumb: int) -> np.ndarray:
    """Centre square crop, area-resized to thumb × thumb."""
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    crop = image[top : top + side, left : left + side]
    interpolation = cv2.INTER_AREA if side >= thumb else cv2.INTER_CUBIC
    return np.ascontiguousarray(cv2.resize(crop, (thumb, thumb), interpolation=interpolation))


def focus_crop(image: np.ndarray, side: int, focus: tuple[float, float] = CENTRE) -> np.ndarray:
    """side x side pixels of an image at least that large, centred on `focus` (fractions of height, width)."""
    height, width = image.shape[:2]
    top = min(max(0, round(focus[0] * height) - side // 2), height - side)
    left = min(max(0, round(focus[1] * width) - side // 2), width - side)
    return np.ascontiguousarray(image[top : top + side, left : left + side])


def degrade_tile(
    work: np.ndarray, abbrev: str, level: int, seed: int, thumb: int, focus: tuple[float, float] = CENTRE
) -> np.ndarray:
    """The tile of (abbrev, level): params from make_rng(seed, abbrev, level) applied to the work square,
    then thumb x thumb of its pixels at 1:1 around `focus`."""
    degradation = get_degradation(abbrev)
    params = degradation.sample(make_rng(seed, abbrev, level), level, *work.shape[:2])
    return focus_crop(degradation.apply(work, params), thumb, focus)


def label_font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def printable(text: str) -> str:
    """Drop accents the bundled font has no glyphs for (Moiré -> Moire)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fit_text(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Truncate `text` with an ellipsis so it fits in `width` px."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and draw.textlength(f"{lines[-1]} {word}", font=font) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(fit_text(draw, word, font, width))
    return lines


def render_gallery(image: np.ndarray, types: Sequence[str] | None = None, seed: int = 0, thumb: int = 128,
                   columns: int = 12, title: str = "", progress: Callable[[], None] | None = None,
                   focus: tuple[float, float] = CENTRE) -> tuple[np.ndarray, GalleryLayout]:
    """The labelled contact sheet (uint8 RGB) and its layout; `progress` is called once per tile."""
    layout = make_layout(resolve_types(types), thumb, columns)
    sheet = np.empty((layout.height, layout.width, 3), np.uint8)
    sheet[...] = BACKGROUND
    work = square_thumbnail(image, max(thumb, WORK_SIDE))
    for row, abbrev in enumerate(layout.types):
        for level in range(layout.level_counts[row]):
            y, x = layout.tile_origin(row, level)
            sheet[y : y + thumb, x : x + thumb] = degrade_tile(work, abbrev, level, seed, thumb, focus)
            if progress is not None:
                progress()
    canvas = Image.fromarray(sheet)
    draw = ImageDraw.Draw(canvas)
    caption_font = label_font(max(9, layout.caption_height - 3))
    name_font = label_font(max(10, layout.caption_height - 1))
    abbrev_font = label_font(max(14, thumb // 5))
    if title:
        draw.text((layout.margin, layout.margin // 2), fit_text(draw, printable(title), name_font, layout.width - 2 * layout.margin),
                  fill=INK, font=name_font)
    text_width = layout.label_width - layout.margin
    for row, abbrev in enumerate(layout.types):
        top = layout.row_top(row)
        if row:
            separator = top - layout.margin // 2 - 1
            draw.line([(layout.margin, separator), (layout.width - layout.margin, separator)], fill=(200, 200, 200))
        draw.text((layout.margin, top), abbrev, fill=INK, font=abbrev_font)
        name_top = top + int(abbrev_font.size * 1.3)
        for line in _wrap(draw, printable(get_type(abbrev).name), name_font, text_width):
            draw.text((layout.margin, name_top), line, fill=MUTED, font=name_font)
            name_top += int(name_font.size * 1.2)
        degradation = get_degradation(abbrev)
        for level, spec in enumerate(degradation.levels):
            y, x = layout.tile_origin(row, level)
            draw.text((x, y + thumb + 1), fit_text(draw, printable(spec.name), caption_font, thumb), fill=INK, font=caption_font)
    return np.asarray(canvas), layout


def load_photo(path: Path | None) -> tuple[np.ndarray, str]:
    """(RGB uint8, display name) of the gallery photo: `path`, or scikit-image's bundled astronaut."""
    if path is None:
        from uir_data.sources.bundled import bundled_data_dir

        path, name = bundled_data_dir() / DEFAULT_PHOTO, f"scikit-image {DEFAULT_PHOTO}"
    else:
        name = Path(path).name
    try:
        return read_source(Path(path), min_side=MIN_THUMB).rgb, name
    except RejectedImage as error:
        raise UirError(f"cannot use {path} as the gallery photo: {error.reason}") from None


def write_gallery(out: Path, sheet: np.ndarray) -> int:
    """Write the sheet as a maximally compressed PNG, atomically; returns the file size in bytes."""
    if Path(out).suffix.lower() != ".png":
        raise UsageError(f"the gallery is written as PNG; name the output *.png, got {out}")
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9])
    if not ok:
        raise UirError(f"PNG encoding of the gallery failed for {out}")
    data = buffer.tobytes()
    write_bytes_atomic(Path(out), data)
    return len(data)
