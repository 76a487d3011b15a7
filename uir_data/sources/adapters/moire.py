"""Moiré sets, MR, all real screen recaptures (docs/datasets.md).

- RDNet (TMM'22; UIR-2.5M's MR source): {trainset,testset}/{moire_RGB,gt_RGB}; names `<id>_m` -> `<id>_gt`
  (the raw-domain loader's convention), falling back to identical names (MaskDCPT's copy). Raw .npz
  folders are not indexed.
- TIP2018: {trainData,testData}/{source,target}, `<id>_source` -> `<id>_target`.
- FHDMi: {train,test}/{source,target}, `src_<n>` -> `tar_<n>`.
- UHDM: device folders under {train,test} holding `<n>_moire.jpg` beside `<n>_gt.jpg`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import (
    SAME_NAME,
    PairedFolderAdapter,
    PairedSubset,
    PairRule,
    first_dir,
)


def _moire(
    name: str, lq_dir: str, gt_dir: str, split: str, rules: tuple[PairRule, ...], **extra
) -> PairedSubset:
    return PairedSubset(
        name=name,
        lq_dir=lq_dir,
        gt_dir=gt_dir,
        split=split,
        degradation="MR",
        origin="paired-real",
        rules=rules,
        **extra,
    )


class RDNet(PairedFolderAdapter):
    name = "RDNet"
    aliases = ("raw_moire_image_dataset", "TMM22-moire")
    license = licenses.CC_BY_NC_SA_4 + " (academic use only)"
    types = ("MR",)
    origin = "paired-real"
    homepage = "https://github.com/tju-chengyijia/RDNet"
    expected_layout = (
        "[data/]{trainset,testset}/{moire_RGB,gt_RGB}/ (<id>_m.png -> <id>_gt.png, or same names)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        base = first_dir(root, "data/trainset", "trainset", "data/testset", "testset")
        prefix = "data/" if base and base.startswith("data/") else ""
        return [
            _moire(
                "RDNet",
                f"{prefix}{folder}/moire_RGB",
                f"{prefix}{folder}/gt_RGB",
                split,
                (PairRule(r"(?P<id>.+)_m", "{id}_gt"), SAME_NAME),
            )
            for folder, split in (("trainset", "train"), ("testset", "test"))
        ]


class TIP2018(PairedFolderAdapter):
    name = "TIP2018"
    aliases = ("TIP18-moire",)
    license = licenses.UNSTATED
    types = ("MR",)
    origin = "paired-real"
    homepage = "https://github.com/ZhengJun-AI/MoirePhotoRestoration-MCNN"
    expected_layout = "{trainData,testData}/{source,target}/<id>_source.png -> <id>_target.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            _moire(
                "TIP2018",
                f"{folder}/source",
                f"{folder}/target",
                split,
                (PairRule(r"(?P<id>.+)_source", "{id}_target"),),
            )
            for folder, split in (("trainData", "train"), ("testData", "test"))
        ]


class FHDMi(PairedFolderAdapter):
    name = "FHDMi"
    aliases = ()
    license = licenses.UNSTATED
    types = ("MR",)
    origin = "paired-real"
    homepage = "https://github.com/PKU-IMRE/FHDe2Net"
    expected_layout = "{train,test}/{source,target}/src_<5 digits>.png -> tar_<5 digits>.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            _moire(
                "FHDMi",
                f"{split}/source",
                f"{split}/target",
                split,
                (PairRule(r"src_(?P<n>\d+)", "tar_{n}"),),
            )
            for split in ("train", "test")
        ]


class UHDM(PairedFolderAdapter):
    name = "UHDM"
    aliases = ("ESDNet",)
    license = licenses.UNSTATED + " (code Apache-2.0)"
    types = ("MR",)
    origin = "paired-real"
    homepage = "https://github.com/CVMI-Lab/UHDM"
    expected_layout = "{train,test}/<device folder>/<NNNN>_moire.jpg beside <NNNN>_gt.jpg"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            _moire(
                "UHDM",
                folder,
                folder,
                split,
                (PairRule(r"(?P<dir>(?:.*/)?)(?P<n>\d{4})_moire", "{dir}{n}_gt"),),
                gt_pattern=r"(?:.*/)?\d{4}_gt",
            )
            for folder, split in (
                ("train", "train"),
                ("test", "test"),
                ("uhdm_train", "train"),
                ("uhdm_test", "test"),
            )
        ]
