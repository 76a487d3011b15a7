"""LSRW (R2RNet): real low-light captures from a Huawei phone and a Nikon camera, LL (docs/datasets.md).

Same names in low/ and high/. Some outdoor pairs are not pixel-aligned (params.aligned = approx), and
older downloads had naming bugs: a name without a partner is reported, never paired by sorted order.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, first_dir


class LSRW(PairedFolderAdapter):
    name = "LSRW"
    aliases = ("R2RNet",)
    license = licenses.UNSTATED
    types = ("LL",)
    origin = "paired-real"
    homepage = "https://github.com/JianghaiSCU/R2RNet"
    expected_layout = "{Training data,Eval}/{Huawei,Nikon}/{low,high}/<same name>.jpg"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for candidates, split in (
            (("Training data", "Training_data", "train", "Train"), "train"),
            (("Eval", "eval", "Test", "test"), "test"),
        ):
            base = first_dir(root, *candidates)
            for camera in ("Huawei", "Nikon"):
                if base and (root / base / camera / "low").is_dir():
                    subsets.append(
                        PairedSubset(
                            name=f"LSRW-{camera}",
                            lq_dir=f"{base}/{camera}/low",
                            gt_dir=f"{base}/{camera}/high",
                            split=split,
                            degradation="LL",
                            origin=self.origin,
                            params={"aligned": "approx"},
                        )
                    )
        return subsets
