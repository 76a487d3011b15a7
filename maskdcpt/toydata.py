"""A tiny, procedurally generated paired dataset (schema v1) for smoke tests, benchmarks and the docs.

Not a substitute for `uir build-dataset`: five cheap, easily told-apart degradations of synthetic
scenes, so a tiny network can show in seconds that losses fall and classification beats chance.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

from uir_data.atomic import write_bytes_atomic
from uir_data.manifest import MANIFEST_DIRNAME, rows_to_table, write_table
from uir_data.taxonomy import BY_ABBREV

TOY_TYPES = ("GN", "GB", "J", "H", "LL")


def synthetic_scene(rng: np.random.Generator, height: int, width: int) -> np.ndarray:
    """A smooth colour gradient with random rectangles and discs: edges that blur and JPEG visibly change."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    base = rng.uniform(0.2, 0.8, 3) + rng.uniform(-0.3, 0.3, 3) * (x / width)[..., None] \
        + rng.uniform(-0.3, 0.3, 3) * (y / height)[..., None]
    image = np.clip(base, 0, 1)
    for _ in range(int(rng.integers(3, 7))):
        color = rng.uniform(0, 1, 3)
        if rng.random() < 0.5:
            top, left = rng.integers(0, height), rng.integers(0, width)
            image[top : top + int(rng.integers(6, 30)), left : left + int(rng.integers(6, 30))] = color
        else:
            cy, cx, radius = rng.uniform(0, height), rng.uniform(0, width), rng.uniform(4, 16)
            image[(y - cy) ** 2 + (x - cx) ** 2 < radius**2] = color
    return (image * 255 + 0.5).astype(np.uint8)


def degrade(gt: np.ndarray, abbrev: str, rng: np.random.Generator) -> np.ndarray:
    """One of the toy degradations of an RGB uint8 image."""
    image = gt.astype(np.float32)
    if abbrev == "GN":
        image = image + rng.normal(0, 25, image.shape)  # sigma 25, the 5D benchmark's middle level
    elif abbrev == "GB":
        image = cv2.GaussianBlur(image, (0, 0), 2.0)
    elif abbrev == "J":
        ok, data = cv2.imencode(".jpg", cv2.cvtColor(gt, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 10])
        return cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    elif abbrev == "H":
        transmission = 0.5
        image = image * transmission + 220 * (1 - transmission)  # uniform haze, atmospheric light 220
    elif abbrev == "LL":
        image = 255 * (image / 255) ** 2.5 * 0.35
    else:
        raise ValueError(f"toy dataset has no degradation {abbrev!r}")
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)


def _png(image: np.ndarray) -> bytes:
    ok, data = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    assert ok
    return data.tobytes()


def write_toy_dataset(
    root: Path,
    *,
    scenes: int = 12,
    types: tuple[str, ...] = TOY_TYPES,
    sizes: tuple[int, int] = (48, 96),
    val_scenes: int = 2,
    seed: int = 0,
) -> Path:
    """Write `scenes` clean scenes x `types` pairs under root (images + manifest/part-00000.parquet)."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    rows = []
    for scene in range(scenes):
        height, width = (int(v) for v in rng.integers(sizes[0], sizes[1] + 1, 2))
        gt = synthetic_scene(rng, height, width)
        gt_bytes = _png(gt)
        gt_path = f"gt/scene{scene:03d}.png"
        write_bytes_atomic(root / gt_path, gt_bytes)
        split = "val" if scene < val_scenes else "train"
        for abbrev in types:
            lq_bytes = _png(degrade(gt, abbrev, rng))
            lq_path = f"lq/{abbrev}/scene{scene:03d}.png"
            write_bytes_atomic(root / lq_path, lq_bytes)
            kind = BY_ABBREV[abbrev]
            rows.append({
                "sample_id": f"toy-{abbrev}-{scene:03d}", "split": split, "degradation": abbrev,
                "label": kind.label, "components": list(kind.components), "level": 0,
                "params": json.dumps({}), "origin": "generated", "source_dataset": "toy",
                "source_path": gt_path, "group_id": f"scene{scene:03d}", "license": "CC0-1.0",
                "lq_path": lq_path, "gt_path": gt_path, "height": height, "width": width,
                "lq_sha256": hashlib.sha256(lq_bytes).hexdigest(), "gt_sha256": hashlib.sha256(gt_bytes).hexdigest(),
                "lq_bytes": len(lq_bytes), "gt_bytes": len(gt_bytes), "seed": seed,
            })
    write_table(rows_to_table(rows, "toy", "0" * 16), root / MANIFEST_DIRNAME / "part-00000.parquet")
    return root
