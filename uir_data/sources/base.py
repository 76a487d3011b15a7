"""What a source yields: clean images to degrade (CleanItem) or published (LQ, GT) pairs (PairItem).

Every item knows its dataset, its path inside the dataset (POSIX, relative), its group (what must stay
in one split, e.g. the clean scene) and its license. `split` is the dataset's official split when it
has one; None lets the build assign splits by group from the recipe's fractions.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from uir_data.errors import UirError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")


class SourceError(UirError):
    """A source folder that is missing, empty or not in the layout its adapter expects."""


@dataclass(frozen=True)
class CleanItem:
    """One clean image that synthetic degradations are applied to."""

    source_dataset: str
    source_path: str
    file: Path
    group_id: str
    license: str
    split: str | None = None


@dataclass(frozen=True)
class PairItem:
    """One published (LQ, GT) pair, ingested byte for byte."""

    source_dataset: str
    source_path: str  # the LQ file inside its dataset
    lq_file: Path
    gt_file: Path
    gt_source_path: str  # the GT file inside its dataset
    degradation: str  # UIR type abbreviation
    origin: str  # paired-real or paired-synthetic
    group_id: str
    split: str
    license: str
    params: dict[str, Any] = field(default_factory=dict)  # what the dataset says of the level, if anything


class DatasetAdapter:
    """One published dataset family: its layout, pairing rule, group rule, official split and license.

    Subclasses set the class attributes and implement `pairs` (paired datasets) or `clean_items`
    (clean pools used for synthesis), or both.
    """

    name: ClassVar[str]
    aliases: ClassVar[tuple[str, ...]] = ()
    license: ClassVar[str]
    types: ClassVar[tuple[str, ...]] = ()
    origin: ClassVar[str] = "paired-synthetic"
    expected_layout: ClassVar[str] = ""
    homepage: ClassVar[str] = ""

    def detect(self, root: Path) -> bool:
        """True when `root` looks like this dataset as extracted from the official archive."""
        raise NotImplementedError

    def pairs(self, root: Path) -> Iterator[PairItem]:
        """Every (LQ, GT) pair under root, in a deterministic order."""
        return iter(())

    def clean_items(self, root: Path) -> Iterator[CleanItem]:
        """Every clean image under root, for synthetic degradation, in a deterministic order."""
        return iter(())


def list_images(folder: Path) -> list[Path]:
    """Image files under folder, recursively, sorted by POSIX relative path (deterministic)."""
    folder = Path(folder)
    found = [
        path
        for path in folder.rglob("*")
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES and not path.name.startswith(".")
    ]
    return sorted(found, key=lambda path: path.relative_to(folder).as_posix())


def printable_path(text: str) -> str:
    """A file name as valid UTF-8 text. Python keeps name bytes that are not UTF-8 as lone surrogates,
    which Parquet, JSON files and terminals refuse; each such byte is written as %XX instead (readable,
    no path separator, and the file itself is still opened by its real name)."""
    decoded = os.fsencode(text).decode("utf-8", "surrogateescape")
    return "".join(f"%{ord(c) - 0xDC00:02X}" if "\udc80" <= c <= "\udcff" else c for c in decoded)


def is_printable(text: str) -> bool:
    """True when text is valid UTF-8 (no surrogate-escaped bytes from a non-UTF-8 file name)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
