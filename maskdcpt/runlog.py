"""What a run reports: metrics appended to RUN_DIR/metrics.jsonl and a progress line on stderr (rank 0)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from uir_data.atomic import write_text_atomic

METRICS_FILE = "metrics.jsonl"


TENSORBOARD_DIR = "tensorboard"


def tensorboard_writer(run_dir: Path) -> Any:
    """A SummaryWriter into RUN_DIR/tensorboard when the optional `tensorboard` package is installed, else None."""
    try:
        import tensorboard  # noqa: F401 - torch's writer needs it; absent, metrics.jsonl alone is written
        from torch.utils.tensorboard import SummaryWriter
    except ImportError:
        return None
    return SummaryWriter(log_dir=str(Path(run_dir) / TENSORBOARD_DIR))


class MetricsLog:
    """Append-only JSON lines; on resume, records past the checkpoint's step are dropped first.

    With `tensorboard=True` every numeric value is also logged as a TensorBoard scalar (train/..., val/...,
    val/<type>/...) when the tensorboard package is installed; without it nothing changes.
    """

    def __init__(self, run_dir: Path, tensorboard: bool = False):
        self.path = Path(run_dir) / METRICS_FILE
        self._board = tensorboard_writer(run_dir) if tensorboard else None

    def truncate_after(self, step: int) -> None:
        """Drop records of steps after `step` (they will be recomputed identically by the resumed run)."""
        if not self.path.is_file():
            return
        kept = [json.dumps(record, sort_keys=True) for record in self.read() if record.get("step", 0) <= step]
        write_text_atomic(self.path, "".join(line + "\n" for line in kept))

    def append(self, record: dict[str, Any]) -> None:
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
        if self._board is not None:
            for tag, value in scalars(record):
                self._board.add_scalar(tag, value, global_step=int(record.get("step", 0)))
            self._board.flush()

    def read(self) -> list[dict[str, Any]]:
        if not self.path.is_file():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by a kill mid-append: its step is recomputed on resume
        return records


def scalars(record: dict[str, Any]) -> list[tuple[str, float]]:
    """The numeric values of one metrics record as (tag, value): train/loss, val/psnr, val/GN/psnr, ..."""
    kind = str(record.get("kind", "train"))
    found = []
    for key, value in record.items():
        if key in ("kind", "step"):
            continue
        if isinstance(value, dict):  # val records: per-type scores
            for abbrev, scores in value.items():
                found += [(f"{kind}/{abbrev}/{name}", float(v)) for name, v in scores.items()
                          if isinstance(v, int | float) and not isinstance(v, bool)]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            found.append((f"{kind}/{key}", float(value)))
    return found


def format_duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressLine:
    """One status line per log interval: step, loss terms, accuracy, img/s, ETA (stderr, rank 0 only).

    On a terminal the line is redrawn in place; otherwise (logs, CI) each update is a plain line.
    """

    def __init__(self, total_steps: int, enabled: bool, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = enabled
        self.total = total_steps
        self.live = enabled and self.console.is_terminal
        self.started = time.perf_counter()

    def update(self, step: int, values: dict[str, float], images_per_s: float, steps_per_s: float) -> None:
        if not self.enabled:
            return
        terms = "  ".join(f"{k} {v:.4f}" if k != "acc" else f"acc {v:.1%}" for k, v in values.items())
        eta = format_duration((self.total - step) / steps_per_s) if steps_per_s > 0 else "?"
        text = f"step {step}/{self.total}  {terms}  {images_per_s:.1f} img/s  ETA {eta}"
        if self.live:
            sys.stderr.write("\r\x1b[2K" + text)
            sys.stderr.flush()
        else:
            self.console.print(text, highlight=False, soft_wrap=True, markup=False)  # paths print as typed

    def message(self, text: str) -> None:
        if not self.enabled:
            return
        if self.live:
            sys.stderr.write("\r\x1b[2K")
        self.console.print(text, highlight=False, soft_wrap=True, markup=False)  # paths print as typed

    def close(self) -> None:
        if self.enabled and self.live:
            sys.stderr.write("\n")
            sys.stderr.flush()
