"""SIDD (Smartphone Image Denoising Dataset): real camera noise, RN (docs/datasets.md).

Medium and Small sRGB share one layout: scene folders under Data/ holding NOISY and GT files side by side
(Medium prefixes both with the 4-digit instance number, Small does not). The validation and benchmark
blocks ship as MATLAB .mat arrays; they are not unpacked here (see `container_notes`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.problems import Problem
from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule, ScanResult
from uir_data.sources.base import SourceError

MAT_HINT = (
    "uir ingests image files byte for byte and does not unpack SIDD's .mat block arrays "
    "(scipy is not a dependency; v7.3 files would need h5py); train from SIDD_Medium_Srgb/Data, and for "
    "validation use a PNG export of the 1,280 blocks (e.g. Restormer's SIDD val input/target folders)"
)


def mat_version(path: Path) -> str:
    """'7.3' for HDF5-based MAT files, '5' for classic ones, from the 116-byte text header."""
    with open(path, "rb") as handle:
        head = handle.read(128)
    return "7.3" if b"MATLAB 7.3" in head else "5"


class SIDD(PairedFolderAdapter):
    name = "SIDD"
    aliases = ("SIDD_Medium_Srgb", "SIDD-Medium", "SIDD_Small_sRGB_Only", "SIDD-Small")
    license = licenses.SIDD_TERMS
    types = ("RN",)
    origin = "paired-real"
    homepage = "https://abdokamel.github.io/sidd/"
    expected_layout = (
        "Data/<scene>/[NNNN_]NOISY_SRGB_0xx.PNG beside [NNNN_]GT_SRGB_0xx.PNG "
        "(SIDD_Medium_Srgb or SIDD_Small_sRGB_Only as extracted)"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        # No official split inside Medium/Small: all of it is the training set (validation = .mat blocks).
        return [
            PairedSubset(
                name="SIDD",
                lq_dir="Data",
                gt_dir="Data",
                split="train",
                degradation="RN",
                origin="paired-real",
                rules=(
                    PairRule(
                        r"(?P<scene>[^/]+)/(?P<prefix>\d{4}_)?NOISY_SRGB_(?P<n>\d{3})",
                        "{scene}/{prefix}GT_SRGB_{n}",
                    ),
                ),
                group="{scene}",
                gt_pattern=r"[^/]+/(\d{4}_)?GT_SRGB_\d{3}",
            )
        ]

    def require_layout(self, root: Path) -> None:
        mats = sorted(Path(root).glob("*.mat")) if Path(root).is_dir() else []
        if mats and not self.detect(root):
            names = ", ".join(path.name for path in mats[:3])
            version = mat_version(mats[0])
            raise SourceError(f"{root}: holds only MATLAB v{version} containers ({names}); {MAT_HINT}")
        super().require_layout(root)

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        result = super().scan(root, inspect, only)
        for mat in sorted(Path(root).rglob("*.mat")):
            result.problems.append(
                Problem(
                    check="unsupported-container",
                    message=f"MATLAB v{mat_version(mat)} file left out: {MAT_HINT}",
                    file=mat.relative_to(root).as_posix(),
                )
            )
        return result
