"""The generic paired-folder adapter: LQ files under one folder, each mapped to its GT file by a path rule.

Most published restoration datasets are "two sibling folders and a filename rule".
A dataset adapter therefore only declares its subsets (`PairedSubset`: LQ folder, GT folder, rules,
split, type, origin) and this module does the walking, pairing, grouping and problem reporting once.

Rules are full-match regexes over the LQ path *relative to its folder, without suffix* (so identity kept in
sub-directories, e.g. GoPro sequences or RSBlur frames, stays in the key) and a `str.format` template for
the GT path built from the named groups. Matching whole relative paths, anchored, avoids the blind
`str.replace` pitfall (`raindrop_data` -> `cleandrop_data`). GT files are found by
stem, so an extension change between LQ and GT (REDS jpg -> png, SOTS-outdoor, SRRS) needs no extra rule.
"""

from __future__ import annotations

import functools
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from uir_data.problems import Problem
from uir_data.sources.base import IMAGE_SUFFIXES, CleanItem, DatasetAdapter, PairItem, SourceError

# Files that archives and file browsers leave behind; never reported (BSDS500 ships Thumbs.db).
IGNORED_NAMES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class PairRule:
    """LQ relative stem (full-match regex with named groups) -> GT relative stem (format template)."""

    lq: str
    gt: str


SAME_NAME = PairRule(r"(?P<stem>.+)", "{stem}")


@dataclass(frozen=True)
class PairedSubset:
    """One LQ folder of a dataset, how its files map to GT files, and what its pairs are."""

    name: str  # source_dataset of the pairs, e.g. "Rain100L" or "SOTS-outdoor"
    lq_dir: str  # relative to the dataset root
    gt_dir: str
    split: str
    degradation: str
    origin: str
    rules: tuple[PairRule, ...] = (SAME_NAME,)  # tried in order; the first whose GT exists wins
    group: str = "{gt}"  # group_id template (after name/gt_dir): the rule's named groups, {gt} = GT stem
    params: dict[str, Any] = field(default_factory=dict)  # fixed facts, e.g. the variant
    level_keys: tuple[str, ...] = ()  # named groups stored in params (haze A/beta, rain s/a, ...)
    gt_pattern: str = ""  # relative stems in lq_dir that are GTs (same-folder layouts), never LQs
    ignore: str = ""  # relative stems in lq_dir that are neither (masks, sidecars)
    recursive: bool = True
    report_unused_gt: bool = True  # a GT no LQ points to means a missing LQ file


