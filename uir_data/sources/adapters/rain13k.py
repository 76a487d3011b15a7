"""The Rain13K family of synthetic rain-streak sets, RS (docs/datasets.md).

- Rain13K in the Restormer/MPRNet layout: train/Rain13K/{input,target} and the test sets
  test/{Rain100H,Rain100L,Test100,Test1200,Test2800}/{input,target}, same names.
- The original releases, one adapter each, accepting every published naming: Restormer's input/target,
  PromptIR's rainy/rain-N -> gt/norain-N, JORDER's rain/ and norain/ folders (including the release whose
  *rainy* files are called rain/X2/norain-Nx2), or one flat folder of rain-N beside norain-N.
- Rain14000 (DDN-Data): <id>_<k>.jpg -> <id>.jpg, 14 rainy images per clean one.
- Rain800 stores clean|rainy side by side in one file and is refused (see Rain800.pairs).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from uir_data.problems import Problem
from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import (
    SAME_NAME,
    PairedFolderAdapter,
    PairedSubset,
    PairRule,
    ScanResult,
    first_dir,
)
from uir_data.sources.base import PairItem, SourceError, list_images

RAIN_RULES = (
    PairRule(r"(?:X2/)?norain-(?P<n>\d+)x2", "norain-{n}"),  # JORDER release: the rainy file is "norain-Nx2"
    PairRule(r"rain-(?P<n>\d+)", "norain-{n}"),
    SAME_NAME,
)
LQ_FOLDERS = ("input", "rainy", "rain", "data")
GT_FOLDERS = ("target", "gt", "norain", "groundtruth", "ground_truth")
RESTORMER_TEST_SETS = ("Rain100H", "Rain100L", "Test100", "Test1200", "Test2800")


def rain_pair_subset(root: Path, base: str, name: str, split: str) -> PairedSubset | None:
    """The subset for one split folder `base` of a rain set, in whichever naming it was released."""
    prefix = "" if base in ("", ".") else f"{base}/"
    for lq in LQ_FOLDERS:
        for gt in GT_FOLDERS:
            if first_dir(root, f"{prefix}{lq}") and first_dir(root, f"{prefix}{gt}"):
                return PairedSubset(
                    name=name,
                    lq_dir=f"{prefix}{lq}",
                    gt_dir=f"{prefix}{gt}",
                    split=split,
                    degradation="RS",
                    origin="paired-synthetic",
                    rules=RAIN_RULES,
                )
    folder = root / base
    if folder.is_dir() and any(folder.glob("norain-*")) and any(folder.glob("rain-*")):
        return PairedSubset(  # one flat folder holding rain-N and norain-N (PReNet's copies)
            name=name,
            lq_dir=base or ".",
            gt_dir=base or ".",
            split=split,
            degradation="RS",
            origin="paired-synthetic",
            rules=(RAIN_RULES[1],),
            gt_pattern=r"norain-\d+",
            recursive=False,
        )
    return None


class RainSet(PairedFolderAdapter):
    """One classic rain set (Rain100L, Rain200L, ...): split sub-folders or a single split folder."""

    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://github.com/swz30/Restormer/blob/main/Deraining/README.md"

    def __init__(self, name: str, split: str, aliases: tuple[str, ...] = ()) -> None:
        self.name = name
        self.aliases = aliases
        self.default_split = split
        self.expected_layout = (
            f"{name}/[train|test/]{{input,target}} or rainy/rain-N + gt/norain-N or rain/[X2/] + norain/, "
            "or one folder of rain-N beside norain-N"
        )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        found = [
            rain_pair_subset(root, folder, self.name, split)
            for folder, split in (("train", "train"), ("test", "test"))
        ]
        found = [subset for subset in found if subset]
        if found:
            return found
        single = rain_pair_subset(root, "", self.name, self.default_split)
        return [single] if single else []


class Rain13K(PairedFolderAdapter):
    name = "Rain13K"
    aliases = ("Rain13k",)
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://github.com/swz30/Restormer/blob/main/Deraining/README.md"
    expected_layout = (
        "Restormer's Datasets/train/Rain13K/{input,target} and test/{Rain100H,Rain100L,Test100,Test1200,"
        "Test2800}/{input,target} (same names), or a Rain13K folder with {input,target}"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        train_base = first_dir(root, "train/Rain13K", "Rain13K", "train")
        if train_base and (root / train_base / "input").is_dir():
            subsets.append(self._same_name("Rain13K", f"{train_base}/input", f"{train_base}/target", "train"))
        elif (root / "input").is_dir():
            subsets.append(self._same_name("Rain13K", "input", "target", "train"))
        for test_set in RESTORMER_TEST_SETS:
            if (root / "test" / test_set / "input").is_dir():
                subsets.append(
                    self._same_name(test_set, f"test/{test_set}/input", f"test/{test_set}/target", "test")
                )
        return subsets

    @staticmethod
    def _same_name(name: str, lq_dir: str, gt_dir: str, split: str) -> PairedSubset:
        return PairedSubset(
            name=name, lq_dir=lq_dir, gt_dir=gt_dir, split=split, degradation="RS", origin="paired-synthetic"
        )


class Rain14000(PairedFolderAdapter):
    name = "Rain14000"
    aliases = ("DDN-Data", "DDN_Data", "Rain12600", "Rain1400")
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://xueyangfu.github.io/projects/cvpr2017.html"
    expected_layout = (
        "{training,testing}/rainy_image/<id>_<k>.jpg -> {training,testing}/ground_truth/<id>.jpg"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return [
            PairedSubset(
                name="Rain14000",
                lq_dir=f"{folder}/rainy_image",
                gt_dir=f"{folder}/ground_truth",
                split=split,
                degradation="RS",
                origin=self.origin,
                rules=(PairRule(r"(?P<id>\d+)_(?P<k>\d+)", "{id}"),),
                group="{id}",
            )
            for folder, split in (("training", "train"), ("testing", "test"))
        ]


class Rain800(PairedFolderAdapter):
    """Rain800 (ID-CGAN) stores [clean | rainy] side by side in one JPEG: refused, by design.

    Ingestion is byte for byte, and which half is rainy differs between third-party loaders, so
    splitting here would invent data. Restormer's Rain13K already holds
    the 700 training pairs split, and its Test100 the 100 test pairs.
    """

    name = "Rain800"
    aliases = ("ID-CGAN",)
    license = licenses.UNSTATED
    types = ("RS",)
    origin = "paired-synthetic"
    homepage = "https://github.com/hezhangsprinter/ID-CGAN"
    expected_layout = (
        "{training,test_syn}/<n>.jpg, each image [clean | rainy] side by side (refused: use Rain13K)"
    )
    refusal = (
        "Rain800 stores each pair as one side-by-side [clean | rainy] JPEG; uir ingests files byte for byte "
        "and does not split them (which half is rainy differs between loaders). Use the split copies instead: "
        "Restormer's train/Rain13K/{input,target} (dataset Rain13K) holds its 700 training pairs and "
        "test/Test100/{input,target} its 100 test pairs"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        return []

    def detect(self, root: Path) -> bool:
        return any((Path(root) / folder).is_dir() for folder in ("training", "test_syn", "testing"))

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        result = ScanResult()
        count = len(list_images(root)) if Path(root).is_dir() else 0
        result.problems.append(
            Problem(
                check="unsupported-layout", message=f"{count} side-by-side files left out: {self.refusal}"
            )
        )
        return result

    def pairs(self, root: Path) -> Iterator[PairItem]:
        raise SourceError(f"{root}: {self.refusal}")


def rain_sets() -> list[PairedFolderAdapter]:
    """The rain-streak adapters in table order."""
    return [
        Rain13K(),
        Rain14000(),
        RainSet("Rain1800", "train", ("RainTrainH",)),
        RainSet("Rain200L", "train", ("RainTrainL",)),
        RainSet("Rain200H", "train"),
        RainSet("Rain100L", "test"),
        RainSet("Rain100H", "test"),
        Rain800(),
    ]
