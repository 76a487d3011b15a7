"""How many threads the training process uses, so that it and its data workers do not oversubscribe the CPUs.

PyTorch's default is one intra-op thread per core in every process. With DataLoader workers decoding on
the same cores (and, under torchrun, several ranks per machine), the OpenMP threads spin against each
other: on a 2-core box the default gave 0.7 img/s where one thread gave 5-19 img/s (tiny-cpu preset).
Each DataLoader worker gets one thread (maskdcpt.data.worker_init); the main process of each local rank
gets the cores left over by its workers, and one thread when its share is small.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import cv2
import torch


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask: a cgroup/taskset limit, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS/Windows have no affinity API
        return os.cpu_count() or 1


SMALL_SHARE = 4  # CPUs per rank at or below which the main process keeps one thread


def default_threads(workers: int, local_ranks: int = 1, cpus: int | None = None) -> int:
    """Intra-op threads of one rank's main process: its share of the CPUs minus its data workers, >= 1.

    On a small share (<= 4 CPUs) one thread: a second one gains at most 2x, while spinning OpenMP threads
    that share two cores with decoders or other jobs lose 10-30x (tiny-cpu: 0.7 vs 5-19 img/s).
    """
    share = (usable_cpus() if cpus is None else cpus) // max(1, local_ranks)
    if share <= SMALL_SHARE:
        return 1
    return max(1, share - workers)


@contextlib.contextmanager
def thread_budget(threads: int) -> Iterator[int]:
    """Run a block with `threads` torch and OpenCV threads, restoring the caller's settings afterwards."""
    before_torch, before_cv2 = torch.get_num_threads(), cv2.getNumThreads()
    torch.set_num_threads(threads)
    cv2.setNumThreads(threads)
    try:
        yield threads
    finally:
        torch.set_num_threads(before_torch)
        cv2.setNumThreads(before_cv2)
