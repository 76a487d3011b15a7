"""keep_freed_memory: accepted by glibc on Linux, harmless to call again, and it changes no output bytes."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from uir_data.degrade.allocator import keep_freed_memory
from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's mallopt exists on Linux only")
def test_thresholds_are_accepted_and_the_call_is_idempotent():
    assert keep_freed_memory() is True
    assert keep_freed_memory() is True


def test_pairs_are_the_same_bytes_before_and_after(odd_photo):
    degradation = get_degradation("RS")
    params = degradation.sample(make_rng(3, "RS"), 7, *odd_photo.shape[:2])
    before = degradation.apply(odd_photo, params)
    keep_freed_memory()
    assert np.array_equal(degradation.apply(odd_photo, params), before)
