"""The catalog of dataset adapters: look one up by name, find its folder, check a folder of downloads.

Adapters are listed in the order of the UIR-2.5M composition table (the MaskDCPT paper). Some
families also expose named parts as views (SOTS-outdoor of RESIDE, RainDS-real of RainDS, ...) so that a
recipe can ask for exactly the part a protocol uses.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from uir_data.errors import UsageError
from uir_data.problems import Problem
from uir_data.sources.adapters.cdd import CDD11
from uir_data.sources.adapters.clean_pools import clean_pools
from uir_data.sources.adapters.dpdd import DPDD
from uir_data.sources.adapters.gopro import GoPro
from uir_data.sources.adapters.lfdof import LFDOF
from uir_data.sources.adapters.lol import LOLv1, LOLv2
from uir_data.sources.adapters.lolblur import LOLBlur
from uir_data.sources.adapters.lsrw import LSRW
from uir_data.sources.adapters.moire import TIP2018, UHDM, FHDMi, RDNet
from uir_data.sources.adapters.outdoorrain import OutdoorRain
from uir_data.sources.adapters.paired_folders import ScanResult, no_pairs_message
from uir_data.sources.adapters.rain13k import rain_sets
from uir_data.sources.adapters.raindrop import RainDrop
from uir_data.sources.adapters.raindropclarity import RainDropClarity
from uir_data.sources.adapters.rainds import RainDS
from uir_data.sources.adapters.realblur import RealBlurJ, RealBlurR
from uir_data.sources.adapters.realrain import RealRain1k, SynRain13k
from uir_data.sources.adapters.reds import REDS
from uir_data.sources.adapters.reside import RESIDE
from uir_data.sources.adapters.rsblur import RSBlur
from uir_data.sources.adapters.sidd import SIDD
from uir_data.sources.adapters.snow import CSD, SRRS, Snow100K
from uir_data.sources.base import DatasetAdapter, PairItem, SourceError


class UnknownDatasetError(UsageError):
    """A dataset name that no adapter answers to."""


class SubsetView(DatasetAdapter):
    """A named part of a family adapter (e.g. SOTS-outdoor of RESIDE): the parent's pairs of those subsets."""

    def __init__(
        self,
        parent: DatasetAdapter,
        name: str,
        members: Sequence[str],
        types: Sequence[str],
        aliases: Sequence[str] = (),
        origin: str = "",
    ) -> None:
        self.parent = parent
        self.name = name
        self.aliases = tuple(aliases)
        self.members = frozenset(members)
        self.types = tuple(types)
        self.license = parent.license
        self.origin = origin or parent.origin
        self.homepage = parent.homepage
        self.expected_layout = f"part of {parent.name}: {parent.expected_layout}"

    def detect(self, root: Path) -> bool:
        root = Path(root)
        if not hasattr(self.parent, "subsets"):  # list-file families: the lists decide, at scan time
            return self.parent.detect(root)
        return root.is_dir() and any(
            subset.name in self.members
            and (root / subset.lq_dir).is_dir()
            and (root / subset.gt_dir).is_dir()
            for subset in self.parent.subsets(root)  # type: ignore[attr-defined]
        )

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        members = self.members if only is None else self.members & only
        return self.parent.scan(root, inspect, members)  # type: ignore[attr-defined]

    def pairs(self, root: Path) -> Iterator[PairItem]:
        result = self.scan(root)
        if not result.pairs:
            raise SourceError(no_pairs_message(self.name, root, result.problems))
        return iter(result.pairs)


