"""metrics.jsonl and its optional TensorBoard mirror."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from maskdcpt.runlog import TENSORBOARD_DIR, MetricsLog, scalars


def test_records_become_tensorboard_scalars_by_kind_and_type():
    record = {"kind": "val", "step": 40, "psnr": 21.5, "ssim": 0.71, "accuracy": 0.8,
              "types": {"GN": {"count": 3, "psnr": 24.0}, "LL": {"count": 2, "psnr": 19.0}}}
    assert scalars(record) == [("val/psnr", 21.5), ("val/ssim", 0.71), ("val/accuracy", 0.8),
                               ("val/GN/count", 3.0), ("val/GN/psnr", 24.0), ("val/LL/count", 2.0),
                               ("val/LL/psnr", 19.0)]
    assert scalars({"kind": "train", "step": 5, "loss": 0.5, "img_per_s": 12}) == [("train/loss", 0.5),
                                                                                    ("train/img_per_s", 12.0)]


def test_without_tensorboard_installed_the_log_is_metrics_jsonl_alone(tmp_path: Path):
    log = MetricsLog(tmp_path, tensorboard=True)
    log.append({"kind": "train", "step": 1, "loss": 1.0})
    assert log.read() == [{"kind": "train", "step": 1, "loss": 1.0}]
    installed = importlib.util.find_spec("tensorboard") is not None
    assert (tmp_path / TENSORBOARD_DIR).is_dir() == installed


def test_console_messages_print_paths_literally():
    import io

    from rich.console import Console

    from maskdcpt.runlog import ProgressLine

    buffer = io.StringIO()
    line = ProgressLine(10, enabled=True, console=Console(file=buffer, width=200))
    line.message("resumed from runs/data[red]/[/x]step-5")  # rich markup would eat '[red]' and crash on '[/x]'
    assert buffer.getvalue() == "resumed from runs/data[red]/[/x]step-5\n"


def test_with_tensorboard_installed_every_scalar_reaches_the_event_file(tmp_path: Path):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    log = MetricsLog(tmp_path, tensorboard=True)
    log.append({"kind": "train", "step": 1, "loss": 1.0})
    log.append({"kind": "train", "step": 2, "loss": 0.5})
    log.append({"kind": "val", "step": 2, "psnr": 21.5, "types": {"GN": {"count": 3, "psnr": 24.0}}})
    events = EventAccumulator(str(tmp_path / TENSORBOARD_DIR))
    events.Reload()
    assert [(e.step, e.value) for e in events.Scalars("train/loss")] == [(1, 1.0), (2, 0.5)]
    assert [(e.step, e.value) for e in events.Scalars("val/GN/psnr")] == [(2, 24.0)]
