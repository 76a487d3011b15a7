"""One LQ|GT example image per degradation type for the dataset card (assets/examples/<TYPE>.jpg)."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pyarrow as pa

from uir_data.image_io import decode_rgb
from uir_data.manifest import SPLITS
from uir_data.taxonomy import ABBREVS

EXAMPLE_HEIGHT = 160  # small enough for a card table row, large enough to see the degradation
GAP = 4  # white pixels between LQ and GT
JPEG_QUALITY = 90


def example_rows(table: pa.Table) -> dict[str, int]:
    """Type -> the row shown for it: the first sample_id of the earliest split (train first), per type."""
    order = {split: index for index, split in enumerate(SPLITS)}
    best: dict[str, tuple[int, str, int]] = {}
    columns = zip(*(table.column(c).to_pylist() for c in ("degradation", "split", "sample_id")), strict=True)
    for row, (degradation, split, sample_id) in enumerate(columns):
        key = (order.get(split, len(order)), sample_id, row)
        if degradation not in best or key < best[degradation]:
            best[degradation] = key
    return {t: best[t][2] for t in sorted(best, key=lambda t: (ABBREVS.index(t) if t in ABBREVS else 99, t))}


def _fit_height(rgb: np.ndarray) -> np.ndarray:
    height, width = rgb.shape[:2]
    size = (max(1, round(width * EXAMPLE_HEIGHT / height)), EXAMPLE_HEIGHT)
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA if height > EXAMPLE_HEIGHT else cv2.INTER_CUBIC)


def side_by_side(lq: bytes, gt: bytes) -> bytes | None:
    """JPEG bytes of LQ and GT next to each other at EXAMPLE_HEIGHT; None when either does not decode."""
    images = [decode_rgb(data) for data in (lq, gt)]
    if any(image is None for image in images):
        return None
    left, right = (_fit_height(image) for image in images)
    gap = np.full((EXAMPLE_HEIGHT, GAP, 3), 255, np.uint8)
    joined = np.concatenate([left, gap, right], axis=1)
    ok, buffer = cv2.imencode(".jpg", cv2.cvtColor(joined, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    return buffer.tobytes() if ok else None


def make_examples(table: pa.Table, read: Callable[[str, int], bytes]) -> dict[str, bytes]:
    """Type -> example JPEG, reading images with read(kind, row) ('lq' or 'gt'); types that fail are left out."""
    examples = {}
    for degradation, row in example_rows(table).items():
        image = side_by_side(read("lq", row), read("gt", row))
        if image is not None:
            examples[degradation] = image
    return examples
