"""Keep freed image buffers in the process instead of returning them to the OS after every pair.

A pair allocates and frees a few dozen full-size float32 temporaries (3 MB each at 512²). glibc's malloc
serves such blocks with mmap or trims the heap top on free, so the next pair touches fresh pages again:
on the project's 2-core machine these page faults cost about a third of the CPU time of the weather types
(measured with bench.degradations). Raising the thresholds once per worker keeps the pages mapped;
values, bytes and determinism are unchanged. Call `keep_freed_memory()` at the start of a build worker or
benchmark; it is a no-op off glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

# glibc mallopt parameters (malloc.h) and the values set: blocks up to 32 MiB (glibc's maximum for the
# mmap threshold on 64-bit) come from the heap, and up to 512 MiB of free heap top is kept.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024
TRIM_THRESHOLD_BYTES = 512 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set glibc's trim and mmap thresholds for this process; True when both were accepted."""
    if not sys.platform.startswith("linux"):
        return False
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError):  # musl and other C libraries have no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)) and bool(
        mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)
    )
