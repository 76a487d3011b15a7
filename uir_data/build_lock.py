"""One build at a time per dataset root: advisory locks (flock) that die with the process holding them.

A plain build holds the root's lock exclusively. Array jobs (`--task-index I --num-tasks N`) share it, so
they can run at the same time, and each holds its own index exclusively, so one index never runs twice at
once. The kernel drops a flock when its holder exits in any way (kill -9 included), so a crashed build
never leaves a stale lock behind; the lock files themselves are harmless and stay.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from uir_data.errors import UirError

LOCK_FILE = ".uir-build.lock"
RECORD_LOCK_FILE = ".uir-record.lock"
UNSUPPORTED = {errno.ENOLCK, errno.EOPNOTSUPP, errno.EINVAL, errno.ENOSYS}


class BuildLockedError(UirError):
    """Another uir process is building into the same root."""


def _holder(fd: int) -> str:
    """The pid an exclusive holder wrote into its lock file, for the message ('' when unknown)."""
    with contextlib.suppress(OSError, ValueError):
        text = os.pread(fd, 32, 0).decode().strip()
        if text.isdigit():
            return f" (pid {text})"
    return ""


def _try_lock(path: Path, mode: int) -> tuple[int, bool]:
    """(descriptor, acquired); a busy lock keeps its descriptor open so the caller can read the holder."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        return fd, False
    except OSError as error:
        if error.errno not in UNSUPPORTED:
            os.close(fd)
            raise
        # Some cluster file systems (Lustre mounted without -o flock, old NFS) have no flock: build
        # unguarded rather than not at all, and say so once.
        print(f"warning: {path.parent} does not support file locks; nothing stops two builds into it", file=sys.stderr)
    return fd, True


def _claim(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


@contextlib.contextmanager
def build_lock(out: Path, task_index: int | None = None, num_tasks: int | None = None) -> Iterator[None]:
    """Hold the root's build lock (shared plus the job's own index in array mode) or refuse at once."""
    out = Path(out)
    array = num_tasks is not None
    held: list[int] = []
    try:
        fd, acquired = _try_lock(out / LOCK_FILE, fcntl.LOCK_SH if array else fcntl.LOCK_EX)
        if not acquired:
            holder = _holder(fd)
            os.close(fd)
            raise BuildLockedError(
                f"{out} is being built by another uir process{holder}; wait for it to finish (or stop it), "
                "or build into another --out"
            )
        held.append(fd)
        if not array:
            _claim(fd)
        else:
            index_file = out / f".uir-build-job-{task_index}-of-{num_tasks}.lock"
            fd, acquired = _try_lock(index_file, fcntl.LOCK_EX)
            if not acquired:
                holder = _holder(fd)
                os.close(fd)
                raise BuildLockedError(
                    f"{out}: array job --task-index {task_index} --num-tasks {num_tasks} is already running"
                    f"{holder}; start each index once (a rerun after it ends resumes it)"
                )
            held.append(fd)
            _claim(fd)
        yield
    finally:
        for fd in held:
            os.close(fd)  # closing the descriptor releases the flock


@contextlib.contextmanager
def record_lock(out: Path) -> Iterator[None]:
    """Serialise the short check-then-write steps of concurrent array jobs: the run record, the summary."""
    fd = os.open(Path(out) / RECORD_LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):  # no flock on this file system: see _try_lock
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
