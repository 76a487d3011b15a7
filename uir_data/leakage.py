"""Split-leakage guard: one clean image must never sit in two splits, nor in train and a named test set.

Two detectors over the manifest's GT images:
- exact: rows sharing a `gt_sha256` (the same file, e.g. one dataset ingested twice);
- near-duplicate: a 64-bit DCT perceptual hash (pHash) confirmed by a 64-bit difference hash (dHash), for
  copies that were resized or re-encoded (BSD68 PNGs are BSDS500 test JPEGs; LOL-v2-Real reportedly
  re-uses LOL-v1 scenes; Test100 comes from Rain800).
Each distinct GT is decoded once, at reduced resolution where the codec allows; verify hands in the
fingerprints of the bytes it already read for sha256, and none is decoded when every row is in one split
(a leak needs two). Candidate pairs come from multi-index hashing (a hash within distance d of another
shares at least one of d+1 chunks exactly), so the work grows with the number of near matches, not n².

A row belongs to a named test set when its `source_dataset` equals the name (`BSD68`), or the name and its
split (`GoPro:test`); such rows count as "test" whatever their split column says.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa

from uir_data.manifest import path_problem
from uir_data.member_io import MemberFileError, RootFiles
from uir_data.problems import Problem

PHASH_MAX_DISTANCE = 6  # of 64 bits; resize + JPEG re-encoding typically moves pHash by 0-4 bits
DHASH_MAX_DISTANCE = 12  # confirmation by a second, gradient-based hash keeps unrelated images apart
MIN_CONTRAST = 2.0  # grey-level std below which an image is flat: its hashes say nothing, skip it
HASH_SIDE = 32  # pHash input side (DCT of 32x32, keep the 8x8 lowest frequencies)


@dataclass(frozen=True)
class _Row:
    sample_id: str
    split: str  # effective split: "test" for rows of a named test set
    dataset: str
    gt_path: str


def _normalise(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch not in "-_. ")


def _test_set_rules(test_sets: Sequence[str]) -> list[tuple[str, str | None]]:
    """('name', split or None) per entry; names are canonicalised through the dataset catalog when known."""
    rules = []
    for entry in test_sets:
        name, _, split = entry.partition(":")
        names = {_normalise(name)}
        try:
            from uir_data.sources.catalog import get_adapter

            names.add(_normalise(get_adapter(name).name))
        except Exception:  # a test set that is not a catalog dataset (a folder, a custom name) is fine
            pass
        rules.extend((key, split.strip() or None) for key in names)
    return rules


@dataclass(frozen=True)
class SplitRows:
    """The manifest's rows as the guard sees them, built once per check: each row's effective split, the rows
    grouped by GT digest, and the named test sets found in the train split."""

    rows: list[_Row]
    by_digest: dict[str, list[int]]
    problems: list[Problem]

    def fingerprinted_files(self) -> set[str]:
        """The GT files `find_leaks(near_duplicates=True)` decodes, for a caller that reads them anyway."""
        return {self.rows[indices[0]].gt_path for indices in _decoded_groups(self.rows, self.by_digest)}


def split_rows(table: pa.Table, test_sets: Sequence[str] = ()) -> SplitRows:
    """One pass over the manifest's rows for both the fingerprint plan and the leak search."""
    rows, digests, problems = _rows(table, test_sets)
    return SplitRows(rows, _by_digest(digests), problems)


def _rows(table: pa.Table, test_sets: Sequence[str]) -> tuple[list[_Row], list[str], list[Problem]]:
    rules = _test_set_rules(test_sets)
    columns = table.select(["sample_id", "split", "source_dataset", "gt_path", "gt_sha256"]).to_pydict()
    rows, digests, problems = [], [], []
    in_train: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for sample_id, split, dataset, gt_path, digest in zip(
        columns["sample_id"],
        columns["split"],
        columns["source_dataset"],
        columns["gt_path"],
        columns["gt_sha256"],
        strict=True,
    ):
        key = keys.get(dataset)
        if key is None:  # a manifest names few datasets; normalising each row's name was 2 ms per 600 rows
            key = keys[dataset] = _normalise(dataset)
        named = bool(rules) and any(
            key == rule_name and (rule_split is None or rule_split == split)
            for rule_name, rule_split in rules
        )
        if named and split == "train":
            in_train.setdefault(dataset, []).append(sample_id)
        rows.append(_Row(sample_id, "test" if named else split, dataset, gt_path))
        digests.append(digest)
    for dataset, ids in sorted(in_train.items()):
        problems.append(
            Problem(
                "test-set-in-train",
                f"{len(ids)} rows of {dataset}, which the recipe names as a test set, are in the train split",
                sample_id=ids[0],
            )
        )
    return rows, digests, problems


