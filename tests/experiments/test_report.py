"""experiments/report.py: mean ± std over seeds, paired deltas, tables and plots from `uir evaluate` JSON."""

from __future__ import annotations

import cv2
import pytest

from experiments.report import aggregate, markdown_tables, mean_std, write_plots
from maskdcpt.runlog import MetricsLog


def scores(psnr_by_type: dict[str, float]) -> dict:
    types = {t: {"count": 4, "psnr": p, "ssim": 0.5, "psnr_input": 20.0, "ssim_input": 0.4}
             for t, p in psnr_by_type.items()}
    mean = {k: sum(v[k] for v in types.values()) / len(types) for k in ("psnr", "ssim", "psnr_input", "ssim_input")}
    return {"pairs": 8, "types": types, "mean": mean}


def write_runs(out, seeds):
    pre = out / "runs" / "pretrain"
    pre.mkdir(parents=True)
    for step in (100, 200):
        MetricsLog(pre).append({"kind": "train", "step": step, "acc": step / 400, "loss": 1.0})
        MetricsLog(pre).append({"kind": "val", "step": step, "accuracy": step / 250, "psnr": 15.0,
                                "types": {"GN": {"accuracy": 0.5}, "LL": {"accuracy": 1.0}}})
    for arm in ("pretrained", "scratch"):
        for seed in range(seeds):
            run = out / "runs" / f"ft-{arm}-s{seed}"
            run.mkdir(parents=True)
            for step in (100, 200):
                MetricsLog(run).append({"kind": "val", "step": step, "psnr": 20 + step / 100 + seed,
                                        "psnr_input": 19.5})


def test_mean_std_is_the_sample_std():
    assert mean_std([1.0, 2.0, 3.0]) == {"mean": 2.0, "std": 1.0, "values": [1.0, 2.0, 3.0]}
    assert mean_std([4.0])["std"] == 0.0


def test_aggregate_tables_and_plots(tmp_path):
    write_runs(tmp_path, seeds=2)
    results = aggregate(tmp_path, {
        "ft-scratch-s0": scores({"GN": 22.0, "LL": 18.0}), "ft-scratch-s1": scores({"GN": 24.0, "LL": 18.0}),
        "ft-pretrained-s0": scores({"GN": 23.0, "LL": 19.0}), "ft-pretrained-s1": scores({"GN": 26.0, "LL": 19.0}),
    }, seeds=2, pretrain_steps=200, finetune_steps=50)
    table = results["table"]
    assert table["scratch"]["GN"]["psnr"]["mean"] == 23.0
    assert table["delta_psnr"]["GN"]["values"] == [1.0, 2.0]  # paired by seed
    assert table["delta_psnr"]["mean"]["mean"] == pytest.approx(1.25)
    assert results["pretrain"]["final_val_accuracy"] == 0.8
    assert results["pretrain"]["final_val_accuracy_per_type"] == {"GN": 0.5, "LL": 1.0}
    assert results["finetune_steps"] == {"pretrained": 50, "scratch": 250} and results["val_input_psnr"] == 19.5
    text = markdown_tables(results)
    assert "| GN | 20.00 | 23.00 ± 1.41 | 24.50 ± 2.12 | 1.50 ± 0.71 |" in text
    assert "| accuracy | 40.0% | 80.0% |" in text
    written = write_plots(results, tmp_path / "plots")
    assert [p.name for p in written] == ["pretrain_accuracy.png", "finetune_psnr.png"]
    assert cv2.imread(str(written[1])).shape == (380, 2 * 560, 3)


def test_table_x_row_and_classifier_tables(tmp_path):
    from experiments.report import short_pretrain_row

    write_runs(tmp_path, seeds=2)
    short = tmp_path / "runs" / "pretrain-100"
    short.mkdir(parents=True)
    MetricsLog(short).append({"kind": "val", "step": 100, "accuracy": 0.3})
    scores_by_run = {
        "ft-scratch-s0": scores({"GN": 22.0, "LL": 18.0}), "ft-scratch-s1": scores({"GN": 24.0, "LL": 18.0}),
        "ft-pretrained-s0": scores({"GN": 23.0, "LL": 19.0}), "ft-pretrained-s1": scores({"GN": 26.0, "LL": 19.0}),
        "ft-pretrained100-s0": scores({"GN": 21.0, "LL": 17.0}), "ft-pretrained100-s1": scores({"GN": 22.0, "LL": 18.0}),
    }
    results = aggregate(tmp_path, scores_by_run, seeds=2, pretrain_steps=200, finetune_steps=50)
    results["short_pretrain"] = short_pretrain_row(tmp_path, scores_by_run, 2, 100, 50)
    assert results["short_pretrain"]["psnr"]["mean"]["mean"] == pytest.approx(19.5)
    assert results["short_pretrain"]["val_accuracy"] == 0.3
    results["pretrain"].update(target_accuracy=0.8, reached=True, test_accuracy={"pretrain": 0.75},
                               test_accuracy_per_type={"pretrain": {"GN": 0.5, "LL": 1.0}},
                               test_confusion={"GN": {"GN": 2, "LL": 2}, "LL": {"LL": 4}})
    text = markdown_tables(results)
    assert "| pretrain | 50% | 100% | 75.0% |" in text
    assert "| GN | 2 | 2 |" in text and "| LL | 0 | 4 |" in text  # rows: true type; a never-predicted cell is 0
    assert "| 100 | 30.0% | 19.50 ± 0.71 | 0.5000 ± 0.0000 |" in text
    assert "| 200 | 80.0% | 21.75 ± 1.06 |" in text
    assert "reached" in text and "NOT reached" not in text


