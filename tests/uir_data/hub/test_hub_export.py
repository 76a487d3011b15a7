"""Export to the Hub layout: load back with `datasets`, shard/row-group layout, atomicity, reuse, card."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image
from tiny_dataset import make_tiny_dataset

from uir_data.hub.export import ExportError, export_dataset, parse_size, plan_shards
from uir_data.hub.layout import EXPORT_MANIFEST, SHARD_PATTERN, features_dict, features_yaml
from uir_data.hub.verify_export import read_front_matter, verify_export
from uir_data.manifest import read_manifest


@pytest.fixture(scope="module")
def demo_root(tmp_path_factory) -> Path:
    """The real demo build restricted to two types: 6 bundled photos x GN, J x 2 variants, all three splits."""
    from uir_data.build import build_dataset

    root = tmp_path_factory.mktemp("demo") / "demo"
    build_dataset(root, "demo", types=("GN", "J"), seed=0, workers=1)
    return root


@pytest.fixture
def offline_datasets(tmp_path, monkeypatch):
    """datasets in offline mode with a private cache, so loading can only use the export folder."""
    import datasets.config

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-home" / "datasets")
    return tmp_path / "hf-cache"


def _pixels(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"))


def test_demo_export_loads_with_datasets_per_split_and_per_type(demo_root, tmp_path, offline_datasets):
    import datasets

    export_dir = tmp_path / "export"
    result = export_dataset(demo_root, export_dir, repo_id="someone/demo")
    manifest = read_manifest(demo_root).to_pylist()
    by_id = {row["sample_id"]: row for row in manifest}
    expected_splits = {}
    for row in manifest:
        expected_splits[row["split"]] = expected_splits.get(row["split"], 0) + 1
    assert set(expected_splits) == {"train", "val", "test"}
    hub_names = {"train": "train", "val": "validation", "test": "test"}
    expected_splits = {hub_names[split]: count for split, count in expected_splits.items()}
    assert result.split_rows == expected_splits

    loaded = datasets.load_dataset(str(export_dir), cache_dir=str(offline_datasets))
    assert {name: len(split) for name, split in loaded.items()} == expected_splits
    assert isinstance(loaded["train"].features["lq"], datasets.Image)
    seen = set()
    for split in loaded.values():
        for row in split:
            source = by_id[row["sample_id"]]
            assert row["split"] == source["split"] and row["params"] == source["params"]
            for kind in ("lq", "gt"):
                decoded = np.asarray(row[kind].convert("RGB"))
                assert np.array_equal(decoded, _pixels((demo_root / source[f"{kind}_path"]).read_bytes()))
            seen.add(row["sample_id"])
    assert seen == set(by_id)

    # Raw bytes are embedded as the build wrote them (no re-encoding).
    raw = datasets.load_dataset(str(export_dir), cache_dir=str(offline_datasets), split="validation").cast_column(
        "lq", datasets.Image(decode=False)
    )
    for row in raw:
        assert row["lq"]["bytes"] == (demo_root / by_id[row["sample_id"]]["lq_path"]).read_bytes()

    for abbrev in ("GN", "J"):
        one_type = datasets.load_dataset(str(export_dir), name=abbrev, cache_dir=str(offline_datasets))
        wanted = {}
        for row in manifest:
            if row["degradation"] == abbrev:
                wanted[hub_names[row["split"]]] = wanted.get(hub_names[row["split"]], 0) + 1
        assert {name: len(split) for name, split in one_type.items()} == wanted
        assert set(one_type["train"]["degradation"]) == {abbrev}
        assert isinstance(one_type["train"].features["gt"], datasets.Image)
    assert verify_export(export_dir) == []


def test_shards_row_groups_and_columns_follow_the_hub_layout(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    table = read_manifest(root)
    result = export_dataset(root, tmp_path / "out", shard_size="12KB", row_group_rows=1)
    shards = [f for f in result.files if f.path.endswith(".parquet")]
    # Two pairs per (type, split): GN pairs (PNG, ~8.5 + ~11.4 KB) need two 12 KB shards, J pairs (JPEG,
    # ~3.5 KB each) share one.
    assert [s.path for s in shards] == [p.path for p in plan_shards(table, 12_000)]
    assert sorted(s.path for s in shards if s.degradation == "GN") == sorted(
        f"GN/{split}-0000{i}-of-00002.parquet" for split in ("train", "validation", "test") for i in (0, 1)
    )
    assert sorted(s.path for s in shards if s.degradation == "J") == sorted(
        f"J/{split}-00000-of-00001.parquet" for split in ("train", "validation", "test")
    )
    for shard in shards:
        match = SHARD_PATTERN.match(shard.path)
        assert match and match["type"] == shard.degradation and match["split"] == shard.split
        meta = pq.ParquetFile(tmp_path / "out" / shard.path).metadata
        assert meta.num_row_groups == meta.num_rows == shard.rows
        columns = {meta.row_group(0).column(i).path_in_schema: meta.row_group(0).column(i)
                   for i in range(meta.row_group(0).num_columns)}
        assert columns["lq.bytes"].compression == "UNCOMPRESSED"
        assert "PLAIN" in columns["gt.bytes"].encodings and not columns["gt.bytes"].has_dictionary_page
        assert columns["sample_id"].compression == "SNAPPY"
    assert sum(s.rows for s in shards) == table.num_rows
    schema_meta = pq.read_schema(tmp_path / "out" / shards[0].path).metadata
    assert json.loads(schema_meta[b"huggingface"])["info"]["features"]["lq"] == {"_type": "Image"}
    assert schema_meta[b"uir.recipe_hash"] == b"0123456789abcdef"


def test_row_groups_default_to_100_rows(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny", height=8, width=8, images=60)
    export_dataset(root, tmp_path / "out")
    sizes = []
    for shard in sorted((tmp_path / "out" / "GN").glob("train-*.parquet")):
        meta = pq.ParquetFile(shard).metadata
        sizes += [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    assert sizes == [40]  # 20 train images x 2 levels, one group below the 100-row cap
    root_big = make_tiny_dataset(tmp_path / "tiny-big", height=8, width=8, images=160)
    export_dataset(root_big, tmp_path / "out-big")
    meta = pq.ParquetFile(next((tmp_path / "out-big" / "J").glob("train-*.parquet"))).metadata
    assert [meta.row_group(g).num_rows for g in range(meta.num_row_groups)] == [100, 8]


def test_features_match_what_datasets_writes():
    from datasets import ClassLabel, Features, Image

    from uir_data.manifest import SCHEMA
    from uir_data.taxonomy import TYPES

    expected = Features({"lq": Image(), "gt": Image(), **Features.from_arrow_schema(SCHEMA)})
    expected["label"] = ClassLabel(names=[kind.abbrev for kind in sorted(TYPES, key=lambda kind: kind.label)])
    assert features_dict() == expected.to_dict()
    assert features_yaml() == expected._to_yaml_list()


def test_rerun_keeps_finished_shards_and_new_options_rewrite_them(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    first = export_dataset(root, out, shard_size="12KB")
    before = {f.path: (out / f.path).read_bytes() for f in first.files}
    again = export_dataset(root, out, shard_size="12KB")
    assert again.shards_written == 0 and again.shards_kept == first.shards_written
    assert {f.path: (out / f.path).read_bytes() for f in again.files} == before
    no_cdc = export_dataset(root, out, shard_size="12KB", cdc=False)  # other bytes: nothing kept
    assert no_cdc.shards_kept == 0 and no_cdc.shards_written == first.shards_written
    bigger = export_dataset(root, out, shard_size="1MB")
    assert bigger.shards_kept == 0 and bigger.shards_written == 6  # one shard per (type, split)
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.glob("*/*.parquet"))
    assert on_disk == sorted(f.path for f in bigger.files if f.path.endswith(".parquet"))
    assert verify_export(out) == []


def test_interrupted_export_leaves_no_partial_shard_and_resumes(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    calls = []

    def interrupt(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 7:  # the six GN shards (one row each) are done; train-J has 1 of its 2 rows written
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export_dataset(root, out, shard_size="12KB", row_group_rows=1, progress=interrupt)
    names = [p.name for p in out.rglob("*") if p.is_file()]
    assert not (out / EXPORT_MANIFEST).exists()
    assert not [n for n in names if n.startswith(".uir-tmp-")]
    finished = sorted(out.glob("*/*.parquet"))
    assert [p.relative_to(out).as_posix() for p in finished] == sorted(
        f"GN/{split}-0000{i}-of-00002.parquet" for split in ("train", "validation", "test") for i in (0, 1)
    )
    assert all(pq.ParquetFile(p).metadata.num_rows == 1 for p in finished)
    result = export_dataset(root, out, shard_size="12KB", row_group_rows=1)
    assert result.shards_kept == len(finished) and result.shards_written > 0
    assert verify_export(out) == []


def test_missing_or_altered_images_stop_the_export_naming_sample_and_file(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    victim = root / "lq" / "J" / "img1_L3.jpg"
    original = victim.read_bytes()
    victim.write_bytes(original[:-1] + bytes([original[-1] ^ 0xFF]))
    with pytest.raises(ExportError, match=r"tiny/img1/J/L3: .*img1_L3\.jpg does not match its manifest sha256"):
        export_dataset(root, tmp_path / "out", check_hashes=True)
    assert not (tmp_path / "out" / EXPORT_MANIFEST).exists()
    # Without the hash check the export goes through, and verify_export names the altered bytes.
    export_dataset(root, tmp_path / "out")
    problems = verify_export(tmp_path / "out", quick=True)
    assert [(p.check, p.sample_id) for p in problems] == [("sha256", "tiny/img1/J/L3")]
    victim.unlink()
    with pytest.raises(ExportError, match=r"tiny/img1/J/L3: cannot read LQ image .*img1_L3\.jpg"):
        export_dataset(root, tmp_path / "fresh")
    victim.write_bytes(original + b"x")
    with pytest.raises(ExportError, match=r"has \d+ bytes but the manifest says"):
        export_dataset(root, tmp_path / "fresh")


def test_export_refuses_a_foreign_folder_and_the_dataset_root(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("keep me")
    with pytest.raises(ExportError, match="not a uir export .*thesis.tex"):
        export_dataset(root, foreign)
    assert (foreign / "thesis.tex").read_text() == "keep me"
    with pytest.raises(ExportError, match="must not be the dataset root"):
        export_dataset(root, root)


def test_card_declares_configs_counts_license_and_provenance(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    (root / "gallery.png").write_bytes((root / "gt" / "img0.png").read_bytes())
    out = tmp_path / "out"
    export_dataset(root, out, repo_id="someone/tiny")
    front = read_front_matter(out / "README.md")
    assert front["license"] == "cc0-1.0" and front["task_categories"] == ["image-to-image"]
    configs = {c["config_name"]: c for c in front["configs"]}
    assert configs["default"]["default"] is True
    assert configs["default"]["data_files"] == [
        {"split": s, "path": f"*/{s}-*.parquet"} for s in ("train", "validation", "test")
    ]
    assert configs["J"]["data_files"][1] == {"split": "validation", "path": "J/validation-*.parquet"}
    infos = {i["config_name"]: i for i in front["dataset_info"]}
    assert {s["name"]: s["num_examples"] for s in infos["GN"]["splits"]} == {"train": 2, "validation": 2, "test": 2}
    assert {"name": "lq", "dtype": "image"} in infos["default"]["features"]
    text = (out / "README.md").read_text()
    assert "| `GN` | Gaussian / Poisson / salt-and-pepper noise | generated | 2 | 2 | 2 | 6 |" in text
    assert "| **total** |  |  | 4 | 4 | 4 | 12 |" in text
    assert 'load_dataset("someone/tiny", name="GN")' in text
    assert "`0123456789abcdef`" in text and "![assets/gallery.png](assets/gallery.png)" in text
    assert (out / "assets" / "gallery.png").read_bytes() == (root / "gallery.png").read_bytes()
    record = json.loads((out / EXPORT_MANIFEST).read_text())
    assert {f["path"] for f in record["files"]} >= {"README.md", "assets/gallery.png"}


def test_mixed_licenses_make_the_card_say_other():
    from uir_data.hub.licenses import hub_license

    assert hub_license(["CC0-1.0 (a)", "CC0-1.0 (b)"]) == "cc0-1.0"
    assert hub_license(["CC0-1.0 (a)", "public-domain (NASA)"]) == "other"
    assert hub_license(["CC BY-NC-SA 4.0", "CC BY-NC-SA 4.0 (academic use only)"]) == "cc-by-nc-sa-4.0"
    assert hub_license(["S-Lab License 1.0 (non-commercial)"]) == "other"


def test_parse_size_reads_decimal_and_binary_units():
    assert parse_size("500MB") == 500_000_000
    assert parse_size("1.5GB") == 1_500_000_000
    assert parse_size("64MiB") == 64 * 2**20
    assert parse_size("1000") == 1000
    for bad in ("lots", "-5MB", "0", "12XB"):
        with pytest.raises(ExportError, match="size"):
            parse_size(bad)


def _partial_build(folder: Path) -> Path:
    """A real build of which only half the tasks ran (an array job's first index): an unfinished root."""
    from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

    from uir_data.build import build_dataset

    for index in range(4):
        write_rgb(folder / "photos" / f"img{index}.png", smooth_photo(index, 48, 64))
    root = folder / "partial"
    build_dataset(root, "demo", sources=(str(folder / "photos"),), types=PIPELINE_TYPES, workers=1,
                  pairs_per_task=4, task_index=0, num_tasks=2)
    return root


def test_an_unfinished_build_is_refused_unless_allowed(tmp_path):
    from uir_data.dataset_root import IncompleteDatasetError

    root = _partial_build(tmp_path)
    with pytest.raises(IncompleteDatasetError) as caught:
        export_dataset(root, tmp_path / "out")
    assert str(caught.value) == (
        f"{root}: incomplete: 8 of 16 pairs (2 of 4 tasks); rerun the build to finish, "
        "or pass --allow-incomplete to use what is there"
    )
    assert not (tmp_path / "out").exists()
    result = export_dataset(root, tmp_path / "out", allow_incomplete=True)
    assert result.rows == 8
    record = json.loads((tmp_path / "out" / EXPORT_MANIFEST).read_text())
    assert record["build"] == {"pairs_planned": 16, "pairs_done": 8, "complete": False}
    card = (tmp_path / "out" / "README.md").read_text()
    assert "**Partial dataset**: exported from an unfinished build (8 of 16 planned pairs)." in card
    assert str(tmp_path) not in card and '"folder:photos"' in card  # the card is public: no local paths


def test_export_applies_the_root_path_rule_to_symlinks(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny")
    victim = root / "gt" / "img0.png"
    outside = tmp_path / "secret.png"
    outside.write_bytes(victim.read_bytes())  # same bytes and size: only the path rule can refuse it
    victim.unlink()
    victim.symlink_to(outside)
    with pytest.raises(ExportError, match=r"cannot read GT image .*img0\.png \(.*leaves the dataset root"):
        export_dataset(root, tmp_path / "out")
    assert not (tmp_path / "out" / EXPORT_MANIFEST).exists()


def test_a_full_disk_names_the_shard_and_the_fix_and_leaves_no_partial_file(tmp_path):
    """The kernel's ENOSPC, from /dev/full: the second shard's temp file is made a link to it mid-export."""
    import os

    from uir_data.atomic import temp_name

    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    second = out / plan_shards(read_manifest(root), 12_000)[1].path

    def fill_disk(done: int, total: int) -> None:
        if done == 1:
            os.symlink("/dev/full", temp_name(second))

    with pytest.raises(ExportError) as caught:
        export_dataset(root, out, shard_size="12KB", progress=fill_disk)
    assert str(caught.value) == (
        f"{second}: no space left on the device while writing the export; free space on that filesystem or "
        "choose another --export-dir, then rerun the same command (finished shards are kept)"
    )
    assert not os.path.lexists(temp_name(second)) and not second.exists()
    assert not (out / EXPORT_MANIFEST).exists()
    assert export_dataset(root, out, shard_size="12KB").shards_kept == 1  # the rerun keeps the finished shard


def test_training_reads_a_real_export_through_the_layout_reader(tmp_path):
    """maskdcpt's Hub reader finds the TYPE/ shards (via layout.export_shards) and returns the build's pixels."""
    from maskdcpt.data import HubExport, open_index, open_source

    root = make_tiny_dataset(tmp_path / "tiny")
    export_dataset(root, tmp_path / "out", shard_size="12KB")
    assert isinstance(open_source(tmp_path / "out"), HubExport)
    for split in ("train", "val"):  # rows keep the manifest's split names
        from_export, from_root = open_index([tmp_path / "out"], split), open_index([root], split)
        assert from_export.sample_ids == from_root.sample_ids and len(from_export) == 4
        assert list(from_export.labels) == list(from_root.labels)
        for row in range(len(from_export)):
            for got, want in zip(from_export.read_pair(row), from_root.read_pair(row), strict=True):
                assert np.array_equal(got, want)


@pytest.mark.parametrize("with_card", [True, False])
def test_export_loads_with_and_without_its_card_validation_split_and_class_labels(tmp_path, offline_datasets, with_card):
    import datasets

    from uir_data.taxonomy import ABBREVS

    root = make_tiny_dataset(tmp_path / "tiny")
    out = tmp_path / "out"
    export_dataset(root, out, shard_size="12KB")
    if not with_card:  # `datasets` must find configs, splits and features from the file layout alone
        for name in ("README.md", "uir-export.json", "LICENSE.md"):
            (out / name).unlink()
    loaded = datasets.load_dataset(str(out), cache_dir=str(offline_datasets))
    assert {name: len(split) for name, split in loaded.items()} == {"train": 4, "validation": 4, "test": 4}
    validation = datasets.load_dataset(str(out), cache_dir=str(offline_datasets), split="validation")
    assert set(validation["split"]) == {"val"}  # the manifest column keeps its own name
    label = validation.features["label"]
    assert isinstance(label, datasets.ClassLabel) and label.names == list(ABBREVS)
    assert [label.int2str(v) for v in validation["label"]] == validation["degradation"]
    assert isinstance(validation.features["lq"], datasets.Image)


def test_card_names_the_dataset_links_the_licenses_cites_the_paper_and_shows_each_type(tmp_path):
    root = make_tiny_dataset(tmp_path / "tiny", license_text="S-Lab License 1.0 (non-commercial)")
    out = tmp_path / "out"
    export_dataset(root, out, pretty_name="Tiny restoration pairs")
    front = read_front_matter(out / "README.md")
    assert front["pretty_name"] == "Tiny restoration pairs"
    assert (front["license"], front["license_name"], front["license_link"]) == ("other", "per-source-licenses",
                                                                                "LICENSE.md")
    assert front["size_categories"] == ["n<1K"]
    text = (out / "README.md").read_text()
    assert "# Tiny restoration pairs" in text
    assert "[arXiv 2510.13282](https://arxiv.org/abs/2510.13282)" in text
    assert "@article{hu2025maskdcpt," in text and "Masked Degradation Classification" in text
    row = "| tiny | S-Lab License 1.0 (non-commercial) | 12 | restricted: non-commercial only |"
    assert row in text and row in (out / "LICENSE.md").read_text()
    for abbrev in ("GN", "J"):
        assert f"![{abbrev}: LQ and GT](assets/examples/{abbrev}.jpg)" in text
        example = _pixels((out / "assets" / "examples" / f"{abbrev}.jpg").read_bytes())
        assert example.shape == (160, 2 * round(64 * 160 / 48) + 4, 3)  # LQ | 4 px gap | GT at 160 px high
    record = json.loads((out / EXPORT_MANIFEST).read_text())
    assert record["licenses"] == [{"source": "tiny", "license": "S-Lab License 1.0 (non-commercial)", "pairs": 12,
                                   "restriction": "non-commercial only"}]
    assert {"LICENSE.md", "assets/examples/GN.jpg", "assets/examples/J.jpg"} <= {f["path"] for f in record["files"]}
    assert verify_export(out) == []


@pytest.mark.parametrize(
    ("text", "restriction"),
    [
        ("CC0-1.0 (Lav Varshney)", ""),
        ("public-domain (NASA)", ""),
        ("CC BY 4.0", ""),
        ("MIT", ""),
        ("CC BY-NC-SA 4.0 (academic use only)", "non-commercial only"),
        ("SIDD terms of use (research only; no formal license found)", "no license stated"),
        ("DIV2K: academic use only; Flickr2K: each image keeps its Flickr license", "research or academic use only"),
        ("CC BY-ND 4.0", "no derivatives (degraded images are derivatives)"),
        ("unstated (the authors give no license; research use assumed)", "no license stated"),
        ("unknown", "no license stated"),
        ("Some Lab License", "not a license this tool recognises as open; check its terms"),
    ],
)
def test_license_restrictions(text, restriction):
    from uir_data.hub.licenses import restriction as restriction_of

    assert restriction_of(text) == restriction


def test_a_fifo_in_place_of_an_image_stops_the_export_instead_of_hanging(tmp_path):
    import os
    import threading

    root = make_tiny_dataset(tmp_path / "tiny")
    victim = root / "lq" / "GN" / "img0_L0.png"
    victim.unlink()
    os.mkfifo(victim)
    outcome = {}

    def export() -> None:
        try:
            export_dataset(root, tmp_path / "out")
        except ExportError as error:
            outcome["error"] = str(error)

    worker = threading.Thread(target=export, daemon=True)
    worker.start()
    worker.join(timeout=20)
    hung = worker.is_alive()
    if hung:  # release the blocked reader so the suite goes on, then fail
        os.close(os.open(victim, os.O_WRONLY | os.O_NONBLOCK))
        worker.join()
    assert not hung, "the export blocked on a FIFO"
    assert outcome["error"] == (
        f"sample tiny/img0/GN/L0: cannot read LQ image {victim} (is a FIFO (named pipe), not an image file); "
        "rebuild the dataset or run `uir verify-manifest` on it"
    )


@pytest.mark.parametrize(
    ("column", "bad", "reason"),
    [("gt_path", "/etc/hostname", "absolute path"), ("lq_path", "../outside.png", "path escapes the dataset root")],
)
def test_export_refuses_manifest_paths_outside_the_root(tmp_path, column, bad, reason):
    from uir_data.manifest import rows_to_table, write_table

    root = make_tiny_dataset(tmp_path / "tiny")
    (tmp_path / "outside.png").write_bytes((root / "gt" / "img0.png").read_bytes())
    rows = read_manifest(root).to_pylist()
    rows[0][column] = bad
    write_table(rows_to_table(rows, "tiny", "0123456789abcdef"), root / "manifest" / "part-00000.parquet")
    with pytest.raises(ExportError, match=rf"sample tiny/img0/GN/L0: .*manifest path '{re.escape(bad)}' refused: {reason}"):
        export_dataset(root, tmp_path / "out")
