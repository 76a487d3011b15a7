"""Shared test setup: small source folders made by the tests themselves."""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import pytest
from testkit import smooth_photo, write_rgb

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
cv2.setNumThreads(1)


@pytest.fixture
def photo_folder(tmp_path: Path) -> Path:
    """Six small clean photos (two in a sub-folder, one JPEG) for fast builds."""
    folder = tmp_path / "photos"
    for index in range(6):
        name = f"sub/img{index}.png" if index >= 4 else f"img{index}.png"
        if index == 3:
            name = "img3.jpg"
        write_rgb(folder / name, smooth_photo(index, 72 + 8 * index, 96))
    return folder


@pytest.fixture
def run_cli():
    """Run `uir ...` in-process and return its exit code (read output with capsys)."""
    from cli.main import main

    def runner(*args) -> int:
        return main([str(a) for a in args])

    return runner
