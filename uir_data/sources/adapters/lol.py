"""LOL-v1 (real) and LOL-v2 (real and synthetic) low-light pairs, LL (docs/datasets.md).

LOL-v1: {our485,eval15}/{low,high}, same names. LOL-v2 Real_captured renames low<n> -> normal<n> together
with the folder Low -> Normal (replaced on the name only, case-sensitively); Synthetic keeps names.
Retinexformer's renamed copies ({Train,Test}/{input,target}, or Real files as plain numbers) are accepted.
LOL-v2-Real reportedly overlaps LOL-v1 scenes: the leakage guard finds such duplicates by content.
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

LOW_TO_NORMAL = PairRule(r"low(?P<n>\d+)", "normal{n}")


class LOLv1(PairedFolderAdapter):
    name = "LOL-v1"
    aliases = ("LOL", "LOLdataset", "LOLv1")
    license = licenses.UNSTATED
    types = ("LL",)
    origin = "paired-real"
    homepage = "https://daooshee.github.io/BMVC2018website/"
    expected_layout = "{our485,eval15}/{low,high}/<n>.png (LOLdataset), or {Train,Test}/{input,target}"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for folder, split in (("our485", "train"), ("eval15", "test"), ("Train", "train"), ("Test", "test")):
            for lq, gt in (("low", "high"), ("input", "target")):
                if (root / folder / lq).is_dir():
                    subsets.append(
                        PairedSubset(
                            name="LOL-v1",
                            lq_dir=f"{folder}/{lq}",
                            gt_dir=f"{folder}/{gt}",
                            split=split,
                            degradation="LL",
                            origin=self.origin,
                        )
                    )
        return subsets


class LOLv2(PairedFolderAdapter):
    name = "LOL-v2"
    aliases = ("LOLv2", "LOL_v2")
    license = licenses.UNSTATED
    types = ("LL",)
    origin = "paired-real+paired-synthetic"
    homepage = "https://github.com/flyywh/CVPR-2020-Semi-Low-Light"
    expected_layout = (
        "Real_captured/{Train,Test}/{Low,Normal}/ (low<n>.png -> normal<n>.png) and "
        "Synthetic/{Train,Test}/{Low,Normal}/ (same names)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for kind, folders, origin, rules in (
            ("Real", ("Real_captured", "Real"), "paired-real", (LOW_TO_NORMAL, SAME_NAME)),
            ("Synthetic", ("Synthetic",), "paired-synthetic", (SAME_NAME,)),
        ):
            base = first_dir(root, *folders)
            if base is None:
                continue
            for folder, split in (("Train", "train"), ("Test", "test")):
                for lq, gt in (("Low", "Normal"), ("input", "target")):
                    if (root / base / folder / lq).is_dir():
                        subsets.append(
                            PairedSubset(
                                name=f"LOL-v2-{kind}",
                                lq_dir=f"{base}/{folder}/{lq}",
                                gt_dir=f"{base}/{folder}/{gt}",
                                split=split,
                                degradation="LL",
                                origin=origin,
                                rules=rules,
                            )
                        )
        return subsets
