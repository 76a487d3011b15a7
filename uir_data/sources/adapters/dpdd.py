"""DPDD (Canon dual-pixel defocus, ECCV'20): real defocus blur, DB (docs/datasets.md).

Source and target are *not* same-name: each carries its own capture number (1P0A0917 -> 1P0A0916). Like the
official data.py, Restormer and DRBNet, pairs are made by sorted order within a split, with a check that
the capture numbers differ by at most 3 (the official .npy lists differ by 1, rarely 2). Files are 16-bit
PNG: flagged in params.bit_depth, copied as is.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import (
    PairedFolderAdapter,
    PairedSubset,
    PairScanner,
    ScanResult,
    first_dir,
    walk_files,
)

SPLITS = ("train", "val", "test")
MAX_CAPTURE_GAP = 3
CAPTURE_NUMBER = re.compile(r"(\d+)(?:_[LR])?$")


def _capture_number(path: Path) -> int | None:
    match = CAPTURE_NUMBER.search(path.stem)
    return int(match.group(1)) if match else None


class DPDD(PairedFolderAdapter):
    name = "DPDD"
    aliases = ("dd_dp_dataset_canon", "dd_dp_dataset_png")
    license = licenses.UNSTATED + " (code MIT)"
    types = ("DB",)
    origin = "paired-real"
    homepage = "https://github.com/Abdullah-Abuolaim/defocus-deblurring-dual-pixel"
    expected_layout = (
        "dd_dp_dataset_png/{train,val,test}_c/{source,target}/<capture>.png (16-bit; source and target "
        "stems differ), or Restormer's {train,val,test}/DPDD/{inputC,target}"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for split in SPLITS:
            found = None
            for lq_dir, gt_dir in (
                (f"dd_dp_dataset_png/{split}_c/source", f"dd_dp_dataset_png/{split}_c/target"),
                (f"{split}_c/source", f"{split}_c/target"),
                (f"{split}/DPDD/inputC", f"{split}/DPDD/target"),
            ):
                if first_dir(root, lq_dir):
                    found = (lq_dir, gt_dir)
                    break
            if found:
                subsets.append(
                    PairedSubset(
                        name="DPDD",
                        lq_dir=found[0],
                        gt_dir=found[1],
                        split=split,
                        degradation="DB",
                        origin=self.origin,
                    )
                )
        return subsets

    def scan(self, root: Path, inspect: bool = True, only: frozenset[str] | None = None) -> ScanResult:
        """Pairs by sorted order per split; headers are always read, to flag the 16-bit files."""
        root = Path(root)
        self.require_layout(root)
        scanner = PairScanner(root, self.license, inspect=True)
        for subset in self.subsets(root):
            if only is not None and subset.name not in only:
                continue
            sources, _ = walk_files(root / subset.lq_dir, recursive=False)
            targets, _ = (
                walk_files(root / subset.gt_dir, recursive=False)
                if (root / subset.gt_dir).is_dir()
                else ([], [])
            )
            for extra in sources[len(targets) :] + targets[len(sources) :]:
                scanner.problem(
                    "unpaired-by-order",
                    f"DPDD {subset.split}: {len(sources)} sources but {len(targets)} targets; this file has no "
                    "partner in sorted order",
                    extra,
                )
            for source, target in zip(sources, targets, strict=False):
                source_number, target_number = _capture_number(source), _capture_number(target)
                if (
                    source_number is None
                    or target_number is None
                    or abs(source_number - target_number) > MAX_CAPTURE_GAP
                ):
                    scanner.problem(
                        "capture-gap",
                        f"DPDD {subset.split}: sorted-order partner {target.name} is not within "
                        f"{MAX_CAPTURE_GAP} captures of this source; pair left out (a file is missing?)",
                        source,
                    )
                    continue
                scanner.emit(
                    "DPDD",
                    source,
                    target,
                    group_id=f"DPDD/{subset.split}/{source.stem}",
                    split=subset.split,
                    degradation="DB",
                    origin=self.origin,
                    params={},
                )
        return scanner.finish()
