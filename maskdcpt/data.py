"""Manifest rows -> paired LQ/GT crops -> batches, for training and evaluation.

Two on-disk layouts are read: a dataset root written by `uir build-dataset` (manifest/part-*.parquet,
images at root/<lq_path>) and a Hugging Face export folder (data/{split}-*.parquet with `lq` and `gt`
Image columns, i.e. struct<bytes, path>, next to every manifest column).

An unreadable image never stops training: it is reported once (file name and reason) and the sample is
replaced by the next readable row, deterministically, so the batch size and the data position stay put.
"""

from __future__ import annotations

import functools
import os
import signal
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch

from maskdcpt.sampling import TAG_AUGMENT, keyed_rng
from uir_data.dataset_root import UnsafePathError, member_path, require_complete
from uir_data.errors import UirError
from uir_data.hub.layout import export_shards
from uir_data.manifest import ManifestError, dataset_root_of, read_manifest
from uir_data.parent_death import die_with_parent
from uir_data.taxonomy import BY_ABBREV

INDEX_COLUMNS = ("sample_id", "split", "degradation", "label", "lq_path", "gt_path")
MAX_FALLBACKS = 16  # rows tried after an unreadable one before giving up on a batch slot


class DataError(UirError):
    """A dataset that cannot be used for training: missing manifest, empty split, no readable pairs."""


class UnreadablePair(Exception):
    """One pair whose LQ or GT cannot be decoded; the message names the file."""


