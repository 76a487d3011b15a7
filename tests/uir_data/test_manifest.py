import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from uir_data.manifest import (
    COLUMNS,
    SCHEMA,
    ManifestError,
    manifest_metadata,
    read_manifest,
    rows_to_table,
    write_table,
)
from uir_data.taxonomy import label_map


def make_row(index: int, **overrides):
    row = {
        "sample_id": f"s{index}",
        "split": "train",
        "degradation": "GN",
        "label": 0,
        "components": ["GN"],
        "level": 3,
        "params": json.dumps({"sigma": 15}),
        "origin": "generated",
        "source_dataset": "test",
        "source_path": f"img{index}.png",
        "group_id": f"test/img{index}.png",
        "license": "CC0-1.0",
        "lq_path": f"lq/GN/s{index}.png",
        "gt_path": f"gt/img{index}.png",
        "height": 8,
        "width": 9,
        "lq_sha256": "0" * 64,
        "gt_sha256": "1" * 64,
        "lq_bytes": 10,
        "gt_bytes": 11,
        "seed": 123,
    }
    row.update(overrides)
    return row


def test_schema_has_exactly_the_design_columns():
    assert COLUMNS[:4] == ("sample_id", "split", "degradation", "label")
    assert len(COLUMNS) == 21
    assert SCHEMA.field("label").type == pa.int16()
    assert SCHEMA.field("components").type == pa.list_(pa.string())
    assert SCHEMA.field("level").nullable and SCHEMA.field("seed").nullable


def test_folder_of_parts_reads_as_one_table_with_metadata(tmp_path):
    folder = tmp_path / "manifest"
    write_table(rows_to_table([make_row(0), make_row(1)], "demo", "abc"), folder / "part-00000.parquet")
    write_table(rows_to_table([make_row(2, level=None, seed=None)], "demo", "abc"), folder / "part-00001.parquet")
    table = read_manifest(tmp_path)
    assert table.num_rows == 3
    assert table.column("sample_id").to_pylist() == ["s0", "s1", "s2"]
    assert table.column("level").to_pylist() == [3, 3, None]
    meta = manifest_metadata(tmp_path)
    assert meta["uir.schema_version"] == "1"
    assert meta["uir.recipe_name"] == "demo" and meta["uir.recipe_hash"] == "abc"
    assert json.loads(meta["uir.taxonomy"]) == label_map()
    assert not list(folder.glob(".uir-tmp-*")), "atomic writer left a temp file"


def test_rows_missing_a_column_are_refused():
    row = make_row(0)
    del row["license"]
    with pytest.raises(ManifestError, match="lacks columns \\['license'\\]"):
        rows_to_table([row], "demo", "abc")


def test_reader_names_the_file_and_the_schema_problem(tmp_path):
    table = rows_to_table([make_row(0)], "demo", "abc").drop_columns(["seed"])
    path = tmp_path / "part-00000.parquet"
    pq.write_table(table, path)
    with pytest.raises(ManifestError, match=r"part-00000.parquet: missing column 'seed'"):
        read_manifest(path)


def test_missing_manifest_is_a_clear_error(tmp_path):
    with pytest.raises(ManifestError, match="no manifest part files"):
        read_manifest(tmp_path)
