"""Worker processes that never outlive their parent, even when it dies by kill -9 (which runs no cleanup).

Used by the build's process pool and by the training data loader's workers: a worker busy decoding or
blocked would otherwise linger (torch checks its parent only between batches, every 5 s).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(parent_pid: int) -> None:
    """Exit this process when `parent_pid` (its parent at fork) dies: Linux's parent-death SIGKILL, else a
    thread that polls the parent."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent_pid:  # the parent died before prctl took effect
            os._exit(1)
        return

    def watch() -> None:  # elsewhere: poll, since there is no portable death signal
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
