"""Where tasks run: in-process, a local process pool, or Ray. Output bytes never depend on the choice.

Cluster array jobs need no executor of their own: `--task-index I --num-tasks N` selects every N-th task
and runs it with the local executor.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed

from uir_data.errors import UsageError
from uir_data.plan import Task
from uir_data.task import TaskContext, TaskResult, run_task

EXECUTORS = ("local", "ray")


def _limit_threads() -> None:
    """One process = one core: stop OpenCV/BLAS from oversubscribing a pool of worker processes."""
    import cv2

    cv2.setNumThreads(1)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"


def run_tasks(
    tasks: Sequence[Task],
    context: TaskContext,
    *,
    executor: str = "local",
    workers: int = 1,
    on_done: Callable[[TaskResult], None] | None = None,
) -> list[TaskResult]:
    """Run every task, reporting each as it completes; results in completion order."""
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}; choose one of {', '.join(EXECUTORS)}")
    if not tasks:
        return []
    if executor == "ray":
        return _run_ray(tasks, context, on_done)
    results = []
    if workers <= 1 or len(tasks) == 1:
        for task in tasks:
            result = run_task(task, context)
            results.append(result)
            if on_done:
                on_done(result)
        return results
    # fork: workers inherit the imported engine instead of re-importing it (spawn costs ~1 s per worker).
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=multiprocessing.get_context(method),
        initializer=_limit_threads,
    ) as pool:
        futures = [pool.submit(run_task, task, context) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
    return results


def _run_ray(
    tasks: Sequence[Task], context: TaskContext, on_done: Callable[[TaskResult], None] | None
) -> list[TaskResult]:
    """One Ray remote task per shard; Ray is optional and only imported here."""
    try:
        import ray
    except ModuleNotFoundError:
        raise UsageError("--executor ray needs Ray: pip install 'ray[default]' (or use --executor local)") from None
    if not ray.is_initialized():
        ray.init(ignore_reinit_error=True, log_to_driver=False)
    remote_task = ray.remote(run_task)
    pending = {remote_task.remote(task, context) for task in tasks}
    results = []
    while pending:
        done, pending = ray.wait(list(pending), num_returns=1)
        pending = set(pending)
        result = ray.get(done[0])
        results.append(result)
        if on_done:
            on_done(result)
    return results
