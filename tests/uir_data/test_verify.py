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
