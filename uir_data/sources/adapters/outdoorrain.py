"""OutdoorRain / "Heavy Rain" (CVPR'19, CVPR19RainTrain): rain + haze, RS, synthetic (docs/datasets.md).

15 rainy images per clean one: `im_<id>_s<s>_a<a>` -> `im_<id>` (MaskDCPT keeps the first two `_` tokens);
s and a go to params. The UIR table marks it real, but it is rendered, so it is paired-synthetic here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule, first_dir

RULES = (
    PairRule(r"(?P<id>im_\d+)_s(?P<s>\d+)_a(?P<a>\d+)", "{id}"),
    PairRule(r"(?P<id>[^_/]+_[^_/]+)_.+", "{id}"),
)


class OutdoorRain(PairedFolderAdapter):
    name = "OutdoorRain"
    aliases = ("HeavyRain", "CVPR19RainTrain", "Outdoor-Rain")
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://github.com/liruoteng/HeavyRainRemoval"
    expected_layout = (
        "train/{in,gt}/ and test*/{in,gt}/ (or data/, input/): im_<id>_s<s>_a<a>.png -> im_<id>.png"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        folders = [("train", "train")] + [
            (path.name, "test") for path in sorted(Path(root).glob("test*")) if path.is_dir()
        ]
        subsets = []
        for folder, split in folders:
            lq_dir = first_dir(root, f"{folder}/in", f"{folder}/data", f"{folder}/input")
            if lq_dir:
                subsets.append(
                    PairedSubset(
                        name="OutdoorRain",
                        lq_dir=lq_dir,
                        gt_dir=f"{folder}/gt",
                        split=split,
                        degradation="RS",
                        origin=self.origin,
                        rules=RULES,
                        group="{id}",
                        level_keys=("s", "a"),
                    )
                )
        return subsets
