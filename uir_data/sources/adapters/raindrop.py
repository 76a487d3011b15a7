"""RainDrop (Qian et al., CVPR'18 DeRaindrop): real raindrops on glass, RD (docs/datasets.md).

`<n>_rain` -> `<n>_clean`, substituted on the name only (some copies sit under `raindrop_data/`, which a
path-wide replace would corrupt). test_a is the well-aligned subset of test_b: both are test, never train.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule


class RainDrop(PairedFolderAdapter):
    name = "RainDrop"
    aliases = ("Raindrop", "DeRaindrop", "raindrop_data")
    license = licenses.UNSTATED
    types = ("RD",)
    origin = "paired-real"
    homepage = "https://github.com/rui1996/DeRaindrop"
    expected_layout = "{train,test_a,test_b}/{data,gt}/: <n>_rain.png -> <n>_clean.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            PairedSubset(
                name="RainDrop",
                lq_dir=f"{base}{folder}/data",
                gt_dir=f"{base}{folder}/gt",
                split="train" if folder == "train" else "test",
                degradation="RD",
                origin=self.origin,
                rules=(PairRule(r"(?P<n>\d+)_rain", "{n}_clean"),),
                params={"subset": folder},
            )
            for base in ("", "raindrop_data/")
            for folder in ("train", "test_a", "test_b")
            if (root / f"{base}{folder}/data").is_dir()
        ]
