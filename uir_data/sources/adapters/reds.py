"""REDS (deblurring part): MB from `*_blur`, blur+JPEG (BJ) from `*_blur_jpeg`, synthetic (docs/datasets.md).

`blur_jpeg` files are .jpg while the sharp frames are .png, so pairing is on the stem. NAFNet's preparation
script flattens clips in place to `000_00000000.png`; both the nested and the flat layout are accepted.
The test split has no public GT and is not indexed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule, first_dir

VARIANTS = (("blur", "MB"), ("blur_jpeg", "BJ"))
RULES = (
    PairRule(r"(?P<clip>\d{3})/(?P<frame>\d{8})", "{clip}/{frame}"),
    PairRule(r"(?P<clip>\d{3})_(?P<frame>\d{8})", "{clip}_{frame}"),  # NAFNet's flattened copy
)


class REDS(PairedFolderAdapter):
    name = "REDS"
    aliases = ()
    license = licenses.CC_BY_4
    types = ("MB", "BJ")
    origin = "paired-synthetic"
    homepage = "https://seungjunnah.github.io/Datasets/reds"
    expected_layout = (
        "{train,val}/{train,val}_{blur,blur_jpeg,sharp}/<clip 3-digit>/<frame 8-digit>.{png,jpg} "
        "(or NAFNet's flat <clip>_<frame>.png)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for split in ("train", "val"):
            gt_dir = first_dir(root, f"{split}/{split}_sharp", f"{split}_sharp")
            for variant, degradation in VARIANTS:
                lq_dir = first_dir(root, f"{split}/{split}_{variant}", f"{split}_{variant}")
                if lq_dir is None or gt_dir is None:
                    continue
                subsets.append(
                    PairedSubset(
                        name="REDS",
                        lq_dir=lq_dir,
                        gt_dir=gt_dir,
                        split=split,
                        degradation=degradation,
                        origin=self.origin,
                        rules=RULES,
                        group="{clip}",
                        params={"variant": variant},
                    )
                )
        return subsets
