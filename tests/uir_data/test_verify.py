"""verify-manifest catches each planted fault and names the sample and the file."""

import shutil

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from testkit import PIPELINE_TYPES

from uir_data.build import build_dataset
from uir_data.manifest import read_manifest, rows_to_table
from uir_data.verify import verify_manifest


@pytest.fixture(scope="module")
def clean_dataset(tmp_path_factory):
    from testkit import smooth_photo, write_rgb

    folder = tmp_path_factory.mktemp("photos")
    for index in range(5):
        write_rgb(folder / f"img{index}.png", smooth_photo(index, 64, 80))
    root = tmp_path_factory.mktemp("dataset") / "d"
    build_dataset(root, "demo", sources=(str(folder),), types=PIPELINE_TYPES, workers=1, pairs_per_task=100)
    return root


@pytest.fixture
def dataset(clean_dataset, tmp_path):
    copy = tmp_path / "d"
    shutil.copytree(clean_dataset, copy)
    return copy


def rewrite_rows(root, change):
    """Apply `change(rows)` to the manifest rows and write them back as the single part."""
    part = next((root / "manifest").glob("part-*.parquet"))
    rows = read_manifest(root).to_pylist()
    change(rows)
    pq.write_table(rows_to_table(rows, "demo", "x"), part)
    return rows


def checks(report):
    return {p.check for p in report.problems}


def test_clean_dataset_verifies(clean_dataset):
    report = verify_manifest(clean_dataset)
    assert report.ok, report.problems
    assert report.rows == 5 * len(PIPELINE_TYPES) * 2
    assert report.files_checked == report.rows + 5


def test_flipped_byte_is_caught_by_the_digest(dataset):
    row = read_manifest(dataset).to_pylist()[3]
    path = dataset / row["lq_path"]
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    report = verify_manifest(dataset)
    assert [(p.check, p.sample_id, p.file) for p in report.problems] == [("sha256", row["sample_id"], row["lq_path"])]
    assert verify_manifest(dataset, quick=True).ok, "--quick does not hash"


def test_missing_file(dataset):
    row = read_manifest(dataset).to_pylist()[0]
    (dataset / row["lq_path"]).unlink()
    report = verify_manifest(dataset, quick=True)
    assert ("missing-file", row["sample_id"], row["lq_path"]) in {(p.check, p.sample_id, p.file) for p in report.problems}


def test_swapped_lq_and_gt(dataset):
    def swap(rows):
        rows[1]["lq_path"], rows[1]["gt_path"] = rows[1]["gt_path"], rows[1]["lq_path"]

    rows = rewrite_rows(dataset, swap)
    report = verify_manifest(dataset)
    assert "sha256" in checks(report) or "shared-file" in checks(report)
    assert any(p.sample_id == rows[1]["sample_id"] for p in report.problems)


def test_wrong_label(dataset):
    rows = rewrite_rows(dataset, lambda rows: rows[2].update(label=7 if rows[2]["label"] != 7 else 6))
    report = verify_manifest(dataset, quick=True)
    assert [(p.check, p.sample_id) for p in report.problems] == [("label", rows[2]["sample_id"])]


def test_duplicate_sample_id(dataset):
    rows = rewrite_rows(dataset, lambda rows: rows[4].update(sample_id=rows[5]["sample_id"]))
    report = verify_manifest(dataset, quick=True)
    assert ("duplicate-id", rows[5]["sample_id"]) in {(p.check, p.sample_id) for p in report.problems}


@pytest.mark.parametrize(
    ("bad_path", "reason"),
    [("../outside.png", "escapes the dataset root"), ("/etc/passwd", "absolute path"), ("lq\\x.png", "POSIX")],
)
def test_unsafe_paths(dataset, bad_path, reason):
    rows = rewrite_rows(dataset, lambda rows: rows[0].update(lq_path=bad_path))
    report = verify_manifest(dataset, quick=True)
    found = [p for p in report.problems if p.check == "path"]
    assert len(found) == 1 and reason in found[0].message and found[0].sample_id == rows[0]["sample_id"]


