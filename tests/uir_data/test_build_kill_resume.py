"""A build killed with SIGKILL part-way and rerun equals an uninterrupted build, with no orphan files."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

from uir_data.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]


def build_command(out: Path, folder: Path) -> list[str]:
    return [
        sys.executable, "-m", "cli.main", "build-dataset", "--out", str(out), "--source", str(folder),
        "--types", ",".join(PIPELINE_TYPES), "--workers", "1", "--pairs-per-task", "2", "--json",
    ]


def all_files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for sub in ("lq", "gt")
        for p in (root / sub).rglob("*")
        if p.is_file()
    }


def test_sigkill_then_rerun_equals_uninterrupted_build(tmp_path):
    folder = tmp_path / "photos"
    for index in range(14):
        write_rgb(folder / f"p{index:02d}.png", smooth_photo(index, 320, 352))
    env = {**os.environ, "PYTHONPATH": str(REPO)}

    killed_out = tmp_path / "killed"
    process = subprocess.Popen(build_command(killed_out, folder), env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (killed_out / "_tasks" / "task-00003.json").exists():
        assert process.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL
    markers = len(list((killed_out / "_tasks").glob("task-*.json")))
    assert 4 <= markers < 28, "the kill must land part-way through the 28 tasks"

    subprocess.run(build_command(killed_out, folder), env=env, cwd=REPO, check=True, capture_output=True)
    reference_out = tmp_path / "reference"
    subprocess.run(build_command(reference_out, folder), env=env, cwd=REPO, check=True, capture_output=True)

    resumed_files, reference_files = all_files(killed_out), all_files(reference_out)
    assert resumed_files == reference_files
    resumed = read_manifest(killed_out).sort_by("sample_id")
    assert resumed.equals(read_manifest(reference_out).sort_by("sample_id"))
    assert resumed.num_rows == 14 * len(PIPELINE_TYPES) * 2
    referenced = set(resumed.column("lq_path").to_pylist()) | set(resumed.column("gt_path").to_pylist())
    assert set(resumed_files) == referenced, "orphan or missing files after resume"
    assert not [p for p in killed_out.rglob("*") if p.name.startswith(".uir-tmp-")]
