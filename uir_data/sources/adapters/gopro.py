"""GoPro (GOPRO_Large): motion blur from averaged high-fps frames, MB, synthetic (docs/datasets.md).

`blur` and `blur_gamma` are two LQs of one sharp frame; only `blur` (the MPRNet/Restormer/NAFNet
convention) is indexed, recorded as params.variant, so no sharp frame silently gets two LQs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import SAME_NAME, PairedFolderAdapter, PairedSubset, PairRule

SPLITS = ("train", "test")


class GoPro(PairedFolderAdapter):
    name = "GoPro"
    aliases = ("GOPRO_Large", "GoPro_Large")
    license = licenses.CC_BY_4
    types = ("MB",)
    origin = "paired-synthetic"
    homepage = "https://seungjunnah.github.io/Datasets/gopro"
    expected_layout = (
        "{train,test}/<sequence>/{blur,blur_gamma,sharp}/<frame>.png (GOPRO_Large), "
        "or the MPRNet repackage {train,test}/{input,target}/<name>"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for split in SPLITS:
            if (root / split / "input").is_dir():  # MPRNet/Restormer flat repackage
                subsets.append(
                    PairedSubset(
                        name="GoPro",
                        lq_dir=f"{split}/input",
                        gt_dir=f"{split}/target",
                        split=split,
                        degradation="MB",
                        origin=self.origin,
                        rules=(SAME_NAME,),
                        params={"variant": "blur"},
                    )
                )
                continue
            subsets.append(
                PairedSubset(
                    name="GoPro",
                    lq_dir=split,
                    gt_dir=split,
                    split=split,
                    degradation="MB",
                    origin=self.origin,
                    # Frame names repeat across sequences, so the sequence folder is part of the key.
                    rules=(PairRule(r"(?P<seq>[^/]+)/blur/(?P<frame>[^/]+)", "{seq}/sharp/{frame}"),),
                    group="{seq}",
                    params={"variant": "blur"},
                    gt_pattern=r"[^/]+/sharp/[^/]+",
                    ignore=r"[^/]+/blur_gamma/[^/]+",
                )
            )
        return subsets
