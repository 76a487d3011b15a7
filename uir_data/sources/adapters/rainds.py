"""RainDS (CVPR'21): rain streaks (RS), raindrops (RD) and both (RSD), synthetic and real (docs/datasets.md).

RainDS_syn renames per category (`rd-N`, `rain-N`, `rd-rain-N` -> `norain-N`, with a `pie-` sub-collection
whose ids overlap the plain ones, so `pie-` stays in the key); RainDS_real uses identical names. Copies
with identical names in syn (MaskDCPT's test config reads them that way) are accepted too. Note the
folder names: train/test for syn, train_set/test_set for real.
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

CATEGORIES = (
    ("raindrop", "RD", PairRule(r"(?P<pie>pie-)?rd-(?P<n>\d+)", "{pie}norain-{n}")),
    ("rainstreak", "RS", PairRule(r"(?P<pie>pie-)?rain-(?P<n>\d+)", "{pie}norain-{n}")),
    ("rainstreak_raindrop", "RSD", PairRule(r"(?P<pie>pie-)?rd-rain-(?P<n>\d+)", "{pie}norain-{n}")),
)


class RainDS(PairedFolderAdapter):
    name = "RainDS"
    aliases = ()
    license = licenses.UNSTATED
    types = ("RS", "RD", "RSD")
    origin = "paired-real+paired-synthetic"
    homepage = "https://github.com/Songforrr/RainDS_CCN"
    expected_layout = (
        "RainDS_syn/{train,test}/{gt,raindrop,rainstreak,rainstreak_raindrop}/ (rd-N, rain-N, rd-rain-N -> "
        "norain-N) and RainDS_real/{train_set,test_set}/{same four}/ (identical names)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for kind, folders, origin in (
            ("syn", ("train", "test"), "paired-synthetic"),
            ("real", ("train_set", "test_set"), "paired-real"),
        ):
            base = first_dir(root, f"RainDS/RainDS_{kind}", f"RainDS_{kind}") or (
                "." if (root / folders[0]).is_dir() else None
            )
            if base is None:
                continue
            for folder in folders:
                for category, degradation, rule in CATEGORIES:
                    subsets.append(
                        PairedSubset(
                            name=f"RainDS-{kind}",
                            lq_dir=f"{base}/{folder}/{category}",
                            gt_dir=f"{base}/{folder}/gt",
                            split="train" if folder.startswith("train") else "test",
                            degradation=degradation,
                            origin=origin,
                            rules=(rule, SAME_NAME) if kind == "syn" else (SAME_NAME,),
                            params={"category": category},
                        )
                    )
        return subsets
