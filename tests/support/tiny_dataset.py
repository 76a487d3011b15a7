"""A small schema-v1 dataset root written with real codecs, for the hub tests (loaded by file path).

Three clean 48x64 images (one per split), each degraded by GN (PNG) and J (JPEG) at two levels, so the GT
files are shared by several LQs, exactly like a build.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import numpy as np

from uir_data.manifest import rows_to_table, write_table

SPLITS = ("train", "val", "test")


def _encode(rgb: np.ndarray, ext: str) -> bytes:
    ok, buffer = cv2.imencode(ext, cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    assert ok
    return buffer.tobytes()


def make_tiny_dataset(
    root: Path, *, height: int = 48, width: int = 64, images: int = 3, license_text: str = "CC0-1.0 (test pattern)"
) -> Path:
    """Write images + manifest/part-00000.parquet + recipe.json under root; returns root."""
    rng = np.random.default_rng(7)
    rows = []
    for index in range(images):
        split = SPLITS[index % len(SPLITS)]
        yy, xx = np.mgrid[0:height, 0:width]
        gt = np.stack([(xx * 4 + index * 40) % 256, (yy * 5) % 256, ((xx + yy) * 3) % 256], -1).astype(np.uint8)
        gt_bytes = _encode(gt, ".png")
        gt_path = f"gt/img{index}.png"
        (root / "gt").mkdir(parents=True, exist_ok=True)
        (root / gt_path).write_bytes(gt_bytes)
        for degradation, label, ext in (("GN", 0, ".png"), ("J", 5, ".jpg")):
            for level in (0, 3):
                if degradation == "GN":
                    noise = rng.normal(0, 5 + 10 * level, gt.shape)
                    lq = np.clip(gt + noise, 0, 255).astype(np.uint8)
                    lq_bytes = _encode(lq, ext)
                    params = {"sigma": 5 + 10 * level}
                else:
                    quality = 90 - 20 * level
                    ok, buf = cv2.imencode(ext, cv2.cvtColor(gt, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
                    lq_bytes = buf.tobytes()
                    params = {"quality": quality}
                sample_id = f"tiny/img{index}/{degradation}/L{level}"
                lq_path = f"lq/{degradation}/img{index}_L{level}{ext}"
                (root / lq_path).parent.mkdir(parents=True, exist_ok=True)
                (root / lq_path).write_bytes(lq_bytes)
                rows.append(
                    {
                        "sample_id": sample_id,
                        "split": split,
                        "degradation": degradation,
                        "label": label,
                        "components": [degradation],
                        "level": level,
                        "params": json.dumps(params),
                        "origin": "generated",
                        "source_dataset": "tiny",
                        "source_path": f"img{index}.png",
                        "group_id": f"tiny/img{index}",
                        "license": license_text,
                        "lq_path": lq_path,
                        "gt_path": gt_path,
                        "height": height,
                        "width": width,
                        "lq_sha256": hashlib.sha256(lq_bytes).hexdigest(),
                        "gt_sha256": hashlib.sha256(gt_bytes).hexdigest(),
                        "lq_bytes": len(lq_bytes),
                        "gt_bytes": len(gt_bytes),
                        "seed": 1000 + len(rows),
                    }
                )
    table = rows_to_table(rows, recipe_name="tiny", recipe_hash="0123456789abcdef")
    write_table(table, root / "manifest" / "part-00000.parquet")
    (root / "recipe.json").write_text(json.dumps({"name": "tiny", "seed": 0}), encoding="utf-8")
    return root
