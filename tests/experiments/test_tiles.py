"""experiments/tiles.py: photos -> tiles, split by source photo, flat tiles dropped."""

from __future__ import annotations

import cv2
import numpy as np

from experiments.tiles import TileSpec, cut_tiles, make_tiles, split_photos


def textured(seed: int, height: int, width: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.resize(rng.integers(0, 256, (height // 8, width // 8, 3), dtype=np.uint8), (width, height))


def test_split_is_by_photo_deterministic_and_keeps_every_split():
    names = [f"photo{i}" for i in range(20)]
    split = split_photos(names, {"train": 0.7, "val": 0.1, "test": 0.2})
    assert split == split_photos(list(reversed(names)), {"train": 0.7, "val": 0.1, "test": 0.2})
    counts = {s: sum(v == s for v in split.values()) for s in ("train", "val", "test")}
    assert counts == {"train": 14, "val": 2, "test": 4}
    assert split != split_photos(names, {"train": 0.7, "val": 0.1, "test": 0.2}, seed=1)
    few = split_photos(["a", "b", "c"], {"train": 0.9, "val": 0.05, "test": 0.05})
    assert sorted(few.values()) == ["test", "train", "val"]  # a held-out split never ends up empty


def test_tiles_do_not_overlap_and_flat_ones_are_dropped():
    photo = textured(0, 300, 560)
    photo[:, :280] = 128  # the left half is a flat wall
    spec = TileSpec(tile=64, short_side=300, min_std=4.0)
    tiles = dict(cut_tiles(photo, spec, max_tiles=100))
    # 4 x 8 grid centred in 300 x 560 (offsets 22, 24); only tiles right of x = 280 are textured
    assert set(tiles) == {f"r{r}c{c}" for r in range(4) for c in range(4, 8)}
    assert np.array_equal(tiles["r1c5"], photo[22 + 64 : 22 + 128, 24 + 320 : 24 + 384])
    capped = cut_tiles(photo, spec, max_tiles=3)
    assert [name for name, _ in capped] == ["r0c4", "r2c4", "r3c7"]  # spread over the photo, not its first row


def test_make_tiles_puts_every_tile_of_a_photo_in_one_split(tmp_path):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(8):
        cv2.imwrite(str(photos / f"p{i}.png"), textured(i, 200, 300))
    spec = TileSpec(tile=64, short_side=128, max_tiles_per_photo=6, held_out_tiles_per_photo=2)
    counts = make_tiles(photos, tmp_path / "tiles", {"train": 0.5, "val": 0.25, "test": 0.25}, spec)
    # 128 x 192 after downscaling: 2 x 3 tiles per photo, capped at 2 in the held-out splits
    assert {split: len(photos) for split, photos in counts.items()} == {"train": 4, "val": 2, "test": 2}
    assert all(n == (6 if split == "train" else 2) for split, per in counts.items() for n in per.values())
    on_disk = {path.parent.name: path.parent.parent.name for path in (tmp_path / "tiles").rglob("*.png")}
    assert len(on_disk) == 8 and all(name in counts[split] for name, split in on_disk.items())
    tile = cv2.imread(str(next((tmp_path / "tiles" / "train").rglob("*.png"))))
    assert tile.shape == (64, 64, 3)
    assert make_tiles(photos, tmp_path / "tiles", {"train": 0.5, "val": 0.25, "test": 0.25}, spec) == counts
