"""Synthetic snow sets, S: Snow100K, SRRS and CSD (docs/datasets.md).

- Snow100K: the training tarball extracts to all/{synthetic,gt,mask}; the test tarball keeps its author's
  absolute path media/jdway/GameSSD/overlapping/test/Snow100K-{S,M,L}/ (many repos move it to test/).
  The 1,329 realistic images have no GT and are not indexed.
- CSD: {Train,Test}/{Snow,Gt,Mask}/<n>.tif, same names.
- SRRS: the widely used c-yn repackage {train2500,test2000}/{Snow,Gt}; its GT extension differs from the
  snow file's, which stem matching absorbs. The same repackage has CSD subsets of that shape too.
Masks are auxiliary, never LQ.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, first_dir

SNOW100K_TEST_ROOTS = ("media/jdway/GameSSD/overlapping/test", "test", "Snow100K-testset", ".")
CYN_FOLDERS = (("train2500", "train"), ("test2000", "test"))


def _snow(name: str, lq_dir: str, gt_dir: str, split: str) -> PairedSubset:
    return PairedSubset(
        name=name, lq_dir=lq_dir, gt_dir=gt_dir, split=split, degradation="S", origin="paired-synthetic"
    )


class Snow100K(PairedFolderAdapter):
    name = "Snow100K"
    aliases = ("Snow100k", "DesnowNet")
    license = licenses.UNSTATED
    types = ("S",)
    origin = "paired-synthetic"
    homepage = "https://sites.google.com/view/yunfuliu/desnownet"
    expected_layout = (
        "all/{synthetic,gt}/<name>.jpg (training tarball) and "
        "media/jdway/GameSSD/overlapping/test/Snow100K-{S,M,L}/{synthetic,gt}/ (test tarball, or test/...)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        train = first_dir(root, "all", "Snow100K-training/all", "train")
        if train:
            subsets.append(_snow("Snow100K", f"{train}/synthetic", f"{train}/gt", "train"))
        for test_root in SNOW100K_TEST_ROOTS:
            tests = [
                _snow(
                    f"Snow100K-{size}",
                    f"{test_root}/Snow100K-{size}/synthetic",
                    f"{test_root}/Snow100K-{size}/gt",
                    "test",
                )
                for size in ("S", "M", "L")
                if (root / test_root / f"Snow100K-{size}" / "synthetic").is_dir()
            ]
            if tests:
                return subsets + tests
        return subsets


class CSD(PairedFolderAdapter):
    name = "CSD"
    aliases = ("HDCW-Net",)
    license = licenses.MIT
    types = ("S",)
    origin = "paired-synthetic"
    homepage = "https://github.com/weitingchen83/ICCV2021-Single-Image-Desnowing-HDCWNet"
    expected_layout = "{Train,Test}/{Snow,Gt,Mask}/<n>.tif (or c-yn's {train2500,test2000}/{Snow,Gt})"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        folders = (("Train", "train"), ("Test", "test")) + CYN_FOLDERS
        return [
            _snow("CSD", f"{folder}/Snow", f"{folder}/Gt", split)
            for folder, split in folders
            if (root / folder / "Snow").is_dir()
        ]


class SRRS(PairedFolderAdapter):
    name = "SRRS"
    aliases = ("JSTASR",)
    license = licenses.UNSTATED
    types = ("S",)
    origin = "paired-synthetic"
    homepage = "https://github.com/weitingchen83/JSTASR-DesnowNet-ECCV-2020"
    expected_layout = (
        "{train2500,test2000}/{Snow,Gt}/ (c-yn repackage; GT extension may differ) or {Snow,Gt}/"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = [
            _snow("SRRS", f"{folder}/Snow", f"{folder}/Gt", split)
            for folder, split in CYN_FOLDERS
            if (root / folder / "Snow").is_dir()
        ]
        if not subsets and (root / "Snow").is_dir():
            subsets.append(_snow("SRRS", "Snow", "Gt", "train"))
        return subsets