@functools.cache
def _adapters() -> tuple[DatasetAdapter, ...]:
    pools = {pool.name: pool for pool in clean_pools()}
    reside, rainds, lolv2, clarity, rsblur = RESIDE(), RainDS(), LOLv2(), RainDropClarity(), RSBlur()
    return (
        pools["LSDIR"],
        pools["DF2K"],
        pools["BSD400"],
        pools["BSD500"],
        pools["BSD68"],
        pools["WED"],
        SIDD(),
        GoPro(),
        REDS(),
        rsblur,
        SubsetView(rsblur, "RSBlur-real", ["RSBlur"], ["MB"], aliases=("RSBlur_real",), origin="paired-real"),
        SubsetView(
            rsblur, "RSBlur-syn", ["RSBlur-syn"], ["MB"], aliases=("RSBlur_syn",), origin="paired-synthetic"
        ),
        DPDD(),
        LFDOF(),
        reside,
        SubsetView(reside, "RESIDE-OTS", ["RESIDE-OTS"], ["H"], aliases=("RESIDE-beta", "RESIDE-β", "OTS")),
        SubsetView(reside, "RESIDE-ITS", ["RESIDE-ITS"], ["H"], aliases=("ITS",)),
        SubsetView(reside, "SOTS-outdoor", ["SOTS-outdoor"], ["H"], aliases=("SOTS",)),
        SubsetView(reside, "SOTS-indoor", ["SOTS-indoor"], ["H"]),
        *rain_sets(),
        SynRain13k(),
        rainds,
        SubsetView(
            rainds,
            "RainDS-syn",
            ["RainDS-syn"],
            ["RS", "RD", "RSD"],
            aliases=("RainDS_syn",),
            origin="paired-synthetic",
        ),
        SubsetView(
            rainds,
            "RainDS-real",
            ["RainDS-real"],
            ["RS", "RD", "RSD"],
            aliases=("RainDS_real",),
            origin="paired-real",
        ),
        RealRain1k(),
        OutdoorRain(),
        RainDrop(),
        Snow100K(),
        SRRS(),
        CSD(),
        LOLv1(),
        lolv2,
        SubsetView(
            lolv2,
            "LOL-v2-Real",
            ["LOL-v2-Real"],
            ["LL"],
            aliases=("LOLv2-Real", "Real_captured"),
            origin="paired-real",
        ),
        SubsetView(
            lolv2,
            "LOL-v2-Synthetic",
            ["LOL-v2-Synthetic"],
            ["LL"],
            aliases=("LOL-v2-Syn", "LOLv2-Syn"),
            origin="paired-synthetic",
        ),
        LSRW(),
        RDNet(),
        TIP2018(),
        FHDMi(),
        UHDM(),
        RealBlurJ(),
        RealBlurR(),
        clarity,
        SubsetView(clarity, "RainDropClarity-Day", ["RainDropClarity-Day"], ["BR"], aliases=("DayRainDrop",)),
        SubsetView(
            clarity, "RainDropClarity-Night", ["RainDropClarity-Night"], ["BR"], aliases=("NightRainDrop",)
        ),
        LOLBlur(),
        CDD11(),
        pools["NKUSR8K"],
        pools["FFHQ"],
    )


def all_adapters() -> list[DatasetAdapter]:
    """Every adapter (and named part), in the order of the UIR-2.5M composition table."""
    return list(_adapters())


def normalise(name: str) -> str:
    """Name key for matching: case-insensitive, ignoring '-', '_', '.' and spaces."""
    return re.sub(r"[-_. ]", "", name).casefold()


@functools.cache
def _by_key() -> dict[str, DatasetAdapter]:
    index: dict[str, DatasetAdapter] = {}
    for adapter in _adapters():  # names first, so an alias can never shadow a name
        index.setdefault(normalise(adapter.name), adapter)
    for adapter in _adapters():
        for alias in adapter.aliases:
            index.setdefault(normalise(alias), adapter)
    return index


def get_adapter(name: str) -> DatasetAdapter:
    """The adapter for a dataset name or alias (case-insensitive); unknown names list close ones."""
    found = _by_key().get(normalise(name))
    if found is not None:
        return found
    names = [adapter.name for adapter in _adapters()] + [alias for a in _adapters() for alias in a.aliases]
    close = difflib.get_close_matches(name, names, n=5, cutoff=0.5) or difflib.get_close_matches(
        name.casefold(), [n.casefold() for n in names], n=5, cutoff=0.5
    )
    hint = f"did you mean {', '.join(close)}? " if close else ""
    raise UnknownDatasetError(
        f"unknown dataset {name!r}; {hint}`uir sources` lists the {len(_adapters())} known datasets"
    )


