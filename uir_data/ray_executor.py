"""The Ray executor: one Ray task per shard, on an existing Ray cluster or a local one.

Ray is optional and imported only here. The driver (the `uir build-dataset` process) plans, holds the
root's lock and writes the run record; Ray workers run `run_task` exactly as a local pool worker does, so
the bytes are the same. Ray reuses its worker processes across tasks, so each worker imports the engine
once, not once per task (`WorkerInfo.tasks_run` shows it). The task context is put into Ray's object
store once and passed by reference; each submission carries only its own slice of the plan.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from uir_data.atomic import write_text_atomic
from uir_data.errors import UirError, UsageError
from uir_data.plan import Task
from uir_data.task import TaskContext, TaskResult, run_task

PROBE_PREFIX = ".uir-ray-probe-"
# A worker that dies (out of memory, a node lost) is retried by Ray this many times; a task that raises
# is not (the same input raises again) and is reported instead.
MAX_RETRIES = 3
# Tasks in flight per cluster CPU: enough to keep every CPU busy while results come back, without
# shipping the whole plan into the object store at once.
IN_FLIGHT_PER_CPU = 2
CLUSTER_DOC = "docs/cluster.md"


class ClusterViewError(UsageError):
    """A Ray node does not see the output root or the sources the driver sees."""


class RayTaskFailedError(UirError):
    """A build task raised on a Ray worker, or its worker died more often than Ray retries."""


@dataclass(frozen=True)
class WorkerInfo:
    """Where a task ran: node, worker process, and how many tasks that process has run so far."""

    task_index: int
    host: str
    pid: int
    tasks_run: int


_tasks_run_here = 0  # per Ray worker process: counts tasks, proving the process (and its imports) is reused


def connect() -> Any:
    """The `ray` module, connected: to the cluster named by RAY_ADDRESS (or one started with `ray start`
    on this machine), else to a new local cluster of this machine's cores."""
    try:
        import ray
    except ModuleNotFoundError:
        raise UsageError("--executor ray needs Ray: pip install 'ray[default]' (or use --executor local)") from None
    if not ray.is_initialized():
        # ray.init installs a C-level SIGTERM handler that logs and exits with status 15; the build's own
        # (stop, say how to resume, exit 130) must stay in charge.
        main = threading.current_thread() is threading.main_thread()
        handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)} if main else {}
        ray.init(log_to_driver=False)
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)
    return ray


@dataclass(frozen=True)
class TaskFailure:
    """A task that raised on a worker, caught there so the driver can name the node, the process and why."""

    task_index: int
    node: str
    pid: int
    error: str


def _worker_run(task: Task, context: TaskContext) -> tuple[TaskResult | TaskFailure, WorkerInfo]:
    """Runs inside a Ray worker: the same `run_task` as a local pool worker, plus where it ran."""
    global _tasks_run_here
    if _tasks_run_here == 0:  # first task of this process: one core per task, as in the local pool
        import cv2

        from uir_data.degrade.allocator import keep_freed_memory

        cv2.setNumThreads(1)
        keep_freed_memory()  # as a local pool worker: freed image buffers stay mapped (same bytes)
    _tasks_run_here += 1
    worker = WorkerInfo(task.index, socket.gethostname(), os.getpid(), _tasks_run_here)
    try:
        return run_task(task, context), worker
    except Exception as error:  # noqa: BLE001 - reported by the driver in one sentence
        import ray

        node = ray.util.get_node_ip_address()
        return TaskFailure(task.index, node, os.getpid(), f"{type(error).__name__}: {error}"), worker


def _probe_node(probe: str, token: str, files: Sequence[str]) -> list[str]:
    """Runs on one node: what of the driver's view it does not share (empty when it sees everything)."""
    try:
        seen = Path(probe).read_text()
    except OSError:
        seen = None
    problems = []
    if seen != token:
        problems.append(f"the output root {Path(probe).parent} (the probe file the driver wrote there is missing)")
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        problems.append(f"{len(missing)} of {len(files)} sampled source files, e.g. {missing[0]}")
    return problems


def probe_files(tasks: Sequence[Task], per_dataset: int = 2) -> list[str]:
    """A few source files of every dataset the tasks read: enough to tell whether a node sees the sources."""
    chosen: dict[str, list[str]] = {}
    for task in tasks:
        for unit in task.units:
            files = chosen.setdefault(unit.source_dataset, [])
            if len(files) < per_dataset:
                files.append(unit.gt_file)
                files.extend(s.lq_file for s in unit.samples[:1] if s.lq_file)
    return [file for files in chosen.values() for file in files]