def test_group_in_two_splits(dataset):
    def move(rows):
        first = rows[0]
        for row in rows:
            if row["group_id"] == first["group_id"] and row is not first:
                row["split"] = "test" if first["split"] != "test" else "train"
                break

    rewrite_rows(dataset, move)
    report = verify_manifest(dataset, quick=True)
    assert "group-split" in checks(report)


def test_missing_column_names_the_part_file(dataset):
    part = next((dataset / "manifest").glob("part-*.parquet"))
    table = pq.read_table(part)
    pq.write_table(table.drop_columns(["lq_sha256"]).replace_schema_metadata(table.schema.metadata), part)
    report = verify_manifest(dataset, quick=True)
    assert [(p.check, p.file) for p in report.problems] == [("schema", str(part))]
    assert "missing column 'lq_sha256'" in report.problems[0].message


def test_image_size_disagreeing_with_the_row(dataset):
    rows = rewrite_rows(dataset, lambda rows: [r.update(height=r["height"] + 1) for r in rows[:1]])
    report = verify_manifest(dataset)
    assert any(p.check == "image-size" and p.sample_id == rows[0]["sample_id"] for p in report.problems)


def test_one_part_file_and_manifest_folder_are_accepted(clean_dataset):
    part = next((clean_dataset / "manifest").glob("part-*.parquet"))
    assert verify_manifest(part).ok
    assert verify_manifest(clean_dataset / "manifest").ok


def test_unknown_type_column_type_is_reported(dataset):
    part = next((dataset / "manifest").glob("part-*.parquet"))
    table = pq.read_table(part)
    bad = table.set_column(table.schema.get_field_index("label"), "label", pa.array(table.column("label").to_pylist(), pa.int64()))
    pq.write_table(bad.replace_schema_metadata(table.schema.metadata), part)
    report = verify_manifest(dataset, quick=True)
    assert any("column 'label' has type int64" in p.message for p in report.problems)


# --- completeness: verify compares what is there with what the build planned --------------------------


def test_partial_build_is_incomplete_with_the_counts_and_exit_1(tmp_path, capsys):
    from testkit import smooth_photo, write_rgb

    from cli.main import main

    for index in range(4):
        write_rgb(tmp_path / "photos" / f"img{index}.png", smooth_photo(index, 48, 64))
    root = tmp_path / "d"
    args = dict(sources=(str(tmp_path / "photos"),), types=PIPELINE_TYPES, workers=1, pairs_per_task=4)
    # An array job that ran only one of its two task groups: what a killed build leaves, deterministically.
    build_dataset(root, "demo", task_index=0, num_tasks=2, **args)
    report = verify_manifest(root, quick=True)
    assert not report.ok and report.incomplete
    (problem,) = [p for p in report.problems if p.check == "incomplete"]
    assert problem.message == f"{root}: incomplete: 8 of 16 pairs (2 of 4 tasks); rerun the build to finish"
    assert report.to_dict()["complete"] is False
    assert main(["verify-manifest", str(root), "--quick"]) == 1
    assert capsys.readouterr().out.rstrip().endswith("incomplete: 8 of 16 pairs (2 of 4 tasks); rerun the build to finish")

    build_dataset(root, "demo", **args)  # the rerun the message asks for
    report = verify_manifest(root)
    assert report.ok and not report.incomplete and report.rows == 16
    assert verify_manifest(next((root / "manifest").glob("part-*.parquet"))).ok  # one part is a subset by choice


# --- hostile files: each is one problem in a finished report, never an abort, a hang or a huge read --------


def _first_lq(root):
    row = read_manifest(root).to_pylist()[0]
    return row, root / row["lq_path"]


