"""Open the files a manifest names: the dataset-root path rule, regular files only, never a hang.

Verify, the leakage guard and the export read every image of a root, so hostile entries must cost one
clear problem each, not the whole run: a symlink leaving the root is refused (`dataset_root.member_path`),
a symlink loop is an unreadable file, and a FIFO, socket, device or folder in place of an image is named
as such (opened non-blocking, then checked with fstat, so a FIFO never waits for a writer).

`member_path` resolves every component of a path (one lstat each), which cost as much as hashing the file
on million-file roots. Here each folder is resolved once, and the file itself is opened with O_NOFOLLOW:
only when that fails because the last component is a symlink is the full rule applied to it.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

from uir_data.dataset_root import UnsafePathError, member_path
from uir_data.manifest import path_problem

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class MemberFileError(Exception):
    """A manifest file that cannot be read as a regular file inside the root; `check` names the kind."""

    def __init__(self, check: str, message: str):
        super().__init__(message)
        self.check = check
        self.message = message


def kind_of(mode: int) -> str:
    """'a FIFO (named pipe)', 'a folder', ... for a non-regular file mode."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


class RootFiles:
    """Opens files of one dataset root under the path rule; safe to share between threads."""

    def __init__(self, root: Path):
        self.root = str(root)
        self._folders: dict[str, str | None] = {}  # folder (relative) -> why it is refused, or None
        self._lock = threading.Lock()

    def _folder_refusal(self, rel: str) -> str | None:
        folder = rel.rpartition("/")[0]
        if not folder:
            return None
        if folder not in self._folders:
            try:
                member_path(Path(self.root), folder)
                reason = None
            except UnsafePathError as error:
                reason = str(error)
            with self._lock:
                self._folders[folder] = reason
        return self._folders[folder]

    def open(self, rel: str) -> tuple[int, os.stat_result]:
        """(fd, fstat) of a regular file; MemberFileError otherwise. The caller closes the fd."""
        problem = path_problem(rel)  # '..', absolute, backslashes: before any folder is looked at
        if problem:
            raise MemberFileError("path", f"manifest path {rel!r} refused: {problem}")
        reason = self._folder_refusal(rel)
        if reason:
            raise MemberFileError("path", reason)
        path = os.path.join(self.root, rel)  # plain strings: pathlib's parsing showed up next to hashing
        try:
            try:
                fd = os.open(path, _OPEN_FLAGS | _NOFOLLOW)
            except OSError as error:
                if error.errno != errno.ELOOP or not _NOFOLLOW:
                    raise
                # The last component is a symlink: it may point anywhere, so apply the full rule first.
                try:
                    member_path(Path(self.root), rel)
                except UnsafePathError as refused:
                    raise MemberFileError("path", str(refused)) from None
                fd = os.open(path, _OPEN_FLAGS)
        except (FileNotFoundError, NotADirectoryError):
            raise MemberFileError("missing-file", "file does not exist") from None
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise MemberFileError("unreadable", "symlink loop: the link never reaches a file") from None
            raise MemberFileError("unreadable", f"cannot open the file ({error.strerror})") from None
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            os.close(fd)
            raise MemberFileError("not-a-file", f"is {kind_of(info.st_mode)}, not an image file")
        return fd, info

    def read(self, rel: str) -> bytes:
        """The whole content of a regular file inside the root; MemberFileError otherwise."""
        fd, info = self.open(rel)
        try:
            return read_fd(fd, info.st_size)
        except OSError as error:
            raise MemberFileError("unreadable", f"cannot read the file ({error.strerror})") from None
        finally:
            os.close(fd)


def read_fd(fd: int, size: int) -> bytes:
    """Read `size` bytes from fd (fewer when the file was cut short meanwhile)."""
    data = os.read(fd, size)
    if len(data) == size or not data:
        return data
    chunks = [data]
    got = len(data)
    while got < size and (chunk := os.read(fd, size - got)):
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
