"""Step-indexed sampling: repeat factors, exact resume, and rank shards that tile the global batch."""

from __future__ import annotations

import numpy as np
import pytest

from maskdcpt.sampling import StepSampler, repeat_counts


def test_repeat_factors_set_how_often_each_class_appears_per_epoch():
    degradations = ["RS", "RS", "H", "H", "H", "LL"]
    counts = repeat_counts(degradations, {"RS": 3, "LL": 5})
    assert counts.tolist() == [3, 3, 1, 1, 1, 5]
    sampler = StepSampler(counts, global_batch=1, seed=0)
    epoch = sampler.order(0)
    assert len(epoch) == sampler.epoch_len == 14
    assert np.bincount(epoch, minlength=6).tolist() == [3, 3, 1, 1, 1, 5]


def test_epochs_are_reshuffled_but_reproducible():
    counts = np.ones(50, dtype=np.int64)
    a, b = StepSampler(counts, 4, seed=1), StepSampler(counts, 4, seed=1)
    assert a.order(0).tolist() == b.order(0).tolist()
    assert a.order(0).tolist() != a.order(1).tolist()
    assert a.order(0).tolist() != StepSampler(counts, 4, seed=2).order(0).tolist()


def test_a_sampler_started_at_step_k_continues_the_uninterrupted_sequence():
    counts = np.array([1, 2, 3, 1, 1], dtype=np.int64)
    full = list(StepSampler(counts, 3, seed=5, end_step=10))
    resumed = list(StepSampler(counts, 3, seed=5, start_step=6, end_step=10))
    assert resumed == full[6:]
    assert len(StepSampler(counts, 3, seed=5, start_step=6, end_step=10)) == 4


def test_rank_shards_tile_the_single_process_batch():
    counts = np.arange(1, 8, dtype=np.int64)
    single = StepSampler(counts, 8, seed=3, end_step=5)
    ranks = [StepSampler(counts, 8, seed=3, rank=r, world_size=4, end_step=5) for r in range(4)]
    for step in range(5):
        assert sum((r.items(step) for r in ranks), []) == single.items(step)


def test_global_batch_must_split_over_ranks():
    with pytest.raises(ValueError, match="not divisible"):
        StepSampler(np.ones(4, dtype=np.int64), 6, seed=0, world_size=4)
