"""Step-indexed sampling: repeat factors, exact resume, and rank shards that tile the global batch."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from maskdcpt.sampling import StepSampler, epoch_shares, repeat_counts


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


@pytest.mark.parametrize("world_size", [1, 2, 3, 8])
def test_ranks_split_each_global_batch_with_no_sample_read_twice(world_size: int):
    counts = np.ones(100, dtype=np.int64)  # 100 rows, each once per epoch; batch 24 straddles epochs at times
    single = StepSampler(counts, 24, seed=7, end_step=12)
    ranks = [StepSampler(counts, 24, seed=7, rank=r, world_size=world_size, end_step=12) for r in range(world_size)]
    for step in range(12):
        shares = [r.items(step) for r in ranks]
        assert all(len(share) == 24 // world_size for share in shares)
        merged = sum(shares, [])
        assert merged == single.items(step)  # together the ranks read exactly the global batch, in order
        positions = [(epoch, offset) for _, epoch, offset in merged]
        assert len(set(positions)) == 24  # no (epoch, position) read by two ranks or twice by one
        if len({epoch for epoch, _ in positions}) == 1:
            assert len({row for row, _, _ in merged}) == 24  # within one epoch: 24 distinct rows


def test_the_5d_recipe_factors_give_the_papers_class_shares():
    recipe = tomllib.loads((Path(__file__).parents[2] / "manifests/recipes/5d.toml").read_text())
    factors = recipe["training"]["repeat_factors"]
    # Train rows the 5d recipe writes: RESIDE OTS 72,135, Rain200L 200, BSD400+WED 5,144 images x 3 sigmas,
    # GoPro train 2,103, LOL-v1 485.
    rows = {"H": 72135, "RS": 200, "GN": 3 * 5144, "MB": 2103, "LL": 485}
    shares = epoch_shares([k for k, n in rows.items() for _ in range(n)], factors)
    # The paper's sampler repeats each clean image: H x1, RS x300, GN x15, MB x5, LL x60.
    paper = {"H": 72135 * 1, "RS": 200 * 300, "GN": 5144 * 15, "MB": 2103 * 5, "LL": 485 * 60}
    total = sum(paper.values())
    for abbrev, images in paper.items():
        assert shares[abbrev] == pytest.approx(images / total, abs=1e-12)
    assert round(shares["GN"], 2) == 0.31 and round(shares["H"], 2) == 0.29


def lru_loads(order: np.ndarray, blocks: np.ndarray, capacity: int) -> int:
    """Block reads of a reader that keeps the `capacity` most recently used blocks."""
    from collections import OrderedDict

    cache: OrderedDict[int, None] = OrderedDict()
    loads = 0
    for row in order.tolist():
        block = int(blocks[row])
        if block in cache:
            cache.move_to_end(block)
            continue
        loads += 1
        cache[block] = None
        if len(cache) > capacity:
            cache.popitem(last=False)
    return loads


def test_blocked_rows_are_read_block_by_block_through_a_window_of_blocks():
    blocks = np.repeat(np.arange(40), 25)  # 1000 rows in 40 row groups of 25
    counts = np.where(blocks % 4 == 0, 3, 1).astype(np.int64)  # every 4th group's class repeats x3
    sampler = StepSampler(counts, 10, seed=3, blocks=blocks, window=4)
    order = sampler.order(0)
    assert np.bincount(order, minlength=1000).tolist() == counts.tolist()  # every repeat, exactly once
    visits = 30 + 10 * 3  # 30 groups once, 10 groups three times
    assert lru_loads(order, blocks, capacity=4) <= visits
    full_shuffle = StepSampler(counts, 10, seed=3).order(0)
    assert lru_loads(full_shuffle, blocks, capacity=4) > 10 * visits  # the old random access: a read per row
    assert order.tolist() != sampler.order(1).tolist()  # reshuffled per epoch
    again = StepSampler(counts, 10, seed=3, blocks=blocks, window=4, start_step=57, end_step=60)
    assert list(again) == [sampler.items(step) for step in range(57, 60)]  # exact resume
    ranks = [StepSampler(counts, 10, seed=3, rank=r, world_size=2, blocks=blocks, window=4) for r in range(2)]
    assert ranks[0].items(5) + ranks[1].items(5) == sampler.items(5)
