"""`--executor ray` on a real local Ray cluster (127.0.0.1, 2 CPUs, shared by every test of this module):
the same bytes, progress and summary as a local build; a killed driver resumes without duplicates or
holes; a worker killed mid-task is retried; a task that raises is reported in one sentence; workers are
reused across tasks; a driver whose paths the nodes do not see is refused before anything is written."""

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

from uir_data.build import build_dataset, make_plan
from uir_data.manifest import read_manifest
from uir_data.ray_executor import RayTaskFailedError, WorkerInfo, run_tasks_on_ray
from uir_data.recipe import load_recipe
from uir_data.task import TaskContext, marker_path, read_marker

# Read when ray is imported: the node address is then 127.0.0.1, not this machine's network address.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
REPO = Path(__file__).resolve().parents[2]
N_PHOTOS = 10
PAIRS = N_PHOTOS * len(PIPELINE_TYPES) * 2
PAIRS_PER_TASK = 4  # one photo (2 types x 2 variants) per task: 10 tasks
WORKER_TITLE = b"ray::_worker_run"  # Ray's process title of a worker while it runs a build task


@pytest.fixture(scope="module")
def cluster():
    """One local Ray cluster for the module: node address 127.0.0.1 (no cluster networking), 2 CPUs."""
    import ray

    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    assert [node["NodeManagerAddress"] for node in ray.nodes()] == ["127.0.0.1"]
    yield ray.get_runtime_context().gcs_address
    ray.shutdown()
    for sig, handler in handlers.items():  # ray.init replaced them at the C level: later tests get them back
        signal.signal(sig, handler)


