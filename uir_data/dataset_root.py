"""The rules every reader of a dataset root applies, the same ones `uir verify-manifest` enforces.

Two questions, one answer each, so training, evaluation, export and restore cannot drift from verify:
- may this manifest path be opened? (`member_path`: relative, no '..', and it does not leave the root
  through a symlink)
- is this root a finished build? (`build_status` / `require_complete`: what the build's run record
  planned against the tasks whose completion markers are intact)
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from uir_data.errors import UirError
from uir_data.manifest import ManifestError, path_problem

RUN_FILE = "run.json"


class UnsafePathError(ManifestError):
    """A manifest path that would read outside the dataset root."""


class IncompleteDatasetError(UirError):
    """A root whose build has not finished; readers refuse it unless told to accept it."""


def member_path(root: Path, relative: str) -> Path:
    """The file a manifest path names under `root`; refuses '..', absolute paths and symlink escapes."""
    problem = path_problem(relative)
    if problem:
        raise UnsafePathError(f"{root}: manifest path {relative!r} refused: {problem}")
    candidate = Path(root) / relative
    real_root = os.path.realpath(root)
    real = os.path.realpath(candidate)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise UnsafePathError(
            f"{candidate}: manifest path {relative!r} refused: it leaves the dataset root {root} through a symlink"
        )
    return candidate


@dataclass(frozen=True)
class BuildStatus:
    """What a uir build planned and how much of it is certified done by intact task markers."""

    root: str
    pairs_planned: int
    pairs_done: int
    tasks_planned: int
    tasks_done: int

    @property
    def complete(self) -> bool:
        return self.tasks_done == self.tasks_planned

    def message(self) -> str:
        return (
            f"{self.root}: incomplete: {self.pairs_done} of {self.pairs_planned} pairs "
            f"({self.tasks_done} of {self.tasks_planned} tasks); rerun the build to finish"
        )


def build_status(root: Path) -> BuildStatus | None:
    """The completeness of a build folder, or None for a root no uir build wrote (no run record)."""
    # Imported here: task.py pulls in the whole engine, which readers of a finished root never need.
    from uir_data.task import intact_marker

    root = Path(root)
    run_file = root / RUN_FILE
    if not run_file.is_file():
        return None
    try:
        record = json.loads(run_file.read_text())
        tasks_planned, pairs_planned = int(record["tasks"]), int(record["pairs"])
        packing = record.get("packing_hash")  # absent in folders built before markers named their packing
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ManifestError(f"{run_file}: unreadable run record ({error}); rerun the build") from None
    tasks_done = pairs_done = 0
    for index in range(tasks_planned):
        marker = intact_marker(root, index, packing)  # read once: a full-size root has ~2,500 markers
        if marker is not None:
            tasks_done += 1
            pairs_done += int(marker.get("planned", 0))
    return BuildStatus(str(root), pairs_planned, pairs_done, tasks_planned, tasks_done)


def require_complete(root: Path, *, allow_incomplete: bool = False) -> BuildStatus | None:
    """Refuse an unfinished build (the message says how far it got and to rerun or --allow-incomplete)."""
    status = build_status(root)
    if status is not None and not status.complete and not allow_incomplete:
        raise IncompleteDatasetError(status.message() + ", or pass --allow-incomplete to use what is there")
    return status
