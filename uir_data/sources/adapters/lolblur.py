"""LOL-Blur (LEDNet, ECCV'22): low light + motion blur + noise, BLN, synthetic (docs/datasets.md).

Two LQ variants per GT frame (low_blur, low_blur_noise; UIR uses both: 2 x 10,200) against
high_sharp_scaled (high_sharp_original is not brightness-matched and is not a GT). Frame names repeat per
video and the first/last 30 frames use different darkness, so the video is the group.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule


class LOLBlur(PairedFolderAdapter):
    name = "LOL-Blur"
    aliases = ("LOLBlur", "LEDNet")
    license = licenses.S_LAB_NC
    types = ("BLN",)
    origin = "paired-synthetic"
    homepage = "https://github.com/sczhou/LEDNet"
    expected_layout = "{train,test}/{low_blur,low_blur_noise,high_sharp_scaled}/<video>/<frame>.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            PairedSubset(
                name="LOL-Blur",
                lq_dir=f"{split}/{variant}",
                gt_dir=f"{split}/high_sharp_scaled",
                split=split,
                degradation="BLN",
                origin=self.origin,
                rules=(PairRule(r"(?P<video>[^/]+)/(?P<frame>[^/]+)", "{video}/{frame}"),),
                group="{video}",
                params={"variant": variant},
            )
            for split in ("train", "test")
            for variant in ("low_blur", "low_blur_noise")
        ]
