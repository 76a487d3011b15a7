"""Stop a training run cleanly on SIGTERM or Ctrl-C: finish the current step, write a checkpoint, exit 130.

A scheduler's SIGTERM (preemption, `kill`, torchrun shutting down) is handled like Ctrl-C. The signal only
sets a flag, checked between steps, so the checkpoint holds a consistent state (never half an optimizer
step); a second Ctrl-C interrupts at once. Under DDP the ranks agree on the flag every step, so all of
them stop after the same step even if the signal reached them at different moments.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

import torch

from maskdcpt import distributed as dist_util
from uir_data.errors import UirError


class TrainingStopped(UirError):
    """The run stopped on a signal after writing its checkpoint; rerunning the command resumes it."""

    exit_code = 130


class StopFlag:
    """Set by SIGTERM/SIGINT while installed; `requested` is the flag agreed over the ranks."""

    def __init__(self) -> None:
        self.signal_name: str | None = None

    def _handle(self, number: int, _frame: FrameType | None) -> None:
        if self.signal_name is not None and number == signal.SIGINT:
            raise KeyboardInterrupt  # a second Ctrl-C: do not wait for the step to end
        self.signal_name = signal.Signals(number).name

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopFlag]:
        """Handle SIGTERM and SIGINT in this block (main thread only; elsewhere the defaults stay)."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {number: signal.signal(number, self._handle) for number in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield self
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    def requested(self, ctx: dist_util.DistContext) -> bool:
        """Whether any rank received a stop signal (one tiny all-reduce per step under DDP)."""
        local = self.signal_name is not None
        if not ctx.enabled:
            return local
        flag = torch.tensor([1.0 if local else 0.0], device=ctx.device)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX)
        if flag.item() and self.signal_name is None:
            self.signal_name = "a signal on another rank"
        return bool(flag.item())