@dataclass
class ScanResult:
    """What a dataset folder yields: pairs or clean images, and every problem met on the way."""

    pairs: list[PairItem] = field(default_factory=list)
    clean: list[CleanItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@functools.lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def relative_stem(path: Path, folder: Path) -> str:
    """POSIX path of `path` inside `folder`, without its suffix."""
    return path.relative_to(folder).with_suffix("").as_posix()


def walk_files(folder: Path, recursive: bool = True) -> tuple[list[Path], list[Path]]:
    """(image files, other files) under folder, sorted by relative POSIX path; hidden and junk files skipped."""
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    images, others = [], []
    for path in candidates:
        if not path.is_file() or path.name.startswith(".") or path.name.lower() in IGNORED_NAMES:
            continue
        (images if path.suffix.lower() in IMAGE_SUFFIXES else others).append(path)

    def key(path: Path) -> str:
        return path.relative_to(folder).as_posix()

    return sorted(images, key=key), sorted(others, key=key)


def image_header(path: Path) -> tuple[int, int, int]:
    """(width, height, bits per channel) read from the file header only, without decoding pixels."""
    with open(path, "rb") as handle:
        head = handle.read(26)
    if head[:8] == PNG_SIGNATURE and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return width, height, head[24]
    from PIL import Image  # lazy: only non-PNG files need it

    with Image.open(path) as image:
        bits = 16 if image.mode.startswith("I;16") or image.mode == "I" else 8
        return image.size[0], image.size[1], bits


def first_dir(root: Path, *candidates: str) -> str | None:
    """The first candidate sub-folder (relative path) that exists under root, or None."""
    for candidate in candidates:
        if (root / candidate).is_dir():
            return candidate
    return None


def _number_or_text(text: str) -> Any:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


class PairScanner:
    """Accumulates pairs and problems over the subsets of one dataset root."""

    def __init__(self, root: Path, license: str, inspect: bool) -> None:
        self.root = root
        self.license = license
        self.inspect = inspect
        self.result = ScanResult()
        self._gt_index: dict[tuple[str, str], dict[str, list[Path]]] = {}
        self._used_gt: set[Path] = set()
        self._unused_checks: dict[Path, str] = {}  # GT file -> subset name, for GTs that need an LQ
        self._headers: dict[Path, tuple[int, int, int] | None] = {}

    def problem(self, check: str, message: str, file: Path | str = "") -> None:
        shown = file.relative_to(self.root).as_posix() if isinstance(file, Path) else file
        self.result.problems.append(Problem(check=check, message=message, file=shown))

    def header(self, path: Path) -> tuple[int, int, int] | None:
        if path not in self._headers:
            try:
                self._headers[path] = image_header(path)
            except (OSError, ValueError, struct.error, SyntaxError) as error:
                self.problem("unreadable-image", f"cannot read the image header ({error})", path)
                self._headers[path] = None
        return self._headers[path]

    def _gt_files(self, subset: PairedSubset) -> dict[str, list[Path]]:
        key = (subset.gt_dir, subset.gt_pattern)
        if key not in self._gt_index:
            folder = self.root / subset.gt_dir
            images, _ = walk_files(folder, subset.recursive)
            index: dict[str, list[Path]] = {}
            same_folder = subset.gt_dir == subset.lq_dir
            for path in images:
                stem = relative_stem(path, folder)
                if same_folder and not _compiled(subset.gt_pattern).fullmatch(stem):
                    continue
                index.setdefault(stem, []).append(path)
            self._gt_index[key] = index
        return self._gt_index[key]

    def add_subset(self, subset: PairedSubset) -> bool:
        """Pair every LQ of one subset; False when its folders are not there (subset not downloaded)."""
        lq_folder, gt_folder = self.root / subset.lq_dir, self.root / subset.gt_dir
        if not lq_folder.is_dir():
            return False
        if not gt_folder.is_dir():
            self.problem(
                "missing-gt-folder",
                f"{subset.name}: LQ folder {subset.lq_dir} has no GT folder {subset.gt_dir}",
            )
            return True
        gt_index = self._gt_files(subset)
        images, others = walk_files(lq_folder, subset.recursive)
        for other in others:
            self.problem(
                "not-an-image",
                f"{subset.name}: {other.suffix or 'no'} extension is not an image type "
                f"({', '.join(IMAGE_SUFFIXES)}); file left out",
                other,
            )
        if not images:
            self.problem("empty-folder", f"{subset.name}: no image files in {subset.lq_dir}", subset.lq_dir)
        if subset.report_unused_gt:
            for paths in gt_index.values():
                for gt_file in paths:
                    self._unused_checks.setdefault(gt_file, subset.name)
        for lq_file in images:
            stem = relative_stem(lq_file, lq_folder)
            if subset.gt_pattern and _compiled(subset.gt_pattern).fullmatch(stem):
                continue
            if subset.ignore and _compiled(subset.ignore).fullmatch(stem):
                continue
            self._pair_one(subset, lq_file, stem, gt_index)
        return True

    def _pair_one(
        self, subset: PairedSubset, lq_file: Path, stem: str, gt_index: dict[str, list[Path]]
    ) -> None:
        first_expected = None
        for rule in subset.rules:
            match = _compiled(rule.lq).fullmatch(stem)
            if match is None:
                continue
            groups = {key: value or "" for key, value in match.groupdict().items()}
            gt_stem = rule.gt.format(**groups)
            candidates = gt_index.get(gt_stem)
            if not candidates:
                first_expected = first_expected or gt_stem
                continue
            if len(candidates) > 1:
                names = ", ".join(path.name for path in candidates)
                self.problem("ambiguous-gt", f"{subset.name}: several GT files match ({names})", lq_file)
                return
            self._emit(subset, lq_file, candidates[0], gt_stem, groups)
            return
        if first_expected is None:
            patterns = " or ".join(rule.lq for rule in subset.rules)
            self.problem(
                "unrecognised-name",
                f"{subset.name}: name does not follow the dataset's rule ({patterns})",
                lq_file,
            )
        else:
            self.problem(
                "missing-gt",
                f"{subset.name}: no GT file {subset.gt_dir}/{first_expected}.* for this LQ; pair left out",
                lq_file,
            )

    def _emit(
        self, subset: PairedSubset, lq_file: Path, gt_file: Path, gt_stem: str, groups: dict[str, str]
    ) -> None:
        params: dict[str, Any] = dict(subset.params)
        for key in subset.level_keys:
            if groups.get(key):
                params[key] = _number_or_text(groups[key])
        self.emit(
            subset.name,
            lq_file,
            gt_file,
            # The GT folder is part of the group: scene ids repeat across split folders (REDS clip 000).
            group_id="/".join(
                part
                for part in (
                    subset.name,
                    Path(subset.gt_dir).as_posix(),
                    subset.group.format(gt=gt_stem, **groups),
                )
                if part not in ("", ".")
            ),
            split=subset.split,
            degradation=subset.degradation,
            origin=subset.origin,
            params=params,
        )

    def emit(
        self,
        name: str,
        lq_file: Path,
        gt_file: Path,
        *,
        group_id: str,
        split: str,
        degradation: str,
        origin: str,
        params: dict[str, Any],
    ) -> None:
        """Record one pair (after the header checks when inspecting)."""
        self._used_gt.add(gt_file)  # claimed even if the pair is dropped below: that problem is reported once
        if self.inspect and not self._sizes_match(name, lq_file, gt_file, params):
            return
        self.result.pairs.append(
            PairItem(
                source_dataset=name,
                source_path=lq_file.relative_to(self.root).as_posix(),
                lq_file=lq_file,
                gt_file=gt_file,
                gt_source_path=gt_file.relative_to(self.root).as_posix(),
                degradation=degradation,
                origin=origin,
                group_id=group_id,
                split=split,
                license=self.license,
                params=params,
            )
        )

    def _sizes_match(self, name: str, lq_file: Path, gt_file: Path, params: dict[str, Any]) -> bool:
        lq_head, gt_head = self.header(lq_file), self.header(gt_file)
        if lq_head is None or gt_head is None:
            return False
        if lq_head[:2] != gt_head[:2]:
            self.problem(
                "size-mismatch",
                f"{name}: LQ is {lq_head[0]}x{lq_head[1]} but GT "
                f"{gt_file.relative_to(self.root).as_posix()} is {gt_head[0]}x{gt_head[1]}; pair left out",
                lq_file,
            )
            return False
        if max(lq_head[2], gt_head[2]) > 8:
            # Flag, never convert: ingestion is byte for byte (DPDD is 16-bit).
            params["bit_depth"] = max(lq_head[2], gt_head[2])
        return True

    def finish(self) -> ScanResult:
        """Report GT files no LQ pointed to (a missing LQ), then return the result."""
        for gt_file, subset_name in sorted(self._unused_checks.items()):
            if gt_file not in self._used_gt:
                self.problem(
                    "unused-gt", f"{subset_name}: no LQ file in the dataset pairs with this GT", gt_file
                )
        return self.result


class PairedFolderAdapter(DatasetAdapter):
    """A dataset described by `PairedSubset`s; subclasses implement `subsets(root)`."""

    def subsets(self, root: Path) -> Sequence[PairedSubset]:
        """Every subset this dataset may have under root (those not present are skipped)."""
        raise NotImplementedError

    def detect(self, root: Path) -> bool:
        root = Path(root)
        return root.is_dir() and any(
            (root / s.lq_dir).is_dir() and (root / s.gt_dir).is_dir() for s in self.subsets(root)
        )

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        """Pairs and problems under root (of the named subsets only, if given); `inspect` also reads
        image headers (sizes, bit depth)."""
        root = Path(root)
        self.require_layout(root)
        scanner = PairScanner(root, self.license, inspect)
        for subset in self.subsets(root):
            if only is None or subset.name in only:
                scanner.add_subset(subset)
        return scanner.finish()

    def require_layout(self, root: Path) -> None:
        """Raise a SourceError naming the expected layout when root does not look like this dataset."""
        if not root.is_dir():
            raise SourceError(f"{root}: {self.name} folder not found")
        if not self.detect(root):
            raise SourceError(
                f"{root}: does not look like {self.name} as extracted from its archive; "
                f"expected {self.expected_layout}"
            )

    def pairs(self, root: Path) -> Iterator[PairItem]:
        result = self.scan(root)
        if not result.pairs:
            raise SourceError(no_pairs_message(self.name, root, result.problems))
        return iter(result.pairs)


def no_pairs_message(name: str, root: Path, problems: Sequence[Problem]) -> str:
    """One sentence for a dataset folder that yielded nothing, quoting its first problems."""
    shown = "; ".join(str(problem) for problem in problems[:3])
    more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
    return f"{root}: no {name} pairs found" + (f": {shown}{more}" if shown else "")