def test_symlink_loop_is_one_problem_and_the_report_completes(dataset):
    row, path = _first_lq(dataset)
    path.unlink()
    partner = path.with_name("loop-partner.png")
    path.symlink_to(partner.name)
    partner.symlink_to(path.name)
    report = verify_manifest(dataset)
    assert [(p.check, p.sample_id, p.file) for p in report.problems] == [("unreadable", row["sample_id"], row["lq_path"])]
    assert "symlink loop" in report.problems[0].message
    assert report.files_checked == report.rows + 5 - 1


@pytest.mark.parametrize("column", ["lq_path", "gt_path"])  # a GT is also read by the leakage guard
def test_fifo_in_place_of_an_image_does_not_hang(dataset, column):
    import os
    import threading

    row = read_manifest(dataset).to_pylist()[0]
    path = dataset / row[column]
    path.unlink()
    os.mkfifo(path)
    result = {}
    worker = threading.Thread(target=lambda: result.update(report=verify_manifest(dataset)), daemon=True)
    worker.start()
    worker.join(timeout=20)
    hung = worker.is_alive()
    if hung:  # release the blocked reader so the suite goes on, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        worker.join()
    assert not hung, "verify blocked on a FIFO"
    problems = result["report"].problems
    assert [(p.check, p.file) for p in problems] == [("not-a-file", row[column])]
    assert "FIFO" in problems[0].message


def test_symlink_to_a_file_outside_the_root_is_refused(dataset, tmp_path):
    row = read_manifest(dataset).to_pylist()[0]
    gt = dataset / row["gt_path"]
    outside = tmp_path / "outside.png"
    outside.write_bytes(gt.read_bytes())  # same bytes: only the path rule can catch it
    gt.unlink()
    gt.symlink_to(outside)
    report = verify_manifest(dataset)
    assert {(p.check, p.file) for p in report.problems} == {("path", row["gt_path"])}
    assert "leaves the dataset root" in report.problems[0].message


def test_symlinks_inside_the_root_are_fine(dataset):
    row, path = _first_lq(dataset)
    moved = dataset / "elsewhere" / path.name
    moved.parent.mkdir()
    path.rename(moved)
    path.symlink_to(moved)
    assert verify_manifest(dataset).ok


def test_large_files_are_hashed_in_chunks_not_read_whole(dataset):
    import hashlib
    import tracemalloc

    import cv2

    big = 40 * 2**20  # above verify's single-read size (16 MiB)
    row, path = _first_lq(dataset)
    pixels = cv2.imread(str(path))
    # A valid JPEG of the row's size followed by padding (decoders stop at the end-of-image marker).
    data = cv2.imencode(".jpg", pixels)[1].tobytes()
    data += bytes(big - len(data))

    def grow(rows):
        rows[0].update(lq_bytes=len(data), lq_sha256=hashlib.sha256(data).hexdigest())

    rewrite_rows(dataset, grow)
    path.write_bytes(data)
    tracemalloc.start()
    try:
        report = verify_manifest(dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.ok, report.problems
    assert report.bytes_hashed >= big
    assert peak < big // 4, f"peak {peak} bytes while hashing a {big}-byte file"


def test_a_file_of_the_wrong_size_is_never_read(dataset):
    import os
    import tracemalloc

    row, path = _first_lq(dataset)
    os.truncate(path, 1 << 30)  # a sparse 1 GiB file: reading it whole would cost 1 GiB of memory
    tracemalloc.start()
    try:
        report = verify_manifest(dataset)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [(p.check, p.file) for p in report.problems] == [("bytes", row["lq_path"]), ("sha256", row["lq_path"])]
    assert f"size {1 << 30} bytes" in report.problems[0].message
    assert peak < 64 * 2**20


def test_progress_counts_every_file_once_in_order(clean_dataset):
    seen = []
    report = verify_manifest(clean_dataset, on_progress=lambda done, total: seen.append((done, total)))
    assert seen and seen[-1] == (report.files_checked, report.files_checked)
    assert [done for done, _ in seen] == sorted({done for done, _ in seen})  # increasing, no repeats
