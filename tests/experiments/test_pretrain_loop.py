"""experiments/pretrain_vs_scratch.py: pre-training grows in chunks until the held-out accuracy target, and a
rerun takes the same decisions from what the runs logged (finished chunks are not trained again)."""

from __future__ import annotations

import argparse
import json

import pytest

from experiments.pretrain_vs_scratch import (
    Runner,
    is_finished,
    keep_copy,
    newest_step,
    pretrain_until_accurate,
)
from maskdcpt.runlog import MetricsLog


def finished_pretraining(out, accuracies: dict[int, float], last: int | None = None):
    """A pre-training run folder as `uir train` leaves it: a checkpoint at its last step, val records."""
    run = out / "runs" / "pretrain"
    run.mkdir(parents=True)
    for step, accuracy in accuracies.items():
        MetricsLog(run).append({"kind": "val", "step": step, "accuracy": accuracy})
    last = last or max(accuracies)
    (run / "checkpoints" / f"step-{last}").mkdir(parents=True)
    (run / "checkpoints" / f"step-{last}" / "meta.json").write_text(json.dumps({"step": last}))
    return run


def options(**overrides) -> argparse.Namespace:
    values = {"pretrain_steps": 500, "pretrain_chunk": 500, "max_pretrain_steps": 2000, "target_accuracy": 0.8,
              "eval_every": 100}
    return argparse.Namespace(**(values | overrides))


def test_newest_step_is_numeric_not_lexicographic(tmp_path):
    for step in (500, 1000, 90):
        (tmp_path / "checkpoints" / f"step-{step}").mkdir(parents=True)
        (tmp_path / "checkpoints" / f"step-{step}" / "meta.json").write_text("{}")
    assert newest_step(tmp_path) == 1000
    assert is_finished(tmp_path, 1000) and not is_finished(tmp_path, 1001)
    assert newest_step(tmp_path / "missing") == 0


def test_stops_at_the_first_chunk_that_reaches_the_target(tmp_path):
    # the run already went to 1500 steps, so every chunk is skipped and only the decisions are taken again
    finished_pretraining(tmp_path, {500: 0.41, 1000: 0.79, 1500: 0.86})
    (tmp_path / "runs" / "pretrain-500").mkdir(parents=True)  # the first chunk's copy, kept by the first run
    runner = Runner(tmp_path, threads=1)
    steps, accuracy, first = pretrain_until_accurate(runner, tmp_path, options())
    assert (steps, accuracy, first) == (1500, 0.86, 500)
    assert [c.split("--max-steps ")[1].split()[0] for c in runner.commands] == ["500", "1000", "1500"]


def test_stops_at_the_cap_below_the_target(tmp_path):
    finished_pretraining(tmp_path, {500: 0.4, 1000: 0.5})
    (tmp_path / "runs" / "pretrain-500").mkdir(parents=True)
    steps, accuracy, _ = pretrain_until_accurate(Runner(tmp_path, 1), tmp_path, options(max_pretrain_steps=1000))
    assert (steps, accuracy) == (1000, 0.5)


def test_a_missing_accuracy_is_an_error_naming_the_run(tmp_path):
    finished_pretraining(tmp_path, {300: 0.9}, last=500)  # finished, but not evaluated at step 500
    (tmp_path / "runs" / "pretrain-500").mkdir(parents=True)
    with pytest.raises(SystemExit, match="pretrain: no held-out accuracy logged at step 500"):
        pretrain_until_accurate(Runner(tmp_path, 1), tmp_path, options())


def test_keep_copy_copies_once_and_refuses_a_run_past_the_step(tmp_path):
    run = finished_pretraining(tmp_path, {500: 0.4})
    copy = tmp_path / "runs" / "pretrain-500"
    keep_copy(run, copy, 500)
    assert (copy / "checkpoints" / "step-500" / "meta.json").is_file()
    assert not copy.with_name("pretrain-500.partial").exists()
    other = finished_pretraining(tmp_path / "later", {500: 0.4, 1000: 0.6})
    with pytest.raises(SystemExit, match="is at step 1000, not 500"):
        keep_copy(other, tmp_path / "later" / "runs" / "pretrain-500", 500)


def test_the_clock_adds_up_over_invocations(tmp_path):
    from experiments.pretrain_vs_scratch import CLOCK_FILE, add_to_clock

    add_to_clock(tmp_path, "pretrain_s", 1200.0)
    add_to_clock(tmp_path, "finetune_s", 900.0)
    totals = add_to_clock(tmp_path, "pretrain_s", 3.0)  # a resumed invocation finds pre-training done
    assert totals == {"pretrain_s": 1203.0, "finetune_s": 900.0}
    (tmp_path / CLOCK_FILE).write_text("{not json")
    assert add_to_clock(tmp_path, "evaluate_s", 5.0) == {"evaluate_s": 5.0}  # a damaged file starts over