def _leak(check: str, first: _Row, second: _Row, detail: str) -> Problem:
    return Problem(
        check,
        f"{detail}: in {first.split} ({first.dataset}) and in {second.split} as sample {second.sample_id} "
        f"({second.dataset}, {second.gt_path})",
        sample_id=first.sample_id,
        file=first.gt_path,
    )


def _split_examples(rows: Sequence[_Row], indices: Sequence[int]) -> dict[str, _Row]:
    """The first row of each effective split among indices."""
    examples: dict[str, _Row] = {}
    for index in indices:
        examples.setdefault(rows[index].split, rows[index])
    return examples


def perceptual_hashes(image: Path | bytes, short_side: int = 0) -> tuple[int, int] | None:
    """(pHash, dHash) of an image file or its bytes, or None when unreadable or flat; decodes reduced if large."""
    flag = cv2.IMREAD_GRAYSCALE
    if short_side >= 8 * HASH_SIDE:
        flag = cv2.IMREAD_REDUCED_GRAYSCALE_4
    elif short_side >= 4 * HASH_SIDE:
        flag = cv2.IMREAD_REDUCED_GRAYSCALE_2
    if isinstance(image, bytes):
        grey = cv2.imdecode(np.frombuffer(image, np.uint8), flag) if image else None
    else:
        grey = cv2.imread(str(image), flag)
    if grey is None:
        return None
    grey = grey.astype(np.float32)
    if grey.std() < MIN_CONTRAST * (257.0 if grey.max() > 255 else 1.0):
        return None
    small = cv2.resize(grey, (HASH_SIDE, HASH_SIDE), interpolation=cv2.INTER_AREA)
    low = cv2.dct(small)[:8, :8].flatten()
    phash_bits = low > np.median(low[1:])  # the DC term would dominate the median
    tiny = cv2.resize(grey, (9, 8), interpolation=cv2.INTER_AREA)
    dhash_bits = (tiny[:, 1:] > tiny[:, :-1]).flatten()
    return _pack(phash_bits), _pack(dhash_bits)


def _pack(bits: np.ndarray) -> int:
    return int.from_bytes(np.packbits(bits.astype(np.uint8)).tobytes(), "big")


def candidate_pairs(hashes: np.ndarray, max_distance: int) -> np.ndarray:
    """Index pairs (i < j) whose 64-bit hashes are within max_distance bits (multi-index hashing).

    Split into max_distance + 1 chunks, two close hashes agree exactly on at least one chunk. Per chunk,
    hashes are sorted by it; only positions still inside a run of equal keys are compared at the next
    offset, so the work is the sum of squared bucket sizes, and pairs are filtered by distance at once.
    """
    n = len(hashes)
    if n < 2:
        return np.empty((0, 2), dtype=np.int64)
    bounds = np.linspace(0, 64, max_distance + 2).astype(int)
    found = []
    for start, stop in zip(bounds[:-1], bounds[1:], strict=True):
        keys = (hashes >> np.uint64(start)) & np.uint64((1 << int(stop - start)) - 1)
        order = np.argsort(keys, kind="stable")
        ordered_keys, ordered_hashes = keys[order], hashes[order]
        alive = np.arange(n - 1)
        offset = 1
        while alive.size:
            alive = alive[ordered_keys[alive] == ordered_keys[alive + offset]]  # sorted: runs are contiguous
            close = alive[
                np.bitwise_count(ordered_hashes[alive] ^ ordered_hashes[alive + offset]) <= max_distance
            ]
            if close.size:
                found.append(np.stack([order[close], order[close + offset]], axis=1))
            offset += 1
            alive = alive[alive + offset < n]
    if not found:
        return np.empty((0, 2), dtype=np.int64)
    return np.unique(np.sort(np.concatenate(found), axis=1), axis=0)


Fingerprint = tuple[int, int] | None  # (pHash, dHash); None for an unreadable or flat image


