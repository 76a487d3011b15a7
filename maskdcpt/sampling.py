"""Which rows each training step reads: per-class repeat factors, per-epoch shuffles, rank shards.

The data position is a pure function of the global step: global sample position p = step * global_batch
+ j; p falls in epoch p // epoch_len at offset p % epoch_len of that epoch's shuffled order. Rank r takes
positions j in [r * local_batch, (r + 1) * local_batch). So a resumed run continues exactly where it left
off, and the samples and their augmentations do not depend on the number of ranks or DataLoader workers
(each sample's crop/flip draws are keyed by (seed, epoch, offset), never by a worker's RNG).

Rows stored in blocks that are read whole (the row groups of a Hugging Face export's Parquet shards) are
shuffled block-wise: an epoch visits the blocks in a shuffled order and mixes the rows of `window`
consecutive blocks at a time (a shuffle buffer, but a pure function of (seed, epoch), so resume stays
exact). A reader holding `window` blocks then loads each block once per visit instead of once per row.
The k-th repeat of a row (repeat factors) counts as a separate block visit, so repeats spread over the epoch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

# Stream tags, so that the shuffle and the augmentation draws of one seed never share a stream.
TAG_SHUFFLE = 0x5348
TAG_AUGMENT = 0x4147


def keyed_rng(seed: int, *keys: int) -> np.random.Generator:
    """A fresh generator for one (seed, keys...) tuple; no global RNG state."""
    words = [int(seed) & 0xFFFFFFFF, (int(seed) >> 32) & 0xFFFFFFFF, *(int(k) & 0xFFFFFFFF for k in keys)]
    words += [(int(k) >> 32) & 0xFFFFFFFF for k in keys]
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))


def repeat_counts(degradations: Sequence[str], factors: Mapping[str, int]) -> np.ndarray:
    """Per-row repeat count (BasicSR-style enlarge ratio per class; 1 for classes not listed)."""
    return np.array([int(factors.get(d, 1)) for d in degradations], dtype=np.int64)


def epoch_shares(degradations: Sequence[str], factors: Mapping[str, int]) -> dict[str, float]:
    """Each class's fraction of one epoch's samples after repeats (what the classifier and the L1 see)."""
    counts = repeat_counts(degradations, factors)
    totals: dict[str, int] = {}
    for abbrev, count in zip(degradations, counts.tolist(), strict=True):
        totals[abbrev] = totals.get(abbrev, 0) + count
    epoch = sum(totals.values())
    return {abbrev: total / epoch for abbrev, total in totals.items()} if epoch else {}


class StepSampler:
    """Yields, for each step from `start_step`, this rank's list of (row, epoch, offset) items."""

    def __init__(
        self,
        counts: np.ndarray,
        global_batch: int,
        *,
        seed: int,
        rank: int = 0,
        world_size: int = 1,
        start_step: int = 0,
        end_step: int | None = None,
        blocks: np.ndarray | None = None,
        window: int = 8,
    ):
        if global_batch % world_size:
            raise ValueError(f"global batch {global_batch} is not divisible by {world_size} ranks")
        if len(counts) == 0:
            raise ValueError("no rows to sample from")
        self.rows = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        self.epoch_len = len(self.rows)
        self.window = max(1, int(window))
        self._visit: np.ndarray | None = None  # item -> block visit (block, repeat number), when rows are blocked
        if blocks is not None:
            if len(blocks) != len(counts):
                raise ValueError(f"{len(blocks)} block ids for {len(counts)} rows")
            first_item = np.cumsum(counts) - counts
            repeat_number = np.arange(self.epoch_len) - np.repeat(first_item, counts)
            visit_key = np.asarray(blocks, dtype=np.int64)[self.rows] * (int(counts.max()) + 1) + repeat_number
            self._visit = np.unique(visit_key, return_inverse=True)[1].reshape(-1)
        self.global_batch = global_batch
        self.local_batch = global_batch // world_size
        self.seed = seed
        self.rank = rank
        self.start_step = start_step
        self.end_step = end_step
        self._epoch = -1
        self._order: np.ndarray | None = None

    def order(self, epoch: int) -> np.ndarray:
        """The shuffled (repeated) rows of one epoch; cached for the current epoch."""
        if epoch != self._epoch:
            rng = keyed_rng(self.seed, TAG_SHUFFLE, epoch)
            if self._visit is None:
                self._order = self.rows[rng.permutation(self.epoch_len)]
            else:
                visit_rank = rng.permutation(int(self._visit.max()) + 1)  # the epoch's order of block visits
                buffer = visit_rank[self._visit] // self.window  # which run of `window` visits an item falls in
                self._order = self.rows[np.lexsort((rng.random(self.epoch_len), buffer))]
            self._epoch = epoch
        assert self._order is not None
        return self._order

    def items(self, step: int) -> list[tuple[int, int, int]]:
        """(row, epoch, offset) for this rank's share of one global step."""
        first = step * self.global_batch + self.rank * self.local_batch
        out = []
        for position in range(first, first + self.local_batch):
            epoch, offset = divmod(position, self.epoch_len)
            out.append((int(self.order(epoch)[offset]), epoch, offset))
        return out

    def __iter__(self) -> Iterator[list[tuple[int, int, int]]]:
        step = self.start_step
        while self.end_step is None or step < self.end_step:
            yield self.items(step)
            step += 1

    def __len__(self) -> int:
        if self.end_step is None:
            raise TypeError("an open-ended StepSampler has no length")
        return max(0, self.end_step - self.start_step)
