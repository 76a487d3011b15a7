"""RESIDE (ITS / OTS / SOTS and the RESIDE-beta OTS subset): synthetic haze, H (docs/datasets.md).

Many hazy images per clear image (ITS x10, OTS x35): the GT id is the name before the first `_`, and the
haze parameters in the rest of the name (ITS `<id>_<k>_<beta>`, OTS/SOTS-outdoor `<id>_<A>_<beta>`) go to
params. The GT extension differs per subset (SOTS-outdoor: hazy .jpg, clear .png), so GTs are found by stem.
Whichever sub-sets are present are indexed; a folder may also hold just one of them (e.g. SOTS).
PromptIR's 72,135-image RESIDE-beta OTS subset (Dehaze/synthetic/part1..4 -> Dehaze/original) is the
training set of the paper's 5D protocol and is indexed as RESIDE-OTS.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import PairedFolderAdapter, PairedSubset, PairRule, first_dir

ITS_RULE = PairRule(r"(?P<id>\d+)_(?P<k>\d+)_(?P<beta>[0-9.]+)", "{id}")
OTS_RULE = PairRule(r"(?P<id>\d+)_(?P<A>[0-9.]+)_(?P<beta>[0-9.]+)", "{id}")
SOTS_INDOOR_RULE = PairRule(r"(?P<id>\d+)_(?P<k>\d+)", "{id}")


def _subset(
    name: str, lq_dir: str, gt_dir: str, split: str, rules: tuple[PairRule, ...], **extra
) -> PairedSubset:
    return PairedSubset(
        name=name,
        lq_dir=lq_dir,
        gt_dir=gt_dir,
        split=split,
        degradation="H",
        origin="paired-synthetic",
        rules=rules,
        group="{id}",
        level_keys=("A", "beta"),
        recursive=False,
        **extra,
    )


class RESIDE(PairedFolderAdapter):
    name = "RESIDE"
    aliases = ("RESIDE-Standard",)
    folder_names = ("ITS", "OTS", "SOTS", "Dehaze", "RESIDE-beta", "RESIDE_beta")
    license = licenses.UNSTATED
    types = ("H",)
    origin = "paired-synthetic"
    homepage = "https://sites.google.com/view/reside-dehaze-datasets"
    expected_layout = (
        "any of ITS/{hazy,clear}, OTS/{hazy,clear}, SOTS/{indoor,outdoor}/{hazy,gt|clear}, or PromptIR's "
        "Dehaze/{synthetic/part1..4,original}; hazy <id>_<A>_<beta>.<ext> -> clear <id>.<ext>"
    )

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        subsets = []
        for prefix in ("", "RESIDE/"):
            for base in (f"{prefix}ITS", f"{prefix}ITS_v2"):
                gt = first_dir(root, f"{base}/clear", f"{base}/GT", f"{base}/gt")
                if gt:
                    subsets.append(_subset("RESIDE-ITS", f"{base}/hazy", gt, "train", (ITS_RULE,)))
            for base in (f"{prefix}OTS", f"{prefix}OTS_BETA"):
                gt = first_dir(root, f"{base}/clear", f"{base}/GT", f"{base}/gt")
                if gt:
                    subsets.append(_subset("RESIDE-OTS", f"{base}/hazy", gt, "train", (OTS_RULE,)))
            for sots in (f"{prefix}SOTS", prefix.rstrip("/") or "."):
                for kind, rule in (("indoor", SOTS_INDOOR_RULE), ("outdoor", OTS_RULE)):
                    gt = first_dir(root, f"{sots}/{kind}/gt", f"{sots}/{kind}/clear", f"{sots}/{kind}/GT")
                    if gt:
                        subsets.append(_subset(f"SOTS-{kind}", f"{sots}/{kind}/hazy", gt, "test", (rule,)))
        for dehaze in ("Dehaze", "."):
            for part in ("part1", "part2", "part3", "part4"):
                if first_dir(root, f"{dehaze}/synthetic/{part}") and first_dir(root, f"{dehaze}/original"):
                    # original/ may hold clear images of hazy files outside the list: not a missing LQ.
                    subsets.append(
                        _subset(
                            "RESIDE-OTS",
                            f"{dehaze}/synthetic/{part}",
                            f"{dehaze}/original",
                            "train",
                            (OTS_RULE,),
                            report_unused_gt=False,
                        )
                    )
        return _unique(subsets)


def _unique(subsets: list[PairedSubset]) -> list[PairedSubset]:
    """Drop subsets that resolve to the same folders twice (root given as RESIDE/ or as its parent)."""
    seen, kept = set(), []
    for subset in subsets:
        key = (Path(subset.lq_dir).as_posix(), Path(subset.gt_dir).as_posix())
        if key not in seen:
            seen.add(key)
            kept.append(subset)
    return kept
