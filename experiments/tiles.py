"""Clean photos -> non-overlapping tiles, split into train/val/test by source photo.

Wallpaper packages ship a few dozen photographs, far fewer than the 300 clean training images the
experiment needs, so each photo is downscaled and cut into several tiles. Tiles of one photo are near
duplicates in content, so the split is decided per photo, never per tile: no test tile shares a photo
with a training tile.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from uir_data.image_io import decode_source, encode_png
from uir_data.sources.base import list_images

SPLITS = ("train", "val", "test")


@dataclass(frozen=True)
class TileSpec:
    tile: int = 256  # pixels; the fine-tune evaluation scores whole tiles
    short_side: int = 1024  # photos are area-downscaled to this short side first (sharper, more texture per tile)
    min_std: float = 4.0  # grey-level std (0-255) below which a tile is flat (clear sky, a blank wall) and dropped
    max_tiles_per_photo: int = 24  # so one large photo cannot dominate the training set
    held_out_tiles_per_photo: int = 4  # val/test: evaluation is the costly part on 2 shared cores


def split_photos(names: list[str], fractions: dict[str, float], seed: int = 0) -> dict[str, str]:
    """Deterministic photo -> split, ranked by a hash of (seed, name); test and val get at least one photo each."""
    ranked = sorted(names, key=lambda n: hashlib.sha256(f"{seed}/{n}".encode()).hexdigest())
    assignment: dict[str, str] = {}
    position = 0
    for split in ("test", "val"):
        count = max(1, round(fractions.get(split, 0.0) * len(ranked))) if fractions.get(split, 0.0) > 0 else 0
        for name in ranked[position : position + count]:
            assignment[name] = split
        position += count
    for name in ranked[position:]:
        assignment[name] = "train"
    return assignment


def cut_tiles(rgb: np.ndarray, spec: TileSpec, max_tiles: int) -> list[tuple[str, np.ndarray]]:
    """(name, tile) for at most max_tiles non-flat, non-overlapping tiles of one photo, centred on it."""
    height, width = rgb.shape[:2]
    scale = spec.short_side / min(height, width)
    if scale < 1:
        rgb = cv2.resize(rgb, (round(width * scale), round(height * scale)), interpolation=cv2.INTER_AREA)
        height, width = rgb.shape[:2]
    rows, cols = height // spec.tile, width // spec.tile
    top, left = (height - rows * spec.tile) // 2, (width - cols * spec.tile) // 2
    tiles = []
    for row in range(rows):
        for col in range(cols):
            y, x = top + row * spec.tile, left + col * spec.tile
            tile = rgb[y : y + spec.tile, x : x + spec.tile]
            if cv2.cvtColor(tile, cv2.COLOR_RGB2GRAY).std() < spec.min_std:
                continue
            tiles.append((f"r{row}c{col}", np.ascontiguousarray(tile)))
    if len(tiles) > max_tiles:  # keep an even spread over the photo, not its top rows
        keep = np.linspace(0, len(tiles) - 1, max_tiles).round().astype(int)
        tiles = [tiles[i] for i in keep]
    return tiles


def make_tiles(photos: Path, out: Path, fractions: dict[str, float], spec: TileSpec = TileSpec(),
               seed: int = 0) -> dict[str, dict[str, int]]:
    """Write out/{split}/{photo}/{tile}.png and out/tiles.json; returns {split: {photo: tile count}}.

    Idempotent: a finished out/tiles.json with the same inputs is reused as is.
    """
    files = list_images(photos)
    if not files:
        raise SystemExit(f"{photos}: no photos found (png, jpg, bmp, tif, webp; searched recursively)")
    names = [f.relative_to(photos).with_suffix("").as_posix().replace("/", "_") for f in files]
    if len(set(names)) != len(names):
        raise SystemExit(f"{photos}: two photos map to the same name once extensions are dropped; rename one")
    key = {"photos": [f.relative_to(photos).as_posix() for f in files], "fractions": fractions,
           "spec": spec.__dict__, "seed": seed}
    index_file = out / "tiles.json"
    if index_file.is_file():
        index = json.loads(index_file.read_text())
        if index.get("key") == key:
            return index["counts"]
        raise SystemExit(f"{out}: holds tiles of other photos or settings; remove it or pass another --out")
    assignment = split_photos(names, fractions, seed)
    counts: dict[str, dict[str, int]] = {split: {} for split in SPLITS}
    for file, name in zip(files, names, strict=True):
        decoded = decode_source(file.read_bytes())
        split = assignment[name]
        cap = spec.max_tiles_per_photo if split == "train" else spec.held_out_tiles_per_photo
        tiles = cut_tiles(decoded.rgb, spec, cap)
        folder = out / split / name
        folder.mkdir(parents=True, exist_ok=True)
        for tile_name, tile in tiles:
            (folder / f"{tile_name}.png").write_bytes(encode_png(tile))
        counts[split][name] = len(tiles)
    index_file.write_text(json.dumps({"key": key, "counts": counts}, indent=1))
    return counts