def _decoded_groups(rows: Sequence[_Row], by_digest: dict[str, list[int]]) -> list[list[int]]:
    """The digest groups whose first file the near-duplicate guard decodes: all of them, or none when every
    row is in one effective split (a leak needs two, so no fingerprint could matter)."""
    if len({row.split for row in rows}) < 2:
        return []
    return list(by_digest.values())


def fingerprinted_files(table: pa.Table, test_sets: Sequence[str] = ()) -> set[str]:
    """The GT files `find_leaks(near_duplicates=True)` decodes, for a caller that reads them anyway."""
    return split_rows(table, test_sets).fingerprinted_files()


def _by_digest(digests: Sequence[str]) -> dict[str, list[int]]:
    by_digest: dict[str, list[int]] = {}
    for index, digest in enumerate(digests):
        by_digest.setdefault(digest, []).append(index)
    return by_digest


def find_leaks(
    table: pa.Table,
    root: Path,
    test_sets: tuple[str, ...] = (),
    near_duplicates: bool = True,
    fingerprints: Mapping[str, Fingerprint] | None = None,
    split: SplitRows | None = None,
) -> list[Problem]:
    """Clean images shared across splits (exactly, or as resized/re-encoded near-duplicates), naming both rows.

    `fingerprints` (GT path -> `perceptual_hashes` of its bytes) are those a caller already computed from
    the bytes it read (verify, while hashing); any file missing from it is read and decoded here. `split` is
    `split_rows(table, test_sets)` when the caller already made it (then `test_sets` is not read again).
    """
    split = split if split is not None else split_rows(table, test_sets)
    rows, by_digest, problems = split.rows, split.by_digest, list(split.problems)
    for digest, indices in by_digest.items():
        examples = list(_split_examples(rows, indices).values())
        for other in examples[1:]:
            problems.append(
                _leak("split-leak", examples[0], other, f"the same clean image (sha256 {digest[:12]})")
            )
    if near_duplicates:
        problems += _near_duplicate_leaks(table, Path(root), rows, by_digest, fingerprints or {})
    return problems


def _near_duplicate_leaks(
    table: pa.Table,
    root: Path,
    rows: Sequence[_Row],
    by_digest: dict[str, list[int]],
    fingerprints: Mapping[str, Fingerprint],
) -> list[Problem]:
    heights, widths = table.column("height").to_pylist(), table.column("width").to_pylist()
    distinct = _decoded_groups(rows, by_digest)  # one decode per distinct GT
    files = RootFiles(root)

    def hash_group(indices: list[int]) -> Fingerprint:
        first = indices[0]
        if rows[first].gt_path in fingerprints:
            return fingerprints[rows[first].gt_path]
        if path_problem(rows[first].gt_path):
            return None
        try:  # the root's path rule, regular files only: verify reports whatever is refused here
            data = files.read(rows[first].gt_path)
        except MemberFileError:
            return None
        return perceptual_hashes(data, min(heights[first], widths[first]))

    if all(rows[indices[0]].gt_path in fingerprints for indices in distinct):
        computed = [hash_group(indices) for indices in distinct]
    else:  # OpenCV decodes outside the GIL, so threads scale with cores; decoding dominates the guard's time.
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            computed = list(pool.map(hash_group, distinct))
    groups, phashes, dhashes = [], [], []
    for indices, hashes in zip(distinct, computed, strict=True):
        if hashes is None:  # unreadable files are verify's business; flat images have no usable hash
            continue
        groups.append(indices)
        phashes.append(hashes[0])
        dhashes.append(hashes[1])
    phash_array = np.array(phashes, dtype=np.uint64)
    dhash_array = np.array(dhashes, dtype=np.uint64)
    problems = []
    for a, b in candidate_pairs(phash_array, PHASH_MAX_DISTANCE):
        d_distance = int(np.bitwise_count(dhash_array[a] ^ dhash_array[b]))
        if d_distance > DHASH_MAX_DISTANCE:
            continue
        left, right = _split_examples(rows, groups[a]), _split_examples(rows, groups[b])
        leak = next(((left[x], right[y]) for x in left for y in right if x != y), None)
        if leak is not None:
            p_distance = int(np.bitwise_count(phash_array[a] ^ phash_array[b]))
            detail = f"a near-duplicate clean image (pHash {p_distance}/64, dHash {d_distance}/64 bits apart)"
            problems.append(_leak("near-duplicate-leak", leak[0], leak[1], detail))
    return problems