def _cpu_nodes(ray: Any) -> list[dict[str, Any]]:
    return [node for node in ray.nodes() if node.get("Alive") and node.get("Resources", {}).get("CPU", 0) > 0]


def check_cluster_sees(out: Path, files: Sequence[str]) -> None:
    """Refuse to start unless every Ray node with CPUs sees `out` and the sources at the driver's paths.

    The driver writes a probe file with a random token into `out`; a zero-CPU task pinned to each node
    reads it back and checks a sample of source files. Run before anything else is written, so a cluster
    without a shared file system gets one clear error, not a root half-written by some of its nodes.
    """
    ray = connect()
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    token = secrets.token_hex(16)
    probe = Path(out).resolve() / f"{PROBE_PREFIX}{token}"
    write_text_atomic(probe, token)
    try:
        nodes = _cpu_nodes(ray)
        if not nodes:
            raise ClusterViewError("the Ray cluster has no node with CPUs to run build tasks; add worker nodes")
        remote_probe = ray.remote(_probe_node)
        pending = [
            remote_probe.options(
                num_cpus=0, scheduling_strategy=NodeAffinitySchedulingStrategy(node["NodeID"], soft=False)
            ).remote(str(probe), token, list(files))
            for node in nodes
        ]
        for node, problems in zip(nodes, ray.get(pending), strict=True):
            if problems:
                raise ClusterViewError(
                    f"Ray node {node['NodeManagerAddress']} (node id {node['NodeID'][:12]}) does not see "
                    f"{' nor '.join(problems)}; every node must mount the output root and the sources at the "
                    f"driver's paths (a shared file system), see {CLUSTER_DOC}. Nothing was built"
                )
    finally:
        probe.unlink(missing_ok=True)


def _cluster_cpus(ray: Any) -> int:
    return max(1, int(sum(node["Resources"].get("CPU", 0) for node in _cpu_nodes(ray))))


def _resume_hint(out: str) -> str:
    return f"the finished tasks in {out} are kept; rerun the same command to resume"


def _raised(failure: TaskFailure, out: str) -> RayTaskFailedError:
    return RayTaskFailedError(
        f"task {failure.task_index} failed on Ray node {failure.node} (pid {failure.pid}): {failure.error}; "
        f"fix the cause, then {_resume_hint(out)}"
    )


def _died(error: BaseException, task: Task, out: str) -> RayTaskFailedError:
    """A worker that died (killed, out of memory, node lost) more often than Ray retries."""
    return RayTaskFailedError(
        f"task {task.index}: its Ray worker died {MAX_RETRIES + 1} times ({type(error).__name__}; most often "
        f"the out-of-memory killer: see `dmesg` on the node, or lower --max-pixels); {_resume_hint(out)}"
    )


def run_tasks_on_ray(
    tasks: Sequence[Task],
    context: TaskContext,
    on_done: Callable[[TaskResult], None] | None = None,
    on_worker: Callable[[WorkerInfo], None] | None = None,
) -> list[TaskResult]:
    """Run every task as a Ray task, a bounded number in flight; results in completion order."""
    ray = connect()
    remote_run = ray.remote(_worker_run).options(num_cpus=1, max_retries=MAX_RETRIES, retry_exceptions=False)
    context_ref = ray.put(context)  # sent once; each task receives a reference, not a copy
    window = IN_FLIGHT_PER_CPU * _cluster_cpus(ray)
    queue = list(reversed(tasks))
    in_flight: dict[Any, Task] = {}
    results: list[TaskResult] = []
    try:
        while queue or in_flight:
            while queue and len(in_flight) < window:
                task = queue.pop()
                in_flight[remote_run.remote(task, context_ref)] = task
            # A timeout, so that Ctrl-C and SIGTERM (KeyboardInterrupt) are seen within a second.
            done, _ = ray.wait(list(in_flight), num_returns=1, timeout=1.0)
            if not done:
                continue
            task = in_flight.pop(done[0])
            try:
                result, worker = ray.get(done[0])
            except ray.exceptions.RayError as error:
                raise _died(error, task, context.out) from None
            if isinstance(result, TaskFailure):
                raise _raised(result, context.out)
            results.append(result)
            if on_worker:
                on_worker(worker)
            if on_done:
                on_done(result)
    except BaseException:  # Ctrl-C, SIGTERM or a failed task
        # No ray.cancel here: force-cancelling while a reply is arriving can trip an internal check in Ray's
        # core worker (seen once in CI: the driver died with exit 1 instead of 130). The tasks in flight are
        # owned by this driver, so Ray stops them when it exits; what they leave are temp files, which the
        # next build into the folder removes, and no marker, so they are redone.
        raise
    return results
