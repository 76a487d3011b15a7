"""Manifest rows -> aligned crops: padding, dihedral augmentation, worker invariance, bad files, Hub exports."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch

from maskdcpt.data import (
    ClassMap,
    DataError,
    TrainPairs,
    make_loader,
    open_index,
    open_source,
    paired_flip_rotate,
    paired_random_crop,
)
from maskdcpt.sampling import StepSampler, keyed_rng, repeat_counts
from maskdcpt.toydata import write_toy_dataset
from uir_data.manifest import read_manifest


@pytest.fixture(scope="module")
def toy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=6, val_scenes=1)


def test_crop_and_flips_keep_lq_and_gt_aligned():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 200, (40, 57, 3), dtype=np.uint8)
    lq = gt + 7  # any misalignment would break the constant offset
    for key in range(20):
        draws = keyed_rng(0, key)
        lq_crop, gt_crop = paired_random_crop(lq, gt, 32, draws)
        lq_crop, gt_crop = paired_flip_rotate(lq_crop, gt_crop, draws)
        assert lq_crop.shape == gt_crop.shape == (32, 32, 3)
        assert np.array_equal(lq_crop.astype(int) - gt_crop, np.full((32, 32, 3), 7))


def test_images_smaller_than_the_crop_are_reflect_padded():
    gt = np.arange(20 * 30 * 3, dtype=np.int64).reshape(20, 30, 3).astype(np.uint8)
    lq_crop, gt_crop = paired_random_crop(gt.copy(), gt, 64, keyed_rng(0, 1))
    assert gt_crop.shape == (64, 64, 3)
    # reflect-101: row 20 mirrors row 18, column 30 mirrors column 28
    assert np.array_equal(gt_crop[:20, :30], gt) and np.array_equal(gt_crop[20], gt_crop[18])
    assert np.array_equal(gt_crop[:, 30], gt_crop[:, 28])


def test_flips_cover_all_eight_dihedral_views():
    image = np.arange(9, dtype=np.uint8).reshape(3, 3, 1)
    views = {paired_flip_rotate(image, image, keyed_rng(0, k))[0].tobytes() for k in range(200)}
    assert len(views) == 8


def test_class_map_is_contiguous_over_the_labels_present(toy: Path):
    index = open_index([toy], "train")
    classes = ClassMap.from_index(index)
    assert classes.names == ("GN", "GB", "J", "H", "LL")  # taxonomy label order: 0, 4, 5, 6, 12
    assert classes.labels == (0, 4, 5, 6, 12)
    assert classes.class_of(np.array([12, 0, 9])).tolist() == [4, 0, -1]


def _batches(toy: Path, workers: int, steps: int = 3) -> list[dict]:
    index = open_index([toy], "train")
    dataset = TrainPairs(index, ClassMap.from_index(index), 32, seed=4)
    sampler = StepSampler(repeat_counts(index.degradations, {"LL": 2}), 4, seed=4, end_step=steps)
    return list(make_loader(dataset, sampler, workers))


def test_batches_do_not_depend_on_the_number_of_workers(toy: Path):
    in_process, two_workers = _batches(toy, 0), _batches(toy, 2)
    for a, b in zip(in_process, two_workers, strict=True):
        assert torch.equal(a["lq"], b["lq"]) and torch.equal(a["gt"], b["gt"]) and torch.equal(a["cls"], b["cls"])
    assert in_process[0]["lq"].shape == (4, 3, 32, 32) and in_process[0]["lq"].dtype == torch.float32


def test_an_unreadable_image_is_reported_once_and_replaced(tmp_path: Path):
    root = write_toy_dataset(tmp_path / "ds", scenes=3, val_scenes=0, types=("GN", "LL"))
    table = read_manifest(root)
    broken = table["lq_path"][0].as_py()
    (root / broken).write_bytes(b"not a png")
    index = open_index([root], "train")
    dataset = TrainPairs(index, ClassMap.from_index(index), 32, seed=0)
    sampler = StepSampler(np.ones(len(index), dtype=np.int64), len(index), seed=0, end_step=3)
    batches = list(make_loader(dataset, sampler, 0))
    reports = [r for b in batches for r in b["skipped"]]
    assert len(reports) == 1 and broken in reports[0] and "not a decodable image" in reports[0]
    bad_row = next(i for i in range(len(index)) if index.files(i)[0].endswith(broken))
    for batch in batches:
        assert batch["lq"].shape[0] == len(index)
        assert bad_row not in batch["row"].tolist()


def test_missing_dataset_and_empty_split_are_clear_errors(toy: Path, tmp_path: Path):
    with pytest.raises(DataError, match="no such dataset folder"):
        open_index([tmp_path / "nowhere"], "train")
    with pytest.raises(DataError, match="'test' split has no pairs"):
        open_index([toy], "test")
    with pytest.raises(DataError, match="of types MB"):
        open_index([toy], "train", ["MB"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no manifest part files"):
        open_index([tmp_path / "empty"], "train")


def _write_hub_export(toy: Path, out: Path) -> None:
    """The layout of a Hugging Face export: data/{split}-i-of-n.parquet, Image structs + manifest columns."""
    table = read_manifest(toy)
    (out / "data").mkdir(parents=True)
    for split in ("train", "val"):
        rows = table.filter(pc.equal(table["split"], split))
        images = {
            column: pa.array(
                [{"bytes": (toy / p).read_bytes(), "path": Path(p).name} for p in rows[f"{column}_path"].to_pylist()],
                type=pa.struct([("bytes", pa.binary()), ("path", pa.string())]),
            )
            for column in ("lq", "gt")
        }
        export = pa.table({**images, **{name: rows[name] for name in rows.column_names}})
        pq.write_table(export, out / "data" / f"{split}-00000-of-00001.parquet", row_group_size=4)


def test_hub_export_folders_read_the_embedded_images(toy: Path, tmp_path: Path):
    _write_hub_export(toy, tmp_path / "export")
    source = open_source(tmp_path / "export")
    hub_index = open_index([tmp_path / "export"], "train")
    folder_index = open_index([toy], "train")
    assert hub_index.sample_ids == folder_index.sample_ids
    for row in (0, 5, len(hub_index) - 1):  # rows in different row groups
        for got, want in zip(hub_index.read_pair(row), folder_index.read_pair(row), strict=True):
            assert np.array_equal(got, want)
    assert type(source).__name__ == "HubExport"


def test_hub_export_rows_are_read_in_blocks_of_their_row_group(toy: Path, tmp_path: Path):
    _write_hub_export(toy, tmp_path / "export")
    hub_index = open_index([tmp_path / "export"], "train")
    blocks = hub_index.read_blocks()
    assert blocks is not None and blocks.tolist() == (hub_index.row_in_source // 4).tolist()  # row_group_size=4
    assert open_index([toy], "train").read_blocks() is None  # one file per image: shuffled freely
    mixed = open_index([toy, tmp_path / "export"], "train")
    mixed_blocks = mixed.read_blocks()
    assert len(set(mixed_blocks[mixed.source_of == 0]) & set(mixed_blocks[mixed.source_of == 1])) == 0
    hub_index.keep_row_groups(8)
    assert hub_index.sources[0].cache_row_groups == 8
