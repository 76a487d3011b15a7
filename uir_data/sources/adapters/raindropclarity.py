"""RainDropClarity (ECCV'24): real raindrops with focus blur, BR (blur + rain), real (docs/datasets.md).

Drop/<scene>/<frame> -> Clear/<scene>/<frame> (the official loader swaps /Drop/ for /Clear/); Blur/ is the
third element of the triplet whose role is unconfirmed, so it is not indexed. Scenes are the groups.
UIR-2.5M uses the day-time part.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule, first_dir


class RainDropClarity(PairedFolderAdapter):
    name = "RainDropClarity"
    aliases = ("RaindropClarity", "RainDrop-Clarity")
    license = licenses.UNSTATED + " (code MIT, non-commercial)"
    types = ("BR",)
    origin = "paired-real"
    homepage = "https://github.com/jinyeying/RaindropClarity"
    expected_layout = "{Day,Night}RainDrop[_Train|_Test]/{Drop,Clear,Blur}/<scene>/<frame>.png"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for period in ("Day", "Night"):
            for candidates, split in (
                ((f"{period}RainDrop_Train", f"{period}RainDrop"), "train"),
                ((f"{period}RainDrop_Test", f"{period}RainDrop_Val"), "test"),
            ):
                base = first_dir(root, *candidates)
                if base:
                    subsets.append(
                        PairedSubset(
                            name=f"RainDropClarity-{period}",
                            lq_dir=f"{base}/Drop",
                            gt_dir=f"{base}/Clear",
                            split=split,
                            degradation="BR",
                            origin=self.origin,
                            rules=(PairRule(r"(?P<scene>[^/]+)/(?P<frame>[^/]+)", "{scene}/{frame}"),),
                            group="{scene}",
                            params={"aligned": "approx"},
                        )
                    )
        return subsets