def test_equal_finetune_table_pairs_each_arm_with_scratch_by_seed():
    from experiments.report import equal_finetune_table

    by_run = {
        "ft-scratch50-s0": scores({"GN": 20.0, "LL": 16.0}), "ft-scratch50-s1": scores({"GN": 22.0, "LL": 16.0}),
        "ft-pretrained100-s0": scores({"GN": 21.0, "LL": 16.0}), "ft-pretrained100-s1": scores({"GN": 21.0, "LL": 16.0}),
        "ft-pretrained-s0": scores({"GN": 23.0, "LL": 18.0}), "ft-pretrained-s1": scores({"GN": 26.0, "LL": 18.0}),
    }
    table = equal_finetune_table(by_run, seeds=2, finetune_steps=50, pretrain_steps=400, short_steps=100)
    rows = table["rows"]
    assert list(rows) == ["scratch + 50", "pre-trained 100 + 50", "pre-trained 400 + 50"]
    assert rows["pre-trained 400 + 50"]["GN"]["delta_psnr"]["values"] == [3.0, 4.0]
    assert rows["pre-trained 100 + 50"]["GN"]["delta_psnr"]["values"] == [1.0, -1.0]
    assert rows["scratch + 50"]["mean"]["delta_psnr"]["mean"] == 0.0
    no_short = equal_finetune_table(by_run, seeds=2, finetune_steps=50, pretrain_steps=400, short_steps=None)
    assert list(no_short["rows"]) == ["scratch + 50", "pre-trained 400 + 50"]


def test_the_fine_tuning_plot_draws_every_arm(tmp_path):
    from experiments.report import extra_arm_curves, short_pretrain_row

    write_runs(tmp_path, seeds=2)
    for name in ("ft-scratch50", "ft-pretrained100"):
        for seed in range(2):
            run = tmp_path / "runs" / f"{name}-s{seed}"
            run.mkdir(parents=True)
            for step in (25, 50):
                MetricsLog(run).append({"kind": "val", "step": step, "psnr": 19 + step / 50 + seed})
    short = tmp_path / "runs" / "pretrain-100"
    short.mkdir(parents=True)
    MetricsLog(short).append({"kind": "val", "step": 100, "accuracy": 0.3})
    by_run = {f"{arm}-s{s}": scores({"GN": 22.0 + s, "LL": 18.0})
              for arm in ("ft-scratch", "ft-pretrained", "ft-pretrained100") for s in range(2)}
    results = aggregate(tmp_path, by_run, seeds=2, pretrain_steps=200, finetune_steps=50)
    results["short_pretrain"] = short_pretrain_row(tmp_path, by_run, 2, 100, 50)
    two_arms = cv2.imread(str(write_plots(results, tmp_path / "two")[1]))

    extra = extra_arm_curves(tmp_path, 2, 50, 100)
    assert sorted(extra) == ["pretrained-short", "scratch-equal"]
    assert extra["scratch-equal"][1] == {"25": 20.5, "50": 21.0}  # seed 1's curve, keyed by step
    results["val_psnr_curves"].update(extra)
    four_arms = cv2.imread(str(write_plots(results, tmp_path / "four")[1]))
    assert four_arms.shape == two_arms.shape
    assert (four_arms != two_arms).any(axis=2).sum() > 500  # two more bands and their legend entries
    assert extra_arm_curves(tmp_path, 2, 50, None).keys() == {"scratch-equal"}


def test_long_finetune_table_pairs_the_pretrained_arm_with_scratch_at_the_same_budget(tmp_path):
    from experiments.report import long_finetune_table

    write_runs(tmp_path, seeds=2)
    by_run = {
        "ft-scratch-s0": scores({"GN": 22.0, "LL": 18.0}), "ft-scratch-s1": scores({"GN": 24.0, "LL": 18.0}),
        "ft-pretrained-s0": scores({"GN": 23.0, "LL": 19.0}), "ft-pretrained-s1": scores({"GN": 26.0, "LL": 19.0}),
        "ft-pretrained-long-s0": scores({"GN": 25.0, "LL": 17.0}),
        "ft-pretrained-long-s1": scores({"GN": 24.5, "LL": 18.5}),
    }
    table = long_finetune_table(by_run, seeds=2, steps=250, pretrain_steps=200)
    assert list(table["rows"]) == ["scratch 250", "pre-trained 200 + 250"]
    assert table["rows"]["pre-trained 200 + 250"]["GN"]["delta_psnr"]["values"] == [3.0, 0.5]  # paired by seed
    assert table["rows"]["pre-trained 200 + 250"]["LL"]["delta_psnr"]["values"] == [-1.0, 0.5]
    results = aggregate(tmp_path, by_run, seeds=2, pretrain_steps=200, finetune_steps=50)
    results["long_finetune"] = table
    text = markdown_tables(results)
    assert "Both arms fine-tuned for 250 steps (the pre-trained one after its 200 pre-training steps)" in text
    assert "| pre-trained 200 + 250 | 24.75 ± 0.35 | 17.75 ± 1.06 | 21.25 ± 0.35 | 0.75 ± 0.35 |" in text
