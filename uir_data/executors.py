"""Where tasks run: in-process, a local process pool, or Ray. Output bytes never depend on the choice.

Cluster array jobs need no executor of their own: `--task-index I --num-tasks N` selects every N-th task
and runs it with the local executor.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

from uir_data.errors import UirError, UsageError
from uir_data.parent_death import die_with_parent
from uir_data.plan import Task
from uir_data.task import TaskContext, TaskResult, run_task

EXECUTORS = ("local", "ray")


class WorkerDiedError(UirError):
    """A pool worker process vanished mid-task (most often the kernel's out-of-memory killer)."""


def _init_worker(parent_pid: int) -> None:
    """Pool worker setup: die with the parent, leave Ctrl-C/SIGTERM to it, one core per process."""
    die_with_parent(parent_pid)
    # The terminal's Ctrl-C reaches the whole process group; the parent alone decides what stops, so a
    # worker never prints a KeyboardInterrupt traceback of its own. A forked worker also inherits the
    # parent's SIGTERM handler; give it back the default (terminate) so the parent can stop it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    import cv2

    cv2.setNumThreads(1)
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ[variable] = "1"
    # A worker degrades pair after pair of the same size: keeping freed buffers mapped saves the page
    # faults that cost the weather types about a third of their CPU time (same bytes either way).
    from uir_data.degrade.allocator import keep_freed_memory

    keep_freed_memory()


def _abandon(pool: ProcessPoolExecutor) -> None:
    """Stop a pool now: cancel queued tasks and kill running ones (their writes are atomic, so a killed
    task leaves at most a temp file, which the next build removes, and no marker)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # shutdown() drops the pool's reference to it
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.kill()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(timeout=2)
    # Let the pool's manager thread see the dead workers and close its wakeup pipe before this process
    # exits: Python 3.11's exit hook for process pools writes to that pipe without the pool's lock, and
    # when the thread closes it at the same moment the exit prints an EBADF traceback after our message.
    if manager is not None:
        with contextlib.suppress(Exception):
            manager.join(timeout=2)


@contextlib.contextmanager
def sigterm_as_interrupt() -> Iterator[None]:
    """Treat SIGTERM (kill, a cluster scheduler's stop) like Ctrl-C for the duration of a build."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):  # noqa: ANN001 - signal handler signature
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


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
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(tasks)),
        mp_context=multiprocessing.get_context(method),
        initializer=_init_worker,
        initargs=(os.getpid(),),
    )
    try:
        futures = [pool.submit(run_task, task, context) for task in tasks]
        for future in as_completed(futures):
            result = future.result()
            results.append(result)
            if on_done:
                on_done(result)
    except BrokenProcessPool:
        _abandon(pool)
        raise WorkerDiedError(
            f"a build worker process died while writing into {context.out} (most often the out-of-memory "
            f"killer: see `dmesg`); rerun the same command to resume, with fewer --workers than {workers} or a "
            "lower --max-pixels"
        ) from None
    except BaseException:  # Ctrl-C, SIGTERM (see sigterm_as_interrupt) or a task's error: stop at once
        _abandon(pool)
        raise
    pool.shutdown(wait=True)
    return results


def _run_ray(
    tasks: Sequence[Task], context: TaskContext, on_done: Callable[[TaskResult], None] | None
) -> list[TaskResult]:
    """One Ray task per shard (uir_data/ray_executor.py); Ray is optional and only imported there."""
    from uir_data.ray_executor import run_tasks_on_ray

    return run_tasks_on_ray(tasks, context, on_done)
