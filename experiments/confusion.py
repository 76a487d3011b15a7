"""Confusion matrix of a pre-training checkpoint's degradation classifier on one split.

    python -m experiments.confusion RUN --manifest DIR [--split val] [--crop 128]

`uir evaluate` reports accuracy per type; this says what each type is mistaken for, with the same masked
input and evaluation masks (keyed by row) as `uir evaluate`.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

from maskdcpt.data import center_crop, open_index, to_chw_float
from maskdcpt.evaluate import load_restorer


def confusion(run: Path, manifests: list[Path], split: str, crop: int) -> dict[str, dict[str, int]]:
    """{true type: {predicted type: count}} over every pair of the split."""
    restorer = load_restorer(run)
    if restorer.classes is None:
        raise SystemExit(f"{run}: not a pre-training checkpoint (it has no classifier)")
    restorer.to(torch.device("cpu"))
    index = open_index(manifests, split)
    counts: dict[str, dict[str, int]] = {}
    for row in range(len(index)):
        lq, _ = index.read_pair(row)
        lq = center_crop(lq, crop) if crop else lq
        _, logits = restorer(torch.from_numpy(to_chw_float(lq))[None], key=row)
        predicted = restorer.classes.names[int(logits.argmax(1)[0])]
        row_counts = counts.setdefault(index.degradations[row], {})
        row_counts[predicted] = row_counts.get(predicted, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="pre-training run folder or checkpoint")
    parser.add_argument("--manifest", type=Path, action="append", required=True)
    parser.add_argument("--split", default="val")
    parser.add_argument("--crop", type=int, default=128, help="centre crop, as the training loop's evaluation")
    args = parser.parse_args(argv)
    counts = confusion(args.run, args.manifest, args.split, args.crop)
    names = sorted({p for row in counts.values() for p in row} | set(counts))
    print("| true \\ predicted | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for true in sorted(counts):
        print(f"| {true} | " + " | ".join(str(counts[true].get(p, 0)) for p in names) + " |")
    print(json.dumps(counts), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
