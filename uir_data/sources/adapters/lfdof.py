"""LFDOF (AIFNet light-field defocus, TCI'21): rendered defocus, DB, synthetic (docs/datasets.md).

Many-to-one: each scene folder holds several renderings focused at different depths, all sharing one
all-in-focus GT file named after the scene; the scene is the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule


class LFDOF(PairedFolderAdapter):
    name = "LFDOF"
    aliases = ("AIFNet",)
    license = licenses.UNSTATED
    types = ("DB",)
    origin = "paired-synthetic"
    homepage = "https://sweb.cityu.edu.hk/miullam/AIFNET/"
    expected_layout = "{train,test}_data/input/<scene>/<k>.png -> {train,test}_data/ground_truth/<scene>.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            PairedSubset(
                name="LFDOF",
                lq_dir=f"{split}_data/input",
                gt_dir=f"{split}_data/ground_truth",
                split=split,
                degradation="DB",
                origin=self.origin,
                rules=(PairRule(r"(?P<scene>[^/]+)/(?P<render>[^/]+)", "{scene}"),),
                group="{scene}",
            )
            for split in ("train", "test")
        ]