@pytest.fixture(scope="module")
def photos(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("ray") / "photos"
    for index in range(N_PHOTOS):
        write_rgb(folder / f"p{index:02d}.png", smooth_photo(index, 192, 224))
    return folder


def build(out: Path, photos: Path, **kwargs):
    return build_dataset(
        out, "demo", sources=(str(photos),), types=PIPELINE_TYPES, pairs_per_task=PAIRS_PER_TASK, **kwargs
    )


def all_files(root: Path) -> dict[str, bytes]:
    """Images, manifest parts and markers: everything a build writes that a reader relies on."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for sub in ("lq", "gt", "manifest", "_tasks")
        for p in (root / sub).rglob("*")
        if p.is_file()
    }


@pytest.fixture(scope="module")
def local(tmp_path_factory, photos):
    """The reference: a local in-process build, with its progress reports."""
    out = tmp_path_factory.mktemp("local") / "out"
    reports = []
    summary = build(out, photos, workers=1, on_task_done=reports.append)
    return out, summary, reports


def assert_equals_local(out: Path, local_out: Path) -> None:
    files = all_files(out)
    assert files == all_files(local_out)
    rows = read_manifest(out)
    assert rows.num_rows == PAIRS and len(set(rows.column("sample_id").to_pylist())) == PAIRS
    referenced = set(rows.column("lq_path").to_pylist()) | set(rows.column("gt_path").to_pylist())
    assert {name for name in files if name.startswith(("lq/", "gt/"))} == referenced, "orphan or missing files"
    assert not [p for p in out.rglob("*") if p.name.startswith(".uir-tmp-")]


def comparable(summary) -> dict:
    data = summary.to_dict()
    for varying in ("out", "seconds"):
        data.pop(varying)
    return data


def busy_workers() -> list[int]:
    """Ray worker processes running a build task right now (from their process titles in /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(WORKER_TITLE):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def wait_until_idle(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while busy_workers():
        assert time.monotonic() < deadline, "Ray workers still running build tasks"
        time.sleep(0.05)


def test_a_ray_build_equals_a_local_build_with_the_same_progress_and_summary(cluster, tmp_path, photos, local):
    local_out, local_summary, local_reports = local
    out = tmp_path / "ray"
    reports = []
    summary = build(out, photos, executor="ray", on_task_done=reports.append)
    assert summary.complete and summary.tasks_run == summary.tasks_total == PAIRS // PAIRS_PER_TASK
    assert comparable(summary) == comparable(local_summary)
    def by_index(results):
        return [r.__dict__ for r in sorted(results, key=lambda r: r.index)]

    assert len(reports) == len(local_reports) and by_index(reports) == by_index(local_reports)
    assert_equals_local(out, local_out)
    assert not [p for p in out.iterdir() if p.name.startswith(".uir-ray-probe-")], "the probe file must go"

    again = build(out, photos, executor="ray")
    assert again.tasks_run == 0 and again.tasks_skipped == summary.tasks_total
    assert all_files(out) == all_files(local_out)


def test_workers_are_reused_across_tasks_and_each_submission_is_small(cluster, tmp_path, photos):
    import ray

    recipe = load_recipe("demo").with_overrides(types=PIPELINE_TYPES, sources=(f"folder:{photos}",))
    plan = make_plan(recipe, pairs_per_task=PAIRS_PER_TASK).plan
    context = TaskContext(
        out=str(tmp_path), recipe_name=recipe.name, recipe_hash=recipe.content_hash(), seed=recipe.seed,
        min_side=recipe.min_side, max_pixels=recipe.max_pixels, max_side=recipe.max_side,
        packing_hash=plan.packing_hash,
    )  # fmt: skip
    workers: list[WorkerInfo] = []
    run_tasks_on_ray(plan.tasks, context, on_worker=workers.append)
    assert sorted(w.task_index for w in workers) == list(range(len(plan.tasks)))
    pids = {w.pid for w in workers}
    # 10 tasks on 2 CPUs: Ray reuses its worker processes, so the engine is imported once per process.
    assert len(pids) <= 3 < len(plan.tasks)
    assert max(w.tasks_run for w in workers) >= len(plan.tasks) // len(pids)
    # What travels: the context once (then a reference to it), and each task's own slice of the plan.
    context_bytes = len(ray.cloudpickle.dumps(context))
    task_bytes = max(len(ray.cloudpickle.dumps(task)) for task in plan.tasks)
    print(f"context {context_bytes} bytes; largest task {task_bytes} bytes for {PAIRS_PER_TASK} pairs")
    assert context_bytes < 1024
    assert task_bytes < 1024 * PAIRS_PER_TASK


def test_a_task_that_raises_on_a_worker_is_reported_in_one_sentence_and_the_rerun_finishes(
    cluster, tmp_path, photos, local
):
    out = tmp_path / "broken"
    build(out, photos, executor="ray")
    # Undo task 3 and put a folder where its GT file goes: the task's atomic rename then fails on the worker.
    marker = read_marker(out, 3)
    marker_path(out, 3).unlink()
    rows = [r for r in read_manifest(out).to_pylist() if r["sample_id"] == marker["first_sample"]]
    gt = out / rows[0]["gt_path"]
    gt.unlink()
    (gt / "in-the-way").mkdir(parents=True)
    with pytest.raises(RayTaskFailedError) as failed:
        build(out, photos, executor="ray")
    message = str(failed.value)
    assert message.startswith("task 3 failed on Ray node 127.0.0.1 (pid ")
    assert "rerun the same command to resume" in message and "\n" not in message
    assert not marker_path(out, 3).exists()

    (gt / "in-the-way").rmdir()
    gt.rmdir()
    resumed = build(out, photos, executor="ray")
    assert resumed.complete and resumed.tasks_run == 1
    assert_equals_local(out, local[0])


def test_a_worker_killed_mid_task_is_retried_by_ray(cluster, tmp_path, photos, local):
    out = tmp_path / "retried"
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["summary"] = build(out, photos, executor="ray")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            outcome["error"] = error

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 60
    while not (busy := busy_workers()):
        assert thread.is_alive() and time.monotonic() < deadline, "no Ray worker was seen running a task"
        time.sleep(0.005)
    os.kill(busy[0], signal.SIGKILL)  # what the out-of-memory killer does, mid-task
    thread.join(timeout=120)
    assert "error" not in outcome, outcome.get("error")
    assert outcome["summary"].complete and outcome["summary"].tasks_run == PAIRS // PAIRS_PER_TASK
    assert_equals_local(out, local[0])


def test_killing_the_driver_mid_build_then_rerunning_has_no_duplicates_or_holes(cluster, tmp_path, photos, local):
    out = tmp_path / "killed"
    env = {**os.environ, "RAY_ADDRESS": cluster, "PYTHONPATH": str(REPO)}
    command = [
        sys.executable, "-m", "cli.main", "build-dataset", "--out", str(out), "--source", str(photos),
        "--types", ",".join(PIPELINE_TYPES), "--pairs-per-task", str(PAIRS_PER_TASK), "--executor", "ray", "--json",
    ]  # fmt: skip

    def start_and_wait(markers: int) -> subprocess.Popen:
        driver = subprocess.Popen(command, env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 90
        while len(list(out.glob("_tasks/task-*.json"))) < markers:
            assert driver.poll() is None, driver.communicate()[1].decode()[-2000:]
            assert time.monotonic() < deadline
            time.sleep(0.01)
        return driver

    driver = start_and_wait(1)  # SIGTERM (a scheduler's stop): tasks in flight cancelled, exit 130
    driver.send_signal(signal.SIGTERM)
    _, stderr = driver.communicate(timeout=30)
    assert driver.returncode == 130, stderr.decode()[-2000:]
    assert "interrupted:" in stderr.decode() and "rerun the same command to resume" in stderr.decode()
    wait_until_idle()

    driver = start_and_wait(len(list(out.glob("_tasks/task-*.json"))) + 1)  # kill -9 once it has built more
    driver.send_signal(signal.SIGKILL)
    assert driver.wait() == -signal.SIGKILL
    assert len(list(out.glob("_tasks/task-*.json"))) < PAIRS // PAIRS_PER_TASK, "the kill must land part-way"
    wait_until_idle()  # Ray stops the dead driver's tasks; a rerun usually comes later than that

    rerun = subprocess.run(command, env=env, cwd=REPO, capture_output=True, text=True, timeout=180)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert '"complete": true' in rerun.stdout
    assert_equals_local(out, local[0])


def test_a_node_that_does_not_see_the_output_root_or_the_sources_is_refused_at_start(cluster, tmp_path, photos):
    """The driver runs in its own mount namespace with a private folder (unshare): the cluster's node does not
    see what the driver writes or reads there, as on a cluster without a shared file system."""
    private = tmp_path / "private"
    private.mkdir()
    visible_out = tmp_path / "visible-out"
    base = f"{sys.executable} -m cli.main build-dataset --types {','.join(PIPELINE_TYPES)} --executor ray"
    script = "; ".join(
        [
            f"mount -t tmpfs none {private}",
            f"{base} --out {private}/out --source {photos}",
            "echo rc=$?",
            f"cp -r {photos} {private}/photos",
            f"{base} --out {visible_out} --source {private}/photos",
            "echo rc=$?",
            f"ls -A {visible_out}",
        ]
    )
    env = {**os.environ, "RAY_ADDRESS": cluster, "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", script],
        env=env, cwd=REPO, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.stdout.count("rc=2") == 2, done.stdout + done.stderr[-3000:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, done.stderr[-3000:]
    assert f"does not see the output root {private}/out" in errors[0]
    assert "sampled source files, e.g. " + f"{private}/photos/" in errors[1]
    for error in errors:
        assert "Ray node 127.0.0.1" in error and "shared file system" in error and "Nothing was built" in error
    leftovers = done.stdout.split("rc=2")[-1].split()
    assert "run.json" not in leftovers and "manifest" not in leftovers and "_tasks" not in leftovers
    assert not visible_out.exists() or not any(visible_out.glob("_tasks/*"))
