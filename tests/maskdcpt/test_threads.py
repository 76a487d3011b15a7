"""Thread budget: each rank's main process takes the cores its data workers leave, and gives them back."""

from __future__ import annotations

import cv2
import pytest
import torch

from maskdcpt.threads import default_threads, thread_budget, usable_cpus


@pytest.mark.parametrize(("cpus", "workers", "local_ranks", "expected"), [
    (2, 1, 1, 1),  # the 2-core box of issue 11: one decoding worker, one compute thread
    (2, 0, 1, 1),  # small boxes keep one thread even without workers
    (8, 2, 1, 6),
    (8, 12, 1, 1),  # never below one
    (16, 4, 1, 12),
    (32, 2, 4, 6),  # four ranks on one machine share its cores
    (16, 2, 4, 1),
])
def test_default_threads(cpus: int, workers: int, local_ranks: int, expected: int):
    assert default_threads(workers, local_ranks, cpus=cpus) == expected


def test_usable_cpus_follows_the_affinity_mask():
    import os

    assert usable_cpus() == len(os.sched_getaffinity(0)) >= 1


def test_thread_budget_applies_and_restores():
    before, before_cv2 = torch.get_num_threads(), cv2.getNumThreads()
    with thread_budget(1) as threads:
        assert threads == 1 and torch.get_num_threads() == 1 and cv2.getNumThreads() == 1
    assert (torch.get_num_threads(), cv2.getNumThreads()) == (before, before_cv2)
