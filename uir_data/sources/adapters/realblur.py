"""RealBlur-J / RealBlur-R (ECCV'20): real camera blur (docs/datasets.md).

J is camera JPEG (blur + JPEG: BJ); R comes from RAW (no JPEG: MB). Pairs and splits come from the
official lists `RealBlur_{J,R}_{train,test}_list.txt` (GT first, trailing space). Blur and GT are only
approximately aligned (the official evaluation aligns with ECC first).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.list_files import ListedPairsAdapter, ListedSubset


class _RealBlur(ListedPairsAdapter):
    letter = "J"
    degradation = "BJ"
    license = licenses.CC_BY_4
    origin = "paired-real"
    homepage = "https://github.com/rimchang/RealBlur"
    list_folders = (".",)
    folder_names = ("RealBlur",)

    def list_subsets(self) -> Sequence[ListedSubset]:
        return [
            ListedSubset(
                name=self.name,
                list_name=f"RealBlur_{self.letter}_{split}_list.txt",
                split=split,
                degradation=self.degradation,
                origin=self.origin,
                group=r"([^/]+/scene\d+)/",
                params={"aligned": "approx"},
                required=True,
            )
            for split in ("train", "test")
        ]

    def data_marker(self, root: Path) -> bool:
        # Folder names keep the official misspelling "itensity".
        return any(path.is_dir() for path in root.glob(f"RealBlur-{self.letter}_*"))


class RealBlurJ(_RealBlur):
    name = "RealBlur-J"
    aliases = ("RealBlur_J",)
    types = ("BJ",)
    expected_layout = (
        "RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene<NNN>/{blur/blur_N.png, gt/gt_N.png} "
        "plus RealBlur_J_{train,test}_list.txt (RealBlur.tar.gz as extracted)"
    )


class RealBlurR(_RealBlur):
    name = "RealBlur-R"
    aliases = ("RealBlur_R",)
    letter = "R"
    degradation = "MB"
    types = ("MB",)
    expected_layout = (
        "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref/scene<NNN>/{blur/blur_N.png, gt/gt_N.png} "
        "plus RealBlur_R_{train,test}_list.txt (RealBlur.tar.gz as extracted)"
    )