def folder_names(adapter: DatasetAdapter) -> tuple[str, ...]:
    """Folder names a dataset is looked for under --sources-root, most specific first."""
    own = (adapter.name, *adapter.aliases, *getattr(adapter, "folder_names", ()))
    parent = getattr(adapter, "parent", None)
    return own + (folder_names(parent) if parent is not None else ())


def _descend(adapter: DatasetAdapter, folder: Path) -> Path | None:
    """The folder itself or, for an archive that adds one root level, its child that holds the dataset."""
    if adapter.detect(folder):
        return folder
    for child in sorted(folder.iterdir()) if folder.is_dir() else ():
        if child.is_dir() and adapter.detect(child):
            return child
    return None


def locate(name: str, sources_root: Path | None, overrides: dict[str, Path]) -> Path | None:
    """The folder holding a dataset: a --source NAME=PATH override, else sources_root/<name or alias>."""
    adapter = get_adapter(name)
    wanted = [normalise(n) for n in folder_names(adapter)]
    own = {normalise(n) for n in (adapter.name, *adapter.aliases, *getattr(adapter, "folder_names", ()))}
    by_key = {normalise(key): Path(path).expanduser() for key, path in overrides.items()}
    for key in wanted:
        if key in by_key:
            path = by_key[key]
            if not path.is_dir():
                raise SourceError(f"--source {key}={path}: no such folder")
            return _descend(adapter, path) or path
    if sources_root is None:
        return None
    sources_root = Path(sources_root).expanduser()
    if not sources_root.is_dir():
        raise UsageError(f"--sources-root {sources_root}: no such folder")
    children: dict[str, Path] = {}
    for child in sorted(sources_root.iterdir()):
        if child.is_dir():
            children.setdefault(normalise(child.name), child)
    fallback = None
    for key in wanted:
        child = children.get(key)
        if child is None:
            continue
        found = _descend(adapter, child)
        if found is not None:
            return found
        if key in own and fallback is None:
            fallback = (
                child  # named for this dataset but not in its layout: pairs() will say what is expected
            )
    return fallback


def scan_source(adapter: DatasetAdapter, root: Path, inspect: bool = False) -> ScanResult:
    """Pairs, clean items and problems of one dataset folder; a folder that cannot be read is one problem."""
    try:
        scan = getattr(adapter, "scan", None)
        if scan is not None:
            return scan(Path(root), inspect)
        return ScanResult(pairs=list(adapter.pairs(root)), clean=list(adapter.clean_items(root)))
    except SourceError as error:
        return ScanResult(problems=[Problem("source-layout", str(error))])


class SourceCheck(NamedTuple):
    """One dataset found under a sources root, what it yields and what is wrong with it."""

    adapter: DatasetAdapter
    path: Path
    count: int  # pairs for paired datasets, clean images for clean pools
    problems: list[Problem]


def check_sources(root: Path, overrides: dict[str, Path] | None = None) -> list[SourceCheck]:
    """Every dataset found under root (views aside: their family covers them), scanned with header checks."""
    checks = []
    for adapter in _adapters():
        if isinstance(adapter, SubsetView):
            continue
        path = locate(adapter.name, Path(root), overrides or {})
        if path is None:
            continue
        result = scan_source(adapter, path, inspect=True)
        checks.append(SourceCheck(adapter, path, len(result.pairs) + len(result.clean), result.problems))
    return checks


def unrecognised_folders(root: Path) -> list[str]:
    """Folders under a sources root that no dataset name or alias matches."""
    known = {normalise(name) for adapter in _adapters() for name in folder_names(adapter)}
    return sorted(
        child.name for child in Path(root).iterdir() if child.is_dir() and normalise(child.name) not in known
    )
