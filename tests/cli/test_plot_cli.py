"""`uir plot` through the CLI entry point, in-process, on run folders the tests write.

The runs' metrics.jsonl hold records in the training loop's format (kind train: loss/l1/focal/acc; kind val:
psnr/ssim/accuracy), appended through the same MetricsLog the loop uses.
"""

from __future__ import annotations

import json
import math

import cv2
import numpy as np

from maskdcpt.plotting import PALETTE, nice_ticks
from maskdcpt.runlog import MetricsLog

WIDTH, HEIGHT = 400, 300


def make_run(path, steps=60, pretrain=True, psnr_start=20.0, psnr_gain=4.0):
    """A run whose loss falls and whose PSNR (and accuracy, for pre-training) rises; runs with different
    psnr_start differ in every metric, so no curve hides another."""
    path.mkdir(parents=True)
    log = MetricsLog(path)
    for step in range(10, steps + 1, 10):
        record = {"kind": "train", "step": step, "loss": psnr_start / 10 * math.exp(-step / 40), "l1": 0.1, "lr_backbone": 1e-3}
        if pretrain:
            record.update(focal=1.5, acc=min(1.0, step / steps))
        log.append(record)
        if step % 20 == 0:
            val = {"kind": "val", "step": step, "psnr": psnr_start + psnr_gain * step / steps, "ssim": 0.8, "types": {}}
            if pretrain:
                val["accuracy"] = psnr_start / 40 * step / steps
            log.append(val)
    return path


def color_mask(image_bgr, rgb, tolerance=30):
    """Pixels within `tolerance` of a palette colour (anti-aliased lines are exact only where axis-aligned)."""
    distance = np.linalg.norm(image_bgr.astype(float) - np.array(rgb[::-1], float), axis=-1)
    return distance < tolerance


def test_plot_draws_one_curve_per_run_in_every_panel(tmp_path, run_cli, capsys):
    runs = [make_run(tmp_path / f"run{i}", psnr_start=18.0 + 3 * i) for i in range(3)]
    out = tmp_path / "curves.png"
    code = run_cli("plot", *runs, "--out", out, "--metrics", "loss,val-acc,psnr",
                   "--width", WIDTH, "--height", HEIGHT, "--json")
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    image = cv2.imread(str(out))
    assert image.shape == (HEIGHT, 3 * WIDTH, 3) == (report["height"], report["width"], 3)
    assert [p["metric"] for p in report["panels"]] == ["loss", "val-acc", "psnr"]
    assert all(p["curves"] == {"run0": 3 if p["metric"] != "loss" else 6, "run1": p["curves"]["run0"],
                               "run2": p["curves"]["run0"]} for p in report["panels"])
    for panel in range(3):
        tile = image[:, panel * WIDTH : (panel + 1) * WIDTH]
        assert (tile < 250).any(axis=-1).mean() > 0.02  # not blank: axes, text and curves drawn
        for index in range(3):
            xs = np.nonzero(color_mask(tile, PALETTE[index]))[1]
            # a curve spans the plot's width; the legend's sample line alone is 20 px
            assert xs.size and xs.max() - xs.min() > WIDTH // 2, (panel, index)
        assert not color_mask(tile, PALETTE[3]).any()  # three runs, three colours, no fourth curve


def test_plot_puts_higher_values_higher(tmp_path, run_cli):
    low = make_run(tmp_path / "low", psnr_start=10.0, psnr_gain=0.0)
    high = make_run(tmp_path / "high", psnr_start=30.0, psnr_gain=0.0)
    out = tmp_path / "psnr.png"
    assert run_cli("plot", low, high, "--out", out, "--metrics", "psnr", "--width", WIDTH, "--height", HEIGHT) == 0
    image = cv2.imread(str(out))
    rows_low = np.nonzero(color_mask(image, PALETTE[0]))[0]
    rows_high = np.nonzero(color_mask(image, PALETTE[1]))[0]
    # image rows grow downwards: the 30 dB run lies above the 10 dB run (legend rows excluded by the median)
    assert np.median(rows_high) < np.median(rows_low)


def test_plot_drops_panels_no_run_logged(tmp_path, run_cli, capsys):
    finetune = make_run(tmp_path / "ft", pretrain=False)
    out = tmp_path / "ft.png"
    assert run_cli("plot", finetune, "--out", out, "--width", WIDTH, "--height", HEIGHT, "--json") == 0
    captured = capsys.readouterr()
    assert [p["metric"] for p in json.loads(captured.out)["panels"]] == ["loss", "psnr"]
    assert "acc" in captured.err and cv2.imread(str(out)).shape == (HEIGHT, 2 * WIDTH, 3)


def test_plot_usage_errors_exit_2_and_write_nothing(tmp_path, run_cli, capsys):
    run = make_run(tmp_path / "run")
    (tmp_path / "empty").mkdir()
    out = tmp_path / "x.png"
    assert run_cli("plot", tmp_path / "empty", "--out", out) == 2
    assert "no metrics.jsonl" in capsys.readouterr().err
    assert run_cli("plot", run, "--out", out, "--metrics", "loss,bogus") == 2
    assert "bogus" in capsys.readouterr().err
    assert run_cli("plot", run, "--out", out, "--labels", "a,b") == 2
    assert "one per run" in capsys.readouterr().err
    assert not out.exists()


def test_nice_ticks_are_round_and_cover_the_range():
    assert nice_ticks(0.0, 1.0) == [0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
    ticks = nice_ticks(17.3, 31.9)
    assert ticks[0] >= 17.3 and ticks[-1] <= 31.9 and len(ticks) >= 3
    assert all(abs(t / 2.5 - round(t / 2.5)) < 1e-9 for t in ticks)
