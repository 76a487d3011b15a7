"""SynRain-13k (synthetic) and RealRain-1k (real, low and high density) rain streaks, RS (docs/datasets.md).

Both ship as {train,test}/{input,target} with identical names.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset


def input_target_subsets(
    root: Path, base: str, name: str, degradation: str, origin: str
) -> list[PairedSubset]:
    """Same-name {train,test}/{input,target} subsets under `base` (those present)."""
    prefix = f"{base}/" if base else ""
    return [
        PairedSubset(
            name=name,
            lq_dir=f"{prefix}{split}/input",
            gt_dir=f"{prefix}{split}/target",
            split=split,
            degradation=degradation,
            origin=origin,
        )
        for split in ("train", "test")
        if (root / f"{prefix}{split}/input").is_dir()
    ]


class SynRain13k(PairedFolderAdapter):
    name = "SynRain-13k"
    aliases = ("SynRain13k", "SynRain")
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://github.com/hiker-lw/RealRain-1k"
    expected_layout = "{train,test}/{input,target}/<same name>"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return input_target_subsets(root, "", self.name, "RS", self.origin)


class RealRain1k(PairedFolderAdapter):
    name = "RealRain-1k"
    aliases = ("RealRain1k",)
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-real"
    homepage = "https://github.com/hiker-lw/RealRain-1k"
    expected_layout = "RealRain-1k-{L,H}/{train,test}/{input,target}/<same name>"

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for density in ("L", "H"):
            subsets += input_target_subsets(
                root, f"RealRain-1k-{density}", f"RealRain-1k-{density}", "RS", self.origin
            )
        return subsets
