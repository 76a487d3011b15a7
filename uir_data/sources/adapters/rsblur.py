"""RSBlur (ECCV'22): real motion blur (MB, real) and its frame-averaged synthetic twin (docs/datasets.md).

Pairs come only from the authors' lists (datalist/RSBlur/*.txt, GT first); the additional synthetic list
is left out, since the authors say it must not be used as real training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.list_files import ListedPairsAdapter, ListedSubset

FRAME_GROUP = r"(\d{4}/\d+)/gt/"  # seq/frame: real and averaged LQ of one frame share its GT


def _subset(kind: str, split: str, required: bool = False) -> ListedSubset:
    real = kind == "real"
    return ListedSubset(
        name="RSBlur" if real else "RSBlur-syn",
        list_name=f"RSBlur_{kind}_{split}.txt",
        split=split,
        degradation="MB",
        origin="paired-real" if real else "paired-synthetic",
        group=FRAME_GROUP,
        params={"variant": "real_blur" if real else "avg65"},
        required=required,
    )


class RSBlur(ListedPairsAdapter):
    name = "RSBlur"
    aliases = ()
    license = licenses.CC_BY_4
    types = ("MB",)
    origin = "paired-real"
    homepage = "https://github.com/rimchang/RSBlur"
    list_folders = (".", "datalist/RSBlur", "datalist", "RSBlur")
    expected_layout = (
        "RSBlur/<seq>/<frame>/{real_blur/real_blur.png, avg65_img/avg_blur.png, gt/gt_sharp.png} plus the "
        "lists RSBlur_{real,syn}_{train,val,test}.txt (from the repo's datalist/RSBlur) beside RSBlur/"
    )

    def list_subsets(self) -> Sequence[ListedSubset]:
        return [
            _subset("real", "train", required=True),
            _subset("real", "val"),
            _subset("real", "test"),
            _subset("syn", "train"),
            _subset("syn", "val"),
            _subset("syn", "test"),
        ]

    def data_marker(self, root: Path) -> bool:
        base = root / "RSBlur" if (root / "RSBlur").is_dir() else root
        return (
            any(base.glob("*/*/gt"))
            or any(root.glob("RSBlur_*.txt"))
            or any(root.glob("datalist/RSBlur/*.txt"))
        )
