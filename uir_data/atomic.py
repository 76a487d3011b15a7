"""Atomic file writes: write to a temporary name in the destination folder, then rename.

A reader (or a resumed build) therefore sees either the old file or the complete new one, never a
half-written file, even if the process is killed mid-write.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

TEMP_MARK = ".uir-tmp-"


def temp_name(path: Path) -> Path:
    return path.with_name(f"{TEMP_MARK}{os.getpid()}-{path.name}")


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path to write; on success it is renamed onto `path`, on error removed."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise


def write_bytes_atomic(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def write_text_atomic(path: Path, text: str) -> None:
    write_bytes_atomic(path, text.encode("utf-8"))


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files a killed process left behind under `folder`; returns how many."""
    removed = 0
    for stale in Path(folder).rglob(f"{TEMP_MARK}*"):
        with contextlib.suppress(FileNotFoundError):
            stale.unlink()
            removed += 1
    return removed
