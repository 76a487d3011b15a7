"""Builds stopped by real signals (SIGKILL, SIGINT, SIGTERM) part-way: no orphans, no live workers, a rerun
(with the same or no --pairs-per-task) equals an uninterrupted build cut into other tasks, byte for byte."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

from uir_data.build import build_dataset
from uir_data.errors import UsageError
from uir_data.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]
N_PHOTOS = 14
PAIRS = N_PHOTOS * len(PIPELINE_TYPES) * 2


def build_command(out: Path, folder: Path, *, workers: int = 1, pairs_per_task: int | None = 2) -> list[str]:
    command = [
        sys.executable, "-m", "cli.main", "build-dataset", "--out", str(out), "--source", str(folder),
        "--types", ",".join(PIPELINE_TYPES), "--workers", str(workers), "--json",
    ]  # fmt: skip
    if pairs_per_task is not None:
        command += ["--pairs-per-task", str(pairs_per_task)]
    return command


def all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for sub in ("lq", "gt")
        for p in (root / sub).rglob("*")
        if p.is_file()
    }


@pytest.fixture
def photos(tmp_path) -> Path:
    folder = tmp_path / "photos"
    for index in range(N_PHOTOS):
        write_rgb(folder / f"p{index:02d}.png", smooth_photo(index, 256, 288))
    return folder


@pytest.fixture(scope="module")
def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO)}


def children_of(pid: int) -> set[int]:
    """Live child processes of pid, read from /proc (psutil is not a dependency)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """True while pid runs (a zombie that no one reaped yet counts as gone)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def start_and_wait(command: list[str], out: Path, env: dict[str, str], markers: int, workers: int = 1):
    """Start a build and return it (and its pool workers) once `markers` tasks are finished."""
    process = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    workers_seen: set[int] = set()
    while len(list((out / "_tasks").glob("task-*.json"))) < markers if (out / "_tasks").exists() else True:
        assert process.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        if workers > 1:
            workers_seen |= children_of(process.pid)
        time.sleep(0.005)
    workers_seen |= children_of(process.pid)
    return process, workers_seen


def assert_equals_reference(resumed_out: Path, reference_out: Path) -> None:
    resumed_files, reference_files = all_files(resumed_out), all_files(reference_out)
    assert resumed_files == reference_files
    resumed = read_manifest(resumed_out).sort_by("sample_id")
    assert resumed.equals(read_manifest(reference_out).sort_by("sample_id"))
    assert resumed.num_rows == PAIRS
    referenced = set(resumed.column("lq_path").to_pylist()) | set(resumed.column("gt_path").to_pylist())
    assert set(resumed_files) == referenced, "orphan or missing files after resume"
    assert not [p for p in resumed_out.rglob("*") if p.name.startswith(".uir-tmp-")]


@pytest.fixture(scope="module")
def reference(tmp_path_factory, env) -> Path:
    """An uninterrupted build cut into 7-pair tasks: the packing must not change a single byte."""
    base = tmp_path_factory.mktemp("reference")
    folder = base / "photos"
    for index in range(N_PHOTOS):
        write_rgb(folder / f"p{index:02d}.png", smooth_photo(index, 256, 288))
    out = base / "out"
    subprocess.run(build_command(out, folder, pairs_per_task=7), env=env, cwd=REPO, check=True, capture_output=True)
    return out


@pytest.mark.parametrize(("workers", "pairs_per_task"), [(1, 2), (2, 3)])
def test_sigkill_then_rerun_equals_uninterrupted_build(tmp_path, photos, env, reference, workers, pairs_per_task):
    out = tmp_path / "killed"
    command = build_command(out, photos, workers=workers, pairs_per_task=pairs_per_task)
    process, pool = start_and_wait(command, out, env, markers=4, workers=workers)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    tasks = -(-PAIRS // max(pairs_per_task, 4))  # units are 4 pairs (2 types x 2 variants) and never split
    assert 4 <= len(list((out / "_tasks").glob("task-*.json"))) < tasks, "the kill must land part-way"
    if workers > 1:
        assert len(pool) == workers
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in pool) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not [pid for pid in pool if alive(pid)], "pool workers outlived the killed build"

    with pytest.raises(UsageError) as refused:  # in-process: the CLI's exit 2 is tested in tests/cli
        build_dataset(out, "demo", sources=(str(photos),), types=PIPELINE_TYPES, pairs_per_task=pairs_per_task + 5)
    assert f"--pairs-per-task (this folder: {pairs_per_task}; this run: {pairs_per_task + 5})" in str(refused.value)
    # The plain rerun, without --pairs-per-task, resumes with the packing the folder was started with.
    rerun = subprocess.run(build_command(out, photos, workers=workers, pairs_per_task=None),
                           env=env, cwd=REPO, check=True, capture_output=True, text=True)  # fmt: skip
    assert json.loads(rerun.stdout)["complete"]
    assert_equals_reference(out, reference)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_and_sigterm_stop_a_pool_build_at_once_and_it_resumes(tmp_path, photos, env, reference, signum):
    out = tmp_path / "stopped"
    command = build_command(out, photos, workers=2, pairs_per_task=4)
    process, pool = start_and_wait(command, out, env, markers=2, workers=2)
    assert len(pool) == 2
    if signum == signal.SIGINT:  # the terminal sends Ctrl-C to the whole process group
        for pid in (process.pid, *pool):
            os.kill(pid, signal.SIGINT)
    else:
        process.send_signal(signum)
    try:
        _, stderr = process.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the build kept running after the stop signal") from None
    assert process.returncode == 130
    message = stderr.decode()
    assert "interrupted:" in message and "rerun the same command to resume" in message
    assert "Traceback" not in message
    assert not [pid for pid in pool if alive(pid)], "pool workers outlived the stopped build"
    done = len(list((out / "_tasks").glob("task-*.json")))
    assert 2 <= done < PAIRS // 4

    subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True)
    assert_equals_reference(out, reference)


def test_a_worker_killed_from_outside_ends_the_build_with_one_sentence_and_it_resumes(
    tmp_path, photos, env, reference
):
    """What the kernel's out-of-memory killer does to a pool worker: SIGKILL, out of the blue."""
    out = tmp_path / "oom"
    command = build_command(out, photos, workers=2, pairs_per_task=4)
    process, pool = start_and_wait(command, out, env, markers=1, workers=2)
    os.kill(min(pool), signal.SIGKILL)
    try:
        _, stderr = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("the build hung after losing a worker") from None
    message = stderr.decode()
    assert process.returncode == 1, message
    assert "a build worker process died while writing into" in message and "out-of-memory" in message
    assert "fewer --workers than 2" in message and "Traceback" not in message
    assert not [pid for pid in pool if alive(pid)]
    subprocess.run(command, env=env, cwd=REPO, check=True, capture_output=True)
    assert_equals_reference(out, reference)