def decode_rgb(data: bytes, name: str) -> np.ndarray:
    """Encoded image bytes -> uint8 RGB (H, W, 3); raises UnreadablePair naming the file."""
    image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    if image is None:
        raise UnreadablePair(f"{name}: not a decodable image ({len(data)} bytes)")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class ManifestFolder:
    """A dataset root written by `uir build-dataset`: manifest + image files."""

    def __init__(self, path: Path):
        self.root = dataset_root_of(Path(path))
        self.table = read_manifest(Path(path), columns=INDEX_COLUMNS)
        self.name = str(self.root)

    def files(self, row: int) -> tuple[str, str]:
        return (str(self.root / self.table["lq_path"][row].as_py()), str(self.root / self.table["gt_path"][row].as_py()))

    def read_pair(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        images = []
        for column in ("lq_path", "gt_path"):
            # verify's path rule: no '..', no absolute path, no symlink out of the root; a breach stops the run
            try:
                file = str(member_path(self.root, self.table[column][row].as_py()))
            except UnsafePathError as error:
                raise DataError(f"{error}; fix the manifest (uir verify-manifest lists every such row)") from None
            try:
                data = Path(file).read_bytes()
            except OSError as error:
                raise UnreadablePair(f"{file}: {error.strerror or error}") from None
            images.append(decode_rgb(data, file))
        return images[0], images[1]


class HubExport:
    """A Hugging Face export folder: data/{split}-*.parquet with embedded `lq`/`gt` image bytes."""

    CACHE_ROW_GROUPS = 2  # row groups kept per process by default; training raises it to its shuffle window

    def __init__(self, path: Path):
        self.root = Path(path)
        self.parts = [shard.path for shard in export_shards(self.root)]  # the export layout's own reader
        if not self.parts:
            raise DataError(f"{self.root}: no Parquet shards of a Hugging Face export (<TYPE>/<split>-*.parquet)")
        tables, self._locations = [], []
        for file_index, part in enumerate(self.parts):
            try:
                schema = pq.read_schema(part)
                missing = [c for c in (*INDEX_COLUMNS, "lq", "gt") if c not in schema.names]
                if missing:
                    raise DataError(f"{part}: a Hub export part lacks columns {missing}")
                table = pq.read_table(part, columns=list(INDEX_COLUMNS))
                groups = pq.ParquetFile(part).metadata
            except (OSError, pa.ArrowInvalid) as error:
                raise DataError(f"{part}: not a readable Parquet file ({error})") from None
            starts = np.cumsum([0] + [groups.row_group(g).num_rows for g in range(groups.num_row_groups)])
            for row in range(table.num_rows):
                group = int(np.searchsorted(starts, row, side="right") - 1)
                self._locations.append((file_index, group, row - int(starts[group])))
            tables.append(table.cast(pa.schema([(c, table.schema.field(c).type) for c in INDEX_COLUMNS])))
        self.table = pa.concat_tables(tables)
        self.name = str(self.root)
        self.cache_row_groups = self.CACHE_ROW_GROUPS
        self._cache: OrderedDict[tuple[int, int], pa.Table] = OrderedDict()

    def _row_group(self, file_index: int, group: int) -> pa.Table:
        key = (file_index, group)
        if key not in self._cache:
            self._cache[key] = pq.ParquetFile(self.parts[file_index]).read_row_group(group, columns=["lq", "gt"])
            while len(self._cache) > self.cache_row_groups:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return self._cache[key]

    def row_groups(self) -> np.ndarray:
        """Per row (in table order) a number for its Parquet row group, unique over this export's shards."""
        keys = np.array([file_index * (1 << 32) + group for file_index, group, _ in self._locations], dtype=np.int64)
        return np.unique(keys, return_inverse=True)[1].reshape(-1)

    def files(self, row: int) -> tuple[str, str]:
        file_index, _, in_group = self._locations[row]
        part = self.parts[file_index].name
        sample = self.table["sample_id"][row].as_py()
        return (f"{part}:{sample}:lq", f"{part}:{sample}:gt")

    def read_pair(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        file_index, group, in_group = self._locations[row]
        try:
            table = self._row_group(file_index, group)
        except (OSError, pa.ArrowInvalid) as error:
            raise UnreadablePair(f"{self.parts[file_index]}: row group {group} unreadable ({error})") from None
        images = []
        for column, name in zip(("lq", "gt"), self.files(row), strict=True):
            cell = table[column][in_group].as_py()
            data = cell.get("bytes") if isinstance(cell, dict) else None
            if not data:
                raise UnreadablePair(f"{name}: no embedded image bytes")
            images.append(decode_rgb(data, name))
        return images[0], images[1]


def open_source(path: Path | str, allow_incomplete: bool = False) -> ManifestFolder | HubExport:
    """A dataset root, manifest folder/file, or Hugging Face export folder; errors name the path.

    A build root whose build has not finished is refused (IncompleteDatasetError) unless `allow_incomplete`.
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such dataset folder (expected manifest/part-*.parquet or data/*.parquet)")
    if path.is_dir() and not (path / "manifest").is_dir() and export_shards(path):
        return HubExport(path)
    try:
        folder = ManifestFolder(path)
    except ManifestError as error:
        raise DataError(str(error)) from None
    require_complete(folder.root, allow_incomplete=allow_incomplete)
    return folder


@dataclass
class PairIndex:
    """The rows one run reads, over one or more sources, after the split and type filters."""

    sources: list[ManifestFolder | HubExport]
    source_of: np.ndarray  # row -> source index
    row_in_source: np.ndarray
    degradations: list[str]
    labels: np.ndarray  # stable taxonomy labels (int)
    sample_ids: list[str]

    def __len__(self) -> int:
        return len(self.degradations)

    def read_pair(self, row: int) -> tuple[np.ndarray, np.ndarray]:
        return self.sources[int(self.source_of[row])].read_pair(int(self.row_in_source[row]))

    def files(self, row: int) -> tuple[str, str]:
        return self.sources[int(self.source_of[row])].files(int(self.row_in_source[row]))

    def read_blocks(self, rows_per_file_block: int = 64) -> np.ndarray | None:
        """Per row, the block it is read in: its row group in a Hub export; None when no source is one.

        Rows of a manifest folder (one file per image, no blocks) mixed in get blocks of consecutive rows.
        """
        if not any(isinstance(source, HubExport) for source in self.sources):
            return None
        blocks = np.zeros(len(self), dtype=np.int64)
        offset = 0
        for source_index, source in enumerate(self.sources):
            mine = np.flatnonzero(self.source_of == source_index)
            if isinstance(source, HubExport):
                local = source.row_groups()[self.row_in_source[mine]]
            else:
                local = np.arange(len(mine)) // rows_per_file_block
            blocks[mine] = offset + local
            offset += int(local.max()) + 1 if len(mine) else 0
        return blocks

    def keep_row_groups(self, count: int) -> None:
        """Let every Hub export source cache `count` row groups (the training shuffle window)."""
        for source in self.sources:
            if isinstance(source, HubExport):
                source.cache_row_groups = max(source.CACHE_ROW_GROUPS, count)

    def type_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for abbrev in self.degradations:
            counts[abbrev] = counts.get(abbrev, 0) + 1
        return counts


def build_index(
    sources: Sequence[ManifestFolder | HubExport], split: str, types: Sequence[str] = (), limit: int = 0
) -> PairIndex:
    """Rows of `split` (and of `types`, when given) over all sources, ordered by source then sample_id."""
    source_of, row_in_source, degradations, labels, sample_ids = [], [], [], [], []
    for source_index, source in enumerate(sources):
        table = source.table
        keep = pc.equal(table["split"], split)
        if types:
            keep = pc.and_(keep, pc.is_in(table["degradation"], value_set=pa.array(list(types))))
        rows = np.flatnonzero(keep.to_numpy(zero_copy_only=False))
        ids = table["sample_id"].to_pylist()
        rows = sorted(rows.tolist(), key=lambda r: ids[r])  # part order must not matter
        degr = table["degradation"].to_pylist()
        lab = table["label"].to_pylist()
        for row in rows:
            source_of.append(source_index)
            row_in_source.append(row)
            degradations.append(degr[row])
            labels.append(int(lab[row]))
            sample_ids.append(ids[row])
    if limit:
        del source_of[limit:], row_in_source[limit:], degradations[limit:], labels[limit:], sample_ids[limit:]
    return PairIndex(
        list(sources), np.array(source_of, dtype=np.int64), np.array(row_in_source, dtype=np.int64),
        degradations, np.array(labels, dtype=np.int64), sample_ids,
    )


def open_index(paths: Sequence[str | Path], split: str, types: Sequence[str] = (), limit: int = 0,
               allow_incomplete: bool = False) -> PairIndex:
    """Open every dataset path and index one split; an empty result is a DataError naming the filter."""
    if not paths:
        raise DataError("no dataset given: pass --manifest DIR (a folder written by `uir build-dataset`)")
    sources = [open_source(p, allow_incomplete) for p in paths]
    index = build_index(sources, split, types, limit)
    if len(index) == 0:
        where = ", ".join(str(p) for p in paths)
        what = f" of types {','.join(types)}" if types else ""
        raise DataError(f"{where}: the {split!r} split has no pairs{what}")
    return index


@dataclass(frozen=True)
class ClassMap:
    """Classifier classes = the stable labels present in the training rows, as contiguous indices."""

    labels: tuple[int, ...]  # class index -> stable taxonomy label
    names: tuple[str, ...]  # class index -> abbrev

    @classmethod
    def from_index(cls, index: PairIndex) -> ClassMap:
        by_label = {int(label): abbrev for label, abbrev in zip(index.labels, index.degradations, strict=True)}
        labels = tuple(sorted(by_label))
        return cls(labels, tuple(by_label[label] for label in labels))

    @classmethod
    def from_names(cls, names: Sequence[str]) -> ClassMap:
        labels = tuple(BY_ABBREV[n].label for n in names)
        return cls(labels, tuple(names))

    def class_of(self, labels: np.ndarray) -> np.ndarray:
        """Stable labels -> class indices; -1 for labels the classifier was not trained on."""
        lookup = {label: index for index, label in enumerate(self.labels)}
        return np.array([lookup.get(int(label), -1) for label in labels], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.labels)


# ----------------------------------------------------------------------------------------------------------
# Paired augmentation


def paired_random_crop(
    lq: np.ndarray, gt: np.ndarray, size: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """The same random size x size window of LQ and GT; reflect-101 padding first if a side is smaller."""
    height, width = gt.shape[:2]
    pad_h, pad_w = max(0, size - height), max(0, size - width)
    if pad_h or pad_w:
        # reflect-101 (cv2's default border, BasicSR's padding) cannot exceed side - 1, so repeat if needed
        while lq.shape[0] < size or lq.shape[1] < size:
            ph = min(size - lq.shape[0], lq.shape[0] - 1) if lq.shape[0] < size else 0
            pw = min(size - lq.shape[1], lq.shape[1] - 1) if lq.shape[1] < size else 0
            lq = cv2.copyMakeBorder(lq, 0, ph, 0, pw, cv2.BORDER_REFLECT_101)
            gt = cv2.copyMakeBorder(gt, 0, ph, 0, pw, cv2.BORDER_REFLECT_101)
        height, width = gt.shape[:2]
    top = int(rng.integers(0, height - size + 1))
    left = int(rng.integers(0, width - size + 1))
    return lq[top : top + size, left : left + size], gt[top : top + size, left : left + size]


def paired_flip_rotate(lq: np.ndarray, gt: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Horizontal flip, vertical flip and transpose, each with p = 0.5 (BasicSR's `augment`): all 8 dihedral views."""
    hflip, vflip, transpose = rng.random(3) < 0.5
    for flag, op in ((hflip, lambda a: a[:, ::-1]), (vflip, lambda a: a[::-1]), (transpose, lambda a: a.swapaxes(0, 1))):
        if flag:
            lq, gt = op(lq), op(gt)
    return lq, gt


def to_chw_float(image: np.ndarray) -> np.ndarray:
    """uint8 HWC RGB -> float32 CHW in [0, 1]."""
    return np.ascontiguousarray(image.transpose(2, 0, 1), dtype=np.float32) / np.float32(255.0)


class TrainPairs(torch.utils.data.Dataset):
    """Item (row, epoch, offset) -> augmented crop pair; draws keyed by (seed, epoch, offset) only."""

    def __init__(self, index: PairIndex, classes: ClassMap, crop_size: int, seed: int, augment: bool = True):
        self.index = index
        self.classes = classes.class_of(index.labels)
        self.crop_size = crop_size
        self.seed = seed
        self.augment = augment
        self._bad: set[int] = set()  # rows found unreadable in this process

    def __len__(self) -> int:
        return len(self.index)

    def _load(self, row: int) -> tuple[int, np.ndarray, np.ndarray, list[str]]:
        """The first readable pair at or after `row` (in index order); reports each bad pair once."""
        reports = []
        for attempt in range(MAX_FALLBACKS + 1):
            candidate = (row + attempt) % len(self.index)
            if candidate in self._bad:
                continue
            try:
                lq, gt = self.index.read_pair(candidate)
                if lq.shape != gt.shape:
                    raise UnreadablePair(
                        f"{self.index.files(candidate)[0]}: LQ is {lq.shape[1]}x{lq.shape[0]}, "
                        f"GT is {gt.shape[1]}x{gt.shape[0]}"
                    )
                return candidate, lq, gt, reports
            except UnreadablePair as problem:
                self._bad.add(candidate)
                reports.append(str(problem))
        raise DataError(f"{MAX_FALLBACKS + 1} consecutive unreadable pairs from row {row}: " + "; ".join(reports))

    def __getitem__(self, item: tuple[int, int, int]) -> dict:
        row, epoch, offset = item
        try:
            used, lq, gt, reports = self._load(int(row))
        except UirError as error:
            # Returned, not raised: raised in a DataLoader worker it would reach the user wrapped in a
            # traceback; the training loop raises it again as the one sentence it is.
            return {"error": str(error), "error_type": type(error).__name__}
        rng = keyed_rng(self.seed, TAG_AUGMENT, epoch, offset)
        lq, gt = paired_random_crop(lq, gt, self.crop_size, rng)
        if self.augment:
            lq, gt = paired_flip_rotate(lq, gt, rng)
        return {
            "lq": to_chw_float(lq),
            "gt": to_chw_float(gt),
            "cls": int(self.classes[used]),
            "row": used,
            "skipped": reports,
        }


def collate_pairs(samples: list[dict]) -> dict:
    """Stack a list of TrainPairs items; unreadable-file reports are concatenated, not stacked."""
    failed = [s for s in samples if "error" in s]
    if failed:
        return {"error": failed[0]["error"], "error_type": failed[0]["error_type"]}
    return {
        "lq": torch.from_numpy(np.stack([s["lq"] for s in samples])),
        "gt": torch.from_numpy(np.stack([s["gt"] for s in samples])),
        "cls": torch.tensor([s["cls"] for s in samples], dtype=torch.long),
        "row": torch.tensor([s["row"] for s in samples], dtype=torch.long),
        "skipped": [report for s in samples for report in s["skipped"]],
    }


def worker_init(_worker_id: int, parent_pid: int | None = None) -> None:
    """One thread per DataLoader worker (the workers already run in parallel); stop signals left to the parent;
    die with the parent.

    OpenCV's thread count is set to 1 in the parent before the fork (make_loader): calling
    cv2.setNumThreads in a forked child whose parent had used OpenCV's thread pool deadlocks in
    pthread_cond_destroy (seen with gdb), so the children inherit the setting instead.
    """
    torch.set_num_threads(1)
    # A stop signal sent to the whole process group (Slurm's scancel, Ctrl-C, `kill -- -PGID`) reaches the
    # workers too; dying of it would end the run with "worker killed by signal" (raised by torch's SIGCHLD
    # handler anywhere in the main process, even mid-checkpoint) instead of the main process's clean stop.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    obey_sigterm_only_from(os.getppid())
    die_with_parent(os.getppid() if parent_pid is None else parent_pid)


def obey_sigterm_only_from(parent_pid: int) -> None:
    """Terminate on SIGTERM only when the parent sends it (torch's DataLoader ends a worker that does not
    stop in time with terminate(), and it must still work: ignoring every SIGTERM left such a worker alive
    and the interpreter's exit waiting for it forever). SIGTERM is blocked and read by a thread that sees
    the sender's pid; from anyone else it is dropped, and the parent stops the worker when it is done."""
    if not hasattr(signal, "sigwaitinfo"):  # pragma: no cover - not POSIX: keep the default
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # threads started later inherit the mask

    def wait_for_parent() -> None:
        while True:
            info = signal.sigwaitinfo({signal.SIGTERM})
            if info.si_pid == parent_pid:
                os._exit(128 + signal.SIGTERM)

    threading.Thread(target=wait_for_parent, name="sigterm-from-parent", daemon=True).start()


def make_loader(dataset: TrainPairs, batch_sampler, workers: int) -> torch.utils.data.DataLoader:
    """A DataLoader over a StepSampler; decoding happens in `workers` processes (0: in this process)."""
    if workers:
        cv2.setNumThreads(1)  # the workers inherit it (see worker_init); this process decodes nothing then
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=batch_sampler,
        num_workers=workers,
        collate_fn=collate_pairs,
        worker_init_fn=functools.partial(worker_init, parent_pid=os.getpid()) if workers else None,
        pin_memory=torch.cuda.is_available(),
        prefetch_factor=4 if workers else None,
        persistent_workers=False,
    )


def center_crop(image: np.ndarray, size: int) -> np.ndarray:
    """The central size x size window (the whole image along sides shorter than size)."""
    height, width = image.shape[:2]
    top, left = max(0, (height - size) // 2), max(0, (width - size) // 2)
    return image[top : top + size, left : left + size]
