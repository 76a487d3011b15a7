"""The split-leakage guard: exact and near-duplicate clean images across splits and named test sets."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import cv2
import miniature_trees as trees
import numpy as np
import pytest

from uir_data.leakage import candidate_pairs, find_leaks, perceptual_hashes
from uir_data.manifest import read_manifest, rows_to_table, write_table
from uir_data.verify import verify_manifest

SIDE = 96


def _row(sample_id: str, split: str, dataset: str, gt_path: str, root: Path) -> dict:
    data = (root / gt_path).read_bytes()
    image = cv2.imread(str(root / gt_path))
    return {
        "sample_id": sample_id,
        "split": split,
        "degradation": "GN",
        "label": 0,
        "components": ["GN"],
        "level": 0,
        "params": json.dumps({}),
        "origin": "generated",
        "source_dataset": dataset,
        "source_path": gt_path,
        "group_id": f"{dataset}/{sample_id}",
        "license": "test",
        "lq_path": gt_path,
        "gt_path": gt_path,
        "height": image.shape[0],
        "width": image.shape[1],
        "lq_sha256": hashlib.sha256(data).hexdigest(),
        "gt_sha256": hashlib.sha256(data).hexdigest(),
        "lq_bytes": len(data),
        "gt_bytes": len(data),
        "seed": 0,
    }


def _picture_file(root: Path, rel: str, key: str, side: int = SIDE, quality: int | None = None) -> str:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    image = trees.picture(key, SIDE, SIDE)
    if side != SIDE:
        image = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
    params = [cv2.IMWRITE_JPEG_QUALITY, quality] if quality else []
    assert cv2.imwrite(str(path), image[..., ::-1], params)
    return rel


def test_planted_near_duplicate_resized_and_reencoded_is_found(tmp_path):
    rows = []
    for index in range(12):  # unrelated train images
        rel = _picture_file(tmp_path, f"gt/pool/train_{index}.png", f"train-{index}")
        rows.append(_row(f"train-{index}", "train", "pool", rel, tmp_path))
    # The test image is train_3, downscaled to 72 px and re-encoded as JPEG quality 70.
    rel = _picture_file(tmp_path, "gt/other/test_0.jpg", "train-3", side=72, quality=70)
    rows.append(_row("test-0", "test", "other", rel, tmp_path))
    rel = _picture_file(tmp_path, "gt/other/test_1.png", "unrelated")
    rows.append(_row("test-1", "test", "other", rel, tmp_path))
    table = rows_to_table(rows, "t", "h")

    problems = find_leaks(table, tmp_path)

    assert [p.check for p in problems] == ["near-duplicate-leak"]
    (problem,) = problems
    named = {
        problem.sample_id,
        *[word for word in problem.message.split() if word.startswith(("train-", "test-"))],
    }
    assert named == {"train-3", "test-0"}
    assert "gt/" in problem.file and "gt/" in problem.message
    assert find_leaks(table, tmp_path, near_duplicates=False) == []


def _planted_root(root: Path, test_split: str = "test") -> list[dict]:
    """A root whose manifest holds 12 train pictures and, in `test_split`, train_3 resized + re-encoded."""
    rows = []
    for index in range(12):
        rel = _picture_file(root, f"gt/pool/train_{index}.png", f"train-{index}")
        rows.append(_row(f"train-{index}", "train", "pool", rel, root))
    rel = _picture_file(root, "gt/other/test_0.jpg", "train-3", side=72, quality=70)
    rows.append(_row("test-0", test_split, "other", rel, root))
    (root / "manifest").mkdir()
    write_table(rows_to_table(rows, "t", "h"), root / "manifest" / "part-00000.parquet")
    return rows


def test_verify_fingerprints_the_bytes_it_hashed_and_finds_the_near_duplicate(tmp_path, monkeypatch):
    from uir_data.member_io import RootFiles

    _planted_root(tmp_path)

    def second_read(self, rel):
        raise AssertionError(f"{rel} read a second time for the leakage guard")

    monkeypatch.setattr(RootFiles, "read", second_read)
    report = verify_manifest(tmp_path)

    assert [p.check for p in report.problems] == ["near-duplicate-leak"]
    assert report.problems[0].sample_id == "train-3" and "test-0" in report.problems[0].message


def test_verify_walks_the_manifest_rows_once_for_the_guard(tmp_path, monkeypatch):
    # The fingerprint plan and the leak search share one pass over the rows (O(rows) Python at 2.5M rows).
    import uir_data.leakage as leakage

    _planted_root(tmp_path)
    passes = []
    original = leakage._rows
    monkeypatch.setattr(leakage, "_rows", lambda *args: passes.append(1) or original(*args))
    report = verify_manifest(tmp_path)

    assert [p.check for p in report.problems] == ["near-duplicate-leak"]
    assert len(passes) == 1


def test_a_gt_verify_does_not_read_whole_is_still_fingerprinted_by_the_guard(tmp_path):
    rows = _planted_root(tmp_path)
    rows[-1]["gt_bytes"] = rows[-1]["lq_bytes"] = rows[-1]["gt_bytes"] + 1  # verify never reads such a file
    write_table(rows_to_table(rows, "t", "h"), tmp_path / "manifest" / "part-00000.parquet")

    report = verify_manifest(tmp_path)

    assert [p.check for p in report.problems] == ["bytes", "sha256", "near-duplicate-leak"]


def test_one_split_needs_no_decode_and_two_splits_still_decode(tmp_path, monkeypatch):
    import uir_data.leakage as leakage

    _planted_root(tmp_path, test_split="train")
    table = read_manifest(tmp_path)
    assert leakage.fingerprinted_files(table) == set()
    monkeypatch.setattr(leakage, "perceptual_hashes", lambda *args: pytest.fail("decoded with one split only"))
    assert find_leaks(table, tmp_path) == []
    # Naming the test picture's dataset as a test set gives it a split of its own: every GT is decoded.
    assert len(leakage.fingerprinted_files(table, ("other",))) == 13


def test_exact_duplicate_across_splits_names_both_rows(tmp_path):
    a = _picture_file(tmp_path, "gt/a/1.png", "same")
    b = _picture_file(tmp_path, "gt/b/1.png", "same")
    c = _picture_file(tmp_path, "gt/a/2.png", "different")
    rows = [
        _row("a-1", "train", "a", a, tmp_path),
        _row("a-1-again", "train", "a", a, tmp_path),  # same GT twice in one split: fine
        _row("b-1", "val", "b", b, tmp_path),
        _row("a-2", "train", "a", c, tmp_path),
    ]
    problems = find_leaks(rows_to_table(rows, "t", "h"), tmp_path, near_duplicates=False)
    assert len(problems) == 1
    assert problems[0].check == "split-leak"
    assert (
        problems[0].sample_id == "a-1"
        and "b-1" in problems[0].message
        and "gt/b/1.png" in problems[0].message
    )


def test_bsd68_inside_bsd500_train_is_a_leak_when_bsd68_is_a_test_set(tmp_path):
    from uir_data.sources.catalog import get_adapter

    bsd500 = trees.make_bsd500(tmp_path / "src", size=SIDE)
    bsd68 = trees.make_bsd68(tmp_path / "src", size=SIDE)
    rows = []
    # A careless recipe: every BSDS500 image (test folder included) in train, CBSD68 as the test set.
    for item in get_adapter("BSD500").clean_items(bsd500):
        stem = Path(item.source_path).stem
        rows.append(_row(f"bsd500-{stem}", "train", "BSD500", f"BSR/{item.source_path}", tmp_path / "src"))
    for item in get_adapter("BSD68").clean_items(bsd68):
        stem = Path(item.source_path).stem
        rows.append(_row(f"bsd68-{stem}", "test", "BSD68", f"CBSD68/{item.source_path}", tmp_path / "src"))
    table = rows_to_table(rows, "t", "h")

    problems = find_leaks(table, tmp_path / "src", test_sets=("CBSD68",))

    leaked = sorted(p.sample_id for p in problems)
    assert {p.check for p in problems} == {"near-duplicate-leak"}
    assert leaked == ["bsd500-101087", "bsd500-102061"]
    assert all("bsd68-" in p.message for p in problems)


def test_named_test_set_rows_count_as_test_and_are_refused_in_train(tmp_path):
    same_a = _picture_file(tmp_path, "gt/gopro/a.png", "frame")
    same_b = _picture_file(tmp_path, "gt/gopro/b.png", "frame")
    rows = [
        _row("gopro-train", "train", "GoPro", same_a, tmp_path),
        _row("gopro-val", "val", "GoPro", same_b, tmp_path),
    ]
    table = rows_to_table(rows, "t", "h")
    # GoPro:test names only GoPro's test rows: nothing changes, the val/train duplicate is one leak.
    assert [p.check for p in find_leaks(table, tmp_path, ("GoPro:test",), near_duplicates=False)] == [
        "split-leak"
    ]
    # Naming all of GoPro as a test set: every GoPro row counts as test, and its train rows are the leak.
    (problem,) = find_leaks(table, tmp_path, ("gopro",), near_duplicates=False)
    assert problem.check == "test-set-in-train" and problem.sample_id == "gopro-train"


def test_hashes_tolerate_resizing_but_separate_different_pictures(tmp_path):
    original = tmp_path / _picture_file(tmp_path, "a.png", "k")
    resized = tmp_path / _picture_file(tmp_path, "b.jpg", "k", side=64, quality=75)
    other = tmp_path / _picture_file(tmp_path, "c.png", "other")
    ha, hb, hc = (perceptual_hashes(p) for p in (original, resized, other))
    assert bin(ha[0] ^ hb[0]).count("1") <= 6
    assert bin(ha[0] ^ hc[0]).count("1") > 6 or bin(ha[1] ^ hc[1]).count("1") > 12
    flat = tmp_path / "flat.png"
    cv2.imwrite(str(flat), np.full((32, 32, 3), 128, np.uint8))
    assert perceptual_hashes(flat) is None  # flat images carry no usable hash


@pytest.mark.parametrize("max_distance", [0, 3, 6])
def test_candidate_pairs_equal_brute_force(max_distance):
    rng = np.random.default_rng(7)
    base = rng.integers(0, 2**63, size=200, dtype=np.uint64)
    flips = np.uint64(1) << rng.integers(0, 64, size=(200, 4)).astype(np.uint64)
    near = base ^ np.bitwise_xor.reduce(flips[:, : max_distance % 5], axis=1) if max_distance else base.copy()
    hashes = np.concatenate([base, near, rng.integers(0, 2**63, size=200, dtype=np.uint64)])
    distance = np.bitwise_count(hashes[:, None] ^ hashes[None, :])
    i, j = np.nonzero(np.triu(distance <= max_distance, k=1))
    expected = {(int(a), int(b)) for a, b in zip(i, j, strict=True)}
    assert {(int(a), int(b)) for a, b in candidate_pairs(hashes, max_distance)} == expected
