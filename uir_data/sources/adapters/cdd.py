"""CDD-11 (OneRestore, ECCV'24): composite weather, LHRS, synthetic (docs/datasets.md).

All degraded folders share clear/<name>: one clean scene, one group. UIR-2.5M uses only the 7 mixed
folders (8,281 = 7 x 1,183), so the single-degradation folders (low, haze, rain, snow) are not indexed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset

MIXED_FOLDERS = (
    "low_haze",
    "low_rain",
    "low_snow",
    "haze_rain",
    "haze_snow",
    "low_haze_rain",
    "low_haze_snow",
)
SINGLE_FOLDERS = ("low", "haze", "rain", "snow")


class CDD11(PairedFolderAdapter):
    name = "CDD-11"
    aliases = ("CDD", "CDD11", "OneRestore")
    license = licenses.UNSTATED
    types = ("LHRS",)
    origin = "paired-synthetic"
    homepage = "https://huggingface.co/datasets/gy65896/CDD-11"
    expected_layout = "{train,test}/{clear,low_haze,...,low_haze_snow}/<same name>.png (7 mixed folders used)"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for split in ("train", "test"):
            base = split if (root / split).is_dir() else f"CDD-11_{split}"
            subsets += [
                PairedSubset(
                    name="CDD-11",
                    lq_dir=f"{base}/{folder}",
                    gt_dir=f"{base}/clear",
                    split=split,
                    degradation="LHRS",
                    origin=self.origin,
                    params={"variant": folder},
                    # clear/ also serves the single-degradation folders left out here: not a missing LQ.
                    report_unused_gt=False,
                )
                for folder in MIXED_FOLDERS
            ]
        return subsets
