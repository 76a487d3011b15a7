"""Training reads only what verify accepts: finished builds, manifest paths inside the root; worker errors are one sentence."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch
from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

from maskdcpt.config import apply_overrides, load_preset
from maskdcpt.data import DataError, open_index
from maskdcpt.toydata import write_toy_dataset
from maskdcpt.train import train
from uir_data.build import build_dataset
from uir_data.dataset_root import IncompleteDatasetError

torch.set_num_threads(1)


def test_an_unfinished_build_is_refused_unless_allowed(tmp_path: Path):
    for index in range(4):
        write_rgb(tmp_path / "photos" / f"img{index}.png", smooth_photo(index, 48, 64))
    root = tmp_path / "partial"
    build_dataset(root, "demo", sources=(str(tmp_path / "photos"),), types=PIPELINE_TYPES, workers=1,
                  pairs_per_task=4, task_index=1, num_tasks=2)  # one of two tasks: half the pairs
    with pytest.raises(IncompleteDatasetError, match=r"incomplete: 8 of 16 pairs .*or pass --allow-incomplete"):
        open_index([root], "train")
    assert len(open_index([root], "train", allow_incomplete=True)) > 0


def rewrite_manifest_path(dataset: Path, row: int, column: str, value: str) -> None:
    part = sorted((dataset / "manifest").glob("*.parquet"))[0]
    table = pq.read_table(part)
    values = table[column].to_pylist()
    values[row] = value
    table = table.set_column(table.schema.get_field_index(column), column, pa.array(values))
    pq.write_table(table, part)


@pytest.mark.parametrize("kind", ["dotdot", "absolute", "symlink"])
def test_manifest_paths_that_leave_the_root_are_refused(tmp_path: Path, kind: str):
    dataset = write_toy_dataset(tmp_path / "ds", scenes=2, val_scenes=1)
    outside = tmp_path / "outside"
    outside.mkdir()
    shutil.copy(next((dataset).rglob("*.png")), outside / "secret_gt.png")
    index = open_index([dataset], "train")
    row = int(index.row_in_source[0])
    value = {"dotdot": "../outside/secret_gt.png", "absolute": str(outside / "secret_gt.png"), "symlink": "link.png"}[kind]
    if kind == "symlink":
        (dataset / "link.png").symlink_to(outside / "secret_gt.png")
    rewrite_manifest_path(dataset, row, "gt_path", value)
    index = open_index([dataset], "train")
    with pytest.raises(DataError, match=r"manifest path .* refused: .*; fix the manifest"):
        index.read_pair(int([r for r in range(len(index)) if int(index.row_in_source[r]) == row][0]))


def test_a_dataset_error_in_a_data_worker_reaches_the_user_as_one_sentence(tmp_path: Path):
    dataset = write_toy_dataset(tmp_path / "ds", scenes=2, val_scenes=1)
    for row in range(10):  # every train row escapes the root: no readable fallback exists
        rewrite_manifest_path(dataset, row, "lq_path", "../../etc/passwd")
    config = apply_overrides(load_preset("tiny-cpu"), [f'data.manifests=["{dataset}"]', "data.workers=1",
                                                       "run.steps=2", "run.threads=1"])
    with pytest.raises(DataError) as caught:
        train(config, tmp_path / "run")
    message = str(caught.value)
    assert "manifest path '../../etc/passwd' refused" in message
    assert "Traceback" not in message and "worker" not in message and "\n" not in message


WORKER_PROBE = r"""
import os, sys, time
import torch
from maskdcpt.data import make_loader, TrainPairs, ClassMap, open_index
from maskdcpt.sampling import StepSampler, repeat_counts

index = open_index([sys.argv[1]], "train")
sampler = StepSampler(repeat_counts(index.degradations, {}), 2, seed=0)
loader = iter(make_loader(TrainPairs(index, ClassMap.from_index(index), 32, 0), sampler, 2))
next(loader)
print(" ".join(str(w.pid) for w in loader._workers), flush=True)
time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as stat:  # a zombie waiting for its reaper is dead for our purpose
        return stat.read().split(") ")[-1][0] != "Z"


def test_data_workers_die_with_a_parent_killed_by_sigkill(tmp_path: Path):
    dataset = write_toy_dataset(tmp_path / "ds", scenes=2, val_scenes=1)
    probe = subprocess.Popen([sys.executable, "-c", WORKER_PROBE, str(dataset)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "OMP_NUM_THREADS": "1"})
    workers = [int(pid) for pid in probe.stdout.readline().split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    probe.send_signal(signal.SIGKILL)
    probe.wait()
    deadline = time.monotonic() + 2  # PR_SET_PDEATHSIG acts at once; torch's own parent check waits 5 s
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in workers)


AFTER_OPENCV_THREADS = r"""
import sys
import cv2, numpy as np
from maskdcpt.data import ClassMap, TrainPairs, make_loader, open_index
from maskdcpt.sampling import StepSampler, repeat_counts

cv2.setNumThreads(2)
for _ in range(20):  # start OpenCV's thread pool in the parent, as decoding or writing images does
    cv2.GaussianBlur(np.zeros((1024, 1024, 3), np.float32), (0, 0), 3)
index = open_index([sys.argv[1]], "train")
sampler = StepSampler(repeat_counts(index.degradations, {}), 2, seed=0, end_step=2)
print(sum(len(b["lq"]) for b in make_loader(TrainPairs(index, ClassMap.from_index(index), 32, 0), sampler, 1)))
"""


def test_data_workers_start_after_the_parent_used_opencv_threads(tmp_path: Path):
    dataset = write_toy_dataset(tmp_path / "ds", scenes=2, val_scenes=1)
    done = subprocess.run([sys.executable, "-c", AFTER_OPENCV_THREADS, str(dataset)], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert done.returncode == 0 and done.stdout.split() == ["4"], done.stderr[-2000:]


def test_a_worker_stuck_in_a_sample_is_still_terminated_by_the_loader(tmp_path):
    # Workers drop SIGTERM from anyone but their parent (a group-wide stop signal is the main process's to
    # handle); the DataLoader's own terminate() of a worker that does not stop in time must still work, or
    # the interpreter's exit waits for that worker forever.
    script = tmp_path / "stuck.py"
    script.write_text(
        "import functools, os, time, torch\n"
        "from maskdcpt.data import worker_init\n"
        "class Stuck(torch.utils.data.Dataset):\n"
        "    def __len__(self): return 4\n"
        "    def __getitem__(self, i):\n"
        "        if i: time.sleep(3600)\n"
        "        return i\n"
        "loader = torch.utils.data.DataLoader(Stuck(), batch_size=1, num_workers=1, prefetch_factor=2,\n"
        "    worker_init_fn=functools.partial(worker_init, parent_pid=os.getpid()))\n"
        "batches = iter(loader)\n"
        "print(int(next(batches)), flush=True)\n"
        "del batches\n"
        "print('shut down', flush=True)\n"
    )
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, str(script)], cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["0", "shut", "down"]
