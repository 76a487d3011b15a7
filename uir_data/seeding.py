"""Counter-based seeding: every random draw is keyed by (global seed, sample id, op index).

No global RNG state is ever used, so output bytes do not depend on worker count, task split or order
(so every manifest row replays exactly).
"""

from __future__ import annotations

import hashlib

import numpy as np


def _text_words(text: str) -> list[int]:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return [int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4)]


def _entropy(words: list[int]) -> np.ndarray:
    """The words as one uint32 array: the entropy SeedSequence makes of a list of 32-bit ints, without
    converting each int to an array of its own (3x faster; a full-size plan draws ~450k level choices)."""
    return np.array(words, dtype=np.uint32)


def sample_seed(global_seed: int, sample_id: str) -> int:
    """A 63-bit per-sample seed derived from the global seed and the sample id."""
    sequence = np.random.SeedSequence(_entropy([int(global_seed) & 0xFFFFFFFF, *_text_words(sample_id)]))
    return int(sequence.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def make_rng(seed: int, *keys: int | str) -> np.random.Generator:
    """A fresh generator for one (seed, keys...) tuple; keys may be op indices or names."""
    words: list[int] = [int(seed) & 0xFFFFFFFF, (int(seed) >> 32) & 0xFFFFFFFF]
    for key in keys:
        words.extend(_text_words(key) if isinstance(key, str) else [int(key) & 0xFFFFFFFF])
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(_entropy(words))))


def draw_seed(rng: np.random.Generator) -> int:
    """A seed to store in params so that an op's noise field can be replayed from the row alone."""
    return int(rng.integers(0, 2**63 - 1))
