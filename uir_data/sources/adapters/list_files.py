"""Pairing driven by the authors' list files (RSBlur, RealBlur): one `gt_path lq_path` line per pair.

The lists are the official split, and for RSBlur the only way to tell pairs apart: every file is called
`real_blur.png` or `gt_sharp.png`, identity lives in the directories. Lines
are GT first, exactly what MaskDCPT's `PairedImageTxtlistDataset` reads; RealBlur lines end in a space.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uir_data.sources.adapters.paired_folders import PairScanner, ScanResult, no_pairs_message
from uir_data.sources.base import DatasetAdapter, PairItem, SourceError


@dataclass(frozen=True)
class ListedSubset:
    """One list file of a dataset and what its pairs are."""

    name: str  # source_dataset of the pairs
    list_name: str  # file name of the list, searched in the adapter's list folders
    split: str
    degradation: str
    origin: str
    group: str  # regex searched in the GT path; its first group (or the whole match) is the group id
    params: dict[str, Any] = field(default_factory=dict)
    required: bool = False  # a missing required list is an error, an optional one is skipped


def resolve_listed(root: Path, listed: str) -> Path | None:
    """A path from a list file, relative to root, to root's parent (lists name the root folder) or absent."""
    parts = Path(listed.replace("\\", "/")).parts
    if not parts:
        return None
    for candidate in (root.joinpath(*parts), root.parent.joinpath(*parts)):
        if candidate.is_file() and root in candidate.parents:
            return candidate
    return None


class ListedPairsAdapter(DatasetAdapter):
    """A dataset whose pairs and splits come from list files; subclasses give the lists and folders."""

    list_folders: tuple[str, ...] = (".",)  # where the lists may sit, relative to the root

    def list_subsets(self) -> Sequence[ListedSubset]:
        raise NotImplementedError

    def data_marker(self, root: Path) -> bool:
        """True when root holds this dataset's image folders (lists aside)."""
        raise NotImplementedError

    def find_list(self, root: Path, name: str) -> Path | None:
        for folder in self.list_folders:
            candidate = root / folder / name
            if candidate.is_file():
                return candidate
        return None

    def detect(self, root: Path) -> bool:
        return Path(root).is_dir() and self.data_marker(Path(root))

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        """Pairs and problems from every list file found under root (of the named subsets only, if given)."""
        root = Path(root)
        if not self.detect(root):
            raise SourceError(f"{root}: does not look like {self.name}; expected {self.expected_layout}")
        found = {subset.list_name: self.find_list(root, subset.list_name) for subset in self.list_subsets()}
        if not any(found.values()):
            wanted = ", ".join(subset.list_name for subset in self.list_subsets() if subset.required)
            raise SourceError(
                f"{root}: {self.name} pairs and splits are defined by the authors' list files ({wanted}), "
                f"none found in {', '.join(self.list_folders)}; download them from {self.homepage} and put "
                "them next to the image folders"
            )
        scanner = PairScanner(root, self.license, inspect)
        for subset in self.list_subsets():
            if only is not None and subset.name not in only:
                continue
            list_file = found[subset.list_name]
            if list_file is None:
                if subset.required:
                    scanner.problem("missing-list", f"{self.name}: list file {subset.list_name} not found")
                continue
            self._add_list(scanner, root, subset, list_file)
        return scanner.finish()

    def _add_list(self, scanner: PairScanner, root: Path, subset: ListedSubset, list_file: Path) -> None:
        shown = list_file.relative_to(root).as_posix()
        group_rule = re.compile(subset.group)
        for number, line in enumerate(list_file.read_text(encoding="utf-8").splitlines(), start=1):
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if len(fields) != 2:
                scanner.problem(
                    "bad-list-line", f"line {number}: expected 'gt_path lq_path', got {line!r}", shown
                )
                continue
            gt_listed, lq_listed = fields
            gt_file, lq_file = resolve_listed(root, gt_listed), resolve_listed(root, lq_listed)
            missing = [text for text, path in ((gt_listed, gt_file), (lq_listed, lq_file)) if path is None]
            if missing:
                scanner.problem(
                    "missing-file",
                    f"line {number}: listed file {' and '.join(missing)} not found; pair left out",
                    shown,
                )
                continue
            assert gt_file is not None and lq_file is not None
            match = group_rule.search(gt_listed)
            group = (match.group(1) if match.groups() else match.group(0)) if match else gt_listed
            scanner.emit(
                subset.name,
                lq_file,
                gt_file,
                group_id=f"{self.name}/{group}",
                split=subset.split,
                degradation=subset.degradation,
                origin=subset.origin,
                params=dict(subset.params),
            )

    def pairs(self, root: Path) -> Iterator[PairItem]:
        result = self.scan(root)
        if not result.pairs:
            raise SourceError(no_pairs_message(self.name, root, result.problems))
        return iter(result.pairs)
