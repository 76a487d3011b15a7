"""verify_export: a clean export has no problems; each kind of damage is found and named."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from tiny_dataset import make_tiny_dataset

from uir_data.hub.export import export_dataset
from uir_data.hub.verify_export import is_export_folder, verify_export


@pytest.fixture
def export_dir(tmp_path) -> Path:
    root = make_tiny_dataset(tmp_path / "tiny")
    export_dataset(root, tmp_path / "out", shard_size="12KB")
    return tmp_path / "out"


def _rewrite(path: Path, change) -> None:
    """Rewrite a shard with `change(rows)` applied, keeping its schema (and metadata)."""
    table = pq.read_table(path)
    rows = table.to_pylist()
    change(rows)
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), path)


def _checks(problems) -> set[str]:
    return {p.check for p in problems}


def test_clean_export_has_no_problems_and_is_recognised(export_dir, tmp_path):
    assert is_export_folder(export_dir)
    assert not is_export_folder(tmp_path / "tiny")
    assert verify_export(export_dir) == []
    assert verify_export(export_dir, quick=True) == []


def test_altered_image_bytes_are_named_by_sample_and_shard(export_dir):
    shard = export_dir / "J" / "validation-00000-of-00001.parquet"

    def flip(rows):
        data = bytearray(rows[0]["lq"]["bytes"])
        data[-3] ^= 0xFF
        rows[0]["lq"]["bytes"] = bytes(data)

    _rewrite(shard, flip)
    problems = verify_export(export_dir, quick=True)
    sha = [p for p in problems if p.check == "sha256"]
    assert len(sha) == 1
    assert sha[0].sample_id == "tiny/img1/J/L0" and sha[0].file == "J/validation-00000-of-00001.parquet"
    assert "record-mismatch" in _checks(problems)  # the shard's size no longer matches uir-export.json


def test_undecodable_image_is_found_only_by_the_full_check(export_dir):
    shard = export_dir / "J" / "test-00000-of-00001.parquet"

    def garbage(rows):
        junk = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
        rows[1]["gt"] = {"bytes": junk, "path": rows[1]["gt"]["path"]}
        rows[1]["gt_sha256"] = hashlib.sha256(junk).hexdigest()
        rows[1]["gt_bytes"] = len(junk)

    _rewrite(shard, garbage)
    assert "decode" not in _checks(verify_export(export_dir, quick=True))
    decode = [p for p in verify_export(export_dir) if p.check == "decode"]
    assert len(decode) == 1 and decode[0].sample_id == "tiny/img2/J/L3" and "gt" in decode[0].message


def test_missing_shard_breaks_the_set_the_record_and_the_card(export_dir):
    (export_dir / "GN" / "train-00001-of-00002.parquet").unlink()
    problems = verify_export(export_dir, quick=True)
    assert {"shard-set", "record-mismatch", "row-count"} <= _checks(problems)
    row_count = [p for p in problems if p.check == "row-count"]
    assert any("'GN'" in p.message and "'train': 2" in p.message for p in row_count)


def test_card_counts_stray_files_and_wrong_rows_are_reported(export_dir):
    card = export_dir / "README.md"
    card.write_text(card.read_text().replace("num_examples: 4", "num_examples: 5", 1))
    (export_dir / "J" / "notes.txt").write_text("stray")
    (export_dir / "J" / ".uir-tmp-123-train-00000-of-00001.parquet").write_bytes(b"half")

    def relabel(rows):
        rows[0]["degradation"] = "GN"

    _rewrite(export_dir / "J" / "train-00000-of-00001.parquet", relabel)
    problems = verify_export(export_dir, quick=True)
    names = {p.file for p in problems if p.check == "shard-name"}
    assert names == {"J/notes.txt", "J/.uir-tmp-123-train-00000-of-00001.parquet"}
    assert any(p.check == "row-count" and p.file == "README.md" and "'default'" in p.message for p in problems)
    assert any(p.check == "shard-content" and "degradation values ['GN', 'J']" in p.message for p in problems)


def test_missing_record_and_duplicate_samples(export_dir):
    source = export_dir / "J" / "train-00000-of-00001.parquet"
    (export_dir / "uir-export.json").unlink()
    assert is_export_folder(export_dir)  # a Hub download: card + shards
    copy = export_dir / "J" / "train-00000-of-00002.parquet"
    source.rename(copy)
    (export_dir / "J" / "train-00001-of-00002.parquet").write_bytes(copy.read_bytes())
    problems = verify_export(export_dir, quick=True)
    assert "export-record" in _checks(problems)
    duplicates = {p.sample_id for p in problems if p.check == "duplicate-sample"}
    assert duplicates == {"tiny/img0/J/L0", "tiny/img0/J/L3"}


def test_schema_without_image_features_is_reported(export_dir):
    shard = export_dir / "GN" / "validation-00000-of-00002.parquet"
    table = pq.read_table(shard)
    pq.write_table(table.replace_schema_metadata({}), shard)
    problems = [p for p in verify_export(export_dir, quick=True) if p.check == "schema"]
    assert len(problems) == 1 and "Image features" in problems[0].message
