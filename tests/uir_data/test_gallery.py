"""The contact sheet: geometry, reproducible tiles, clear errors, atomic PNG output."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from uir_data.degrade.registry import get_degradation
from uir_data.errors import UirError, UsageError
from uir_data.gallery import load_photo, render_gallery, resolve_types, square_thumbnail, write_gallery
from uir_data.seeding import make_rng


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return load_photo(None)[0]


def test_sheet_size_follows_the_grid_geometry(photo):
    sheet, layout = render_gallery(photo, ["RS", "H"], seed=0, thumb=48, columns=5)
    # thumb 48: margin max(4, 48 // 16) = 4, caption max(12, 48 // 9) = 12, title 2 * 12, label column 110.
    assert (layout.margin, layout.caption_height, layout.title_height, layout.label_width) == (4, 12, 24, 110)
    lines = 2 + 5  # RS: 8 levels on 2 lines of 5; H: 21 levels on 5 lines (continuation lines)
    assert sheet.shape == (24 + 4 + lines * (48 + 12 + 4), 4 + 110 + 5 * (48 + 4), 3)
    assert sheet.dtype == np.uint8
    # Level 7 of H sits on its second line, third column.
    assert layout.tile_origin(1, 7) == (24 + 4 + (2 + 1) * 64, 4 + 110 + 2 * 52)


def test_a_tile_is_a_native_pixel_crop_of_a_degraded_training_size_square(photo):
    sheet, layout = render_gallery(photo, ["RS", "MR"], seed=7, thumb=48, columns=4)
    work = square_thumbnail(photo, 256)  # levels act on a training-crop-size image, not on the thumbnail
    moire = get_degradation("MR")
    expected = moire.apply(work, moire.sample(make_rng(7, "MR", 5), 5, 256, 256))[104:152, 104:152]  # 1:1
    y, x = layout.tile_origin(1, 5)
    assert np.array_equal(sheet[y : y + 48, x : x + 48], expected)
    other_seed, _ = render_gallery(photo, ["RS", "MR"], seed=8, thumb=48, columns=4)
    assert not np.array_equal(other_seed[y : y + 48, x : x + 48], expected)
    # Captions are drawn under the tile, not over it: the caption strip differs from the background.
    assert sheet[y + 48 : y + 48 + layout.caption_height, x : x + 48].min() < 100


def test_unknown_or_bad_requests_give_one_clear_error(tmp_path, photo):
    with pytest.raises(UsageError, match="unknown degradation type 'XX'"):
        resolve_types(["GN", "XX"])
    assert resolve_types(["rs", "GN", "RS"]) == ("RS", "GN")
    with pytest.raises(UsageError, match="--thumb must be at least"):
        render_gallery(photo, ["GN"], thumb=8)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(UirError, match="broken.png"):
        load_photo(broken)
    with pytest.raises(UsageError, match=r"\*\.png"):
        write_gallery(tmp_path / "sheet.jpg", photo)


def test_written_png_decodes_to_the_sheet_and_leaves_no_temp(tmp_path, photo):
    sheet, _ = render_gallery(photo, ["J"], seed=1, thumb=40, columns=6)
    out = tmp_path / "docs" / "gallery.png"
    size = write_gallery(out, sheet)
    assert out.stat().st_size == size
    decoded = cv2.cvtColor(cv2.imread(str(out), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    assert np.array_equal(decoded, sheet)
    assert [p.name for p in out.parent.iterdir()] == ["gallery.png"]


def test_closeup_sheet_shows_native_pixel_crops_of_the_degraded_tile():
    from uir_data.closeups import _crop, closeup_levels, load_closeup_photos, render_closeup_sheet

    assert closeup_levels("J") == (0, 6, 11) and closeup_levels("RD") == (0, 3, 5)
    photos = load_closeup_photos()
    assert [min(tile.shape[:2]) for _, tile, _ in photos] == [512, 427]  # tiles are never resampled
    sheet = render_closeup_sheet("J", photos, crop=64, seed=5)
    # margin 6, caption 18, title 36: 4 columns of 64, 2 rows of caption + 64.
    assert sheet.shape == (36 + 6 + 2 * (18 + 64 + 6), 6 + 4 * (64 + 6), 3)
    jpeg = get_degradation("J")
    name, tile, centre = photos[1]
    top, left = 36 + 6 + 1 * (18 + 64 + 6) + 18, 6 + 3 * (64 + 6)
    params = jpeg.sample(make_rng(5, "closeup", "J", 11, 1), 11, *tile.shape[:2])
    expected = _crop(jpeg.apply(tile, params), centre, 64)
    assert np.array_equal(sheet[top : top + 64, left : left + 64], expected)
    clean_left = 6
    assert np.array_equal(sheet[top : top + 64, clean_left : clean_left + 64], _crop(tile, centre, 64))
