"""Results of the pre-train-vs-scratch experiment: mean ± std over seeds, Markdown tables, curve plots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from maskdcpt.plotting import PALETTE, Panel, Series, draw_chart, run_series, save_png

ARMS = ("scratch", "pretrained")


def mean_std(values: list[float]) -> dict[str, Any]:
    """Mean and sample standard deviation (ddof 1; 0 for a single value) of per-seed scores."""
    array = np.asarray(values, float)
    std = float(array.std(ddof=1)) if array.size > 1 else 0.0
    return {"mean": float(array.mean()), "std": std, "values": [float(v) for v in array]}


def score_of(run: dict, name: str) -> dict[str, Any]:
    """One `uir evaluate` result's scores for a type, or for the mean over types (name "mean")."""
    return run["mean"] if name == "mean" else run["types"][name]


def over_seeds(runs: list[dict], names: list[str], metric: str) -> dict[str, dict[str, Any]]:
    """{type or "mean": mean ± std of `metric` over the runs (one per seed)}."""
    return {name: mean_std([score_of(run, name)[metric] for run in runs]) for name in names}


def aggregate(out: Path, scores: dict[str, dict], seeds: int, pretrain_steps: int, finetune_steps: int) -> dict:
    """Per type and arm: PSNR/SSIM mean ± std over seeds on the test split; pre-training accuracy curve."""
    first = scores[f"ft-scratch-s{0}"]
    types = list(first["types"])
    table: dict[str, Any] = {"input": {}, **{arm: {} for arm in ARMS}, "delta_psnr": {}}
    for name in [*types, "mean"]:
        source = score_of(first, name)
        table["input"][name] = {"psnr": source["psnr_input"], "ssim": source["ssim_input"]}
        for arm in ARMS:
            runs = [scores[f"ft-{arm}-s{s}"] for s in range(seeds)]
            table[arm][name] = {metric: over_seeds(runs, [name], metric)[name] for metric in ("psnr", "ssim")}
        # seed s of both arms shares the seed, hence the data order: the paired difference is meaningful
        table["delta_psnr"][name] = mean_std([b - a for a, b in zip(table["scratch"][name]["psnr"]["values"],
                                                                     table["pretrained"][name]["psnr"]["values"],
                                                                     strict=True)])
    pre = out / "runs" / "pretrain"
    accuracy = run_series(pre, "val-acc")
    per_type = {}
    for record in _val_records(pre)[-1:]:
        per_type = {k: v.get("accuracy") for k, v in record.get("types", {}).items()}
    curves = {arm: _arm_curves(out, f"ft-{arm}", seeds) for arm in ARMS}
    val_input = [r["psnr_input"] for r in _val_records(out / "runs" / "ft-scratch-s0")[-1:]]
    return {
        "test_pairs": first["pairs"], "types": types, "table": table,
        "pretrain": {"steps": pretrain_steps, "val_accuracy": dict(zip(accuracy.steps, accuracy.values, strict=True)),
                     "final_val_accuracy": accuracy.values[-1] if accuracy.values else None,
                     "final_val_accuracy_per_type": per_type,
                     "train_accuracy": dict(zip(*_xy(run_series(pre, "acc")), strict=True))},
        "finetune_steps": {"pretrained": finetune_steps, "scratch": pretrain_steps + finetune_steps},
        "val_psnr_curves": curves, "val_input_psnr": val_input[0] if val_input else None,
    }


def short_pretrain_row(out: Path, scores: dict[str, dict], seeds: int, steps: int, finetune_steps: int) -> dict:
    """Table X at CPU scale: fine-tuning from the pre-training's first chunk (lower accuracy), same seeds."""
    runs = [scores[f"ft-pretrained{steps}-s{s}"] for s in range(seeds)]
    names = [*runs[0]["types"], "mean"]
    accuracy = run_series(out / "runs" / f"pretrain-{steps}", "val-acc")
    return {
        "pretrain_steps": steps, "finetune_steps": finetune_steps,
        "val_accuracy": accuracy.values[-1] if accuracy.values else None,
        "psnr": over_seeds(runs, names, "psnr"), "ssim": over_seeds(runs, names, "ssim"),
    }


def equal_finetune_table(scores: dict[str, dict], seeds: int, finetune_steps: int, pretrain_steps: int,
                         short_steps: int | None) -> dict:
    """Test PSNR per type after the same number of fine-tuning steps: from scratch, from the short
    pre-training (if any), from the full one; the pre-trained rows' paired difference to scratch."""
    arms = {f"scratch + {finetune_steps}": f"ft-scratch{finetune_steps}"}
    if short_steps is not None:
        arms[f"pre-trained {short_steps} + {finetune_steps}"] = f"ft-pretrained{short_steps}"
    arms[f"pre-trained {pretrain_steps} + {finetune_steps}"] = "ft-pretrained"
    types = list(scores[f"ft-scratch{finetune_steps}-s0"]["types"])
    return {"finetune_steps": finetune_steps, "types": types,
            "rows": _paired_rows(scores, seeds, f"ft-scratch{finetune_steps}", arms, types)}


def long_finetune_table(scores: dict[str, dict], seeds: int, steps: int, pretrain_steps: int) -> dict:
    """Table I with the same fine-tuning budget for both arms: scratch for `steps` (ft-scratch) against the
    pre-trained encoder also fine-tuned for `steps` (ft-pretrained-long), paired by seed."""
    arms = {f"scratch {steps}": "ft-scratch", f"pre-trained {pretrain_steps} + {steps}": "ft-pretrained-long"}
    types = list(scores["ft-scratch-s0"]["types"])
    return {"finetune_steps": steps, "pretrain_steps": pretrain_steps, "types": types,
            "rows": _paired_rows(scores, seeds, "ft-scratch", arms, types)}


def _paired_rows(scores: dict[str, dict], seeds: int, base_prefix: str, arms: dict[str, str],
                 types: list[str]) -> dict[str, Any]:
    """{arm label: {type or "mean": PSNR, SSIM and the PSNR difference to the base arm, paired by seed}}."""
    base = [scores[f"{base_prefix}-s{s}"] for s in range(seeds)]
    table: dict[str, Any] = {}
    for label, prefix in arms.items():
        runs = [scores[f"{prefix}-s{s}"] for s in range(seeds)]
        table[label] = {name: {"psnr": over_seeds(runs, [name], "psnr")[name],
                               "ssim": over_seeds(runs, [name], "ssim")[name],
                               "delta_psnr": mean_std([score_of(r, name)["psnr"] - score_of(b, name)["psnr"]
                                                       for r, b in zip(runs, base, strict=True)])}
                        for name in [*types, "mean"]}
    return table


def extra_arm_curves(out: Path, seeds: int, finetune_steps: int, short_steps: int | None,
                     long_finetune: bool = False) -> dict:
    """Held-out PSNR curves of the arms beyond aggregate's two, for the plot: {"scratch-equal": [one per
    seed], "pretrained-short": [...] when a short pre-training was kept, "pretrained-long": [...] when run}."""
    curves = {"scratch-equal": _arm_curves(out, f"ft-scratch{finetune_steps}", seeds)}
    if short_steps is not None:
        curves["pretrained-short"] = _arm_curves(out, f"ft-pretrained{short_steps}", seeds)
    if long_finetune:
        curves["pretrained-long"] = _arm_curves(out, "ft-pretrained-long", seeds)
    return curves


def _arm_curves(out: Path, prefix: str, seeds: int) -> list[dict[str, float]]:
    """One held-out PSNR curve per seed of the runs OUT/runs/PREFIX-sN."""
    return [_curve(out / "runs" / f"{prefix}-s{s}") for s in range(seeds)]


def _val_records(run_dir: Path) -> list[dict]:
    from maskdcpt.runlog import MetricsLog

    return [r for r in MetricsLog(run_dir).read() if r.get("kind") == "val"]


def _xy(series: Series) -> tuple[list[float], list[float]]:
    return series.steps, series.values


def _curve(run_dir: Path) -> dict[str, float]:
    series = run_series(run_dir, "psnr")
    return {str(int(x)): y for x, y in zip(series.steps, series.values, strict=True)}


def _fmt(entry: dict[str, Any], digits: int) -> str:
    return f"{entry['mean']:.{digits}f} ± {entry['std']:.{digits}f}"


def markdown_tables(results: dict) -> str:
    """The Table I-like PSNR/SSIM tables and the Table X-like accuracy row, in Markdown."""
    table, names = results["table"], [*results["types"], "mean"]
    steps = results["finetune_steps"]
    seeds = len(table["scratch"]["mean"]["psnr"]["values"])
    lines = [f"PSNR (dB) on the test split ({results['test_pairs']} pairs), mean ± std over {seeds} seeds",
             "", f"| type | input | scratch ({steps['scratch']} steps) | pre-trained + fine-tune "
             f"({results['pretrain']['steps']} + {steps['pretrained']} steps) | Δ (paired) |",
             "|---|---|---|---|---|"]
    for name in names:
        lines.append(f"| {name} | {table['input'][name]['psnr']:.2f} | {_fmt(table['scratch'][name]['psnr'], 2)} | "
                     f"{_fmt(table['pretrained'][name]['psnr'], 2)} | {_fmt(table['delta_psnr'][name], 2)} |")
    lines += ["", "SSIM on the test split, mean ± std over seeds", "", "| type | input | scratch | pre-trained |",
              "|---|---|---|---|"]
    for name in names:
        lines.append(f"| {name} | {table['input'][name]['ssim']:.4f} | {_fmt(table['scratch'][name]['ssim'], 4)} | "
                     f"{_fmt(table['pretrained'][name]['ssim'], 4)} |")
    pre = results["pretrain"]
    if "test_accuracy" in pre:
        lines += ["", f"Degradation-classification accuracy on the test split (whole tiles, masked input; target "
                  f"{pre['target_accuracy']:.0%} held-out, {'reached' if pre['reached'] else 'NOT reached'})", "",
                  "| checkpoint | " + " | ".join(results["types"]) + " | mean |",
                  "|---|" + "---|" * (len(results["types"]) + 1)]
        for name, per_type in pre["test_accuracy_per_type"].items():
            lines.append(f"| {name} | " + " | ".join(f"{per_type[t]:.0%}" for t in results["types"])
                         + f" | {pre['test_accuracy'][name]:.1%} |")
        names_seen = sorted({p for row in pre["test_confusion"].values() for p in row} | set(pre["test_confusion"]))
        lines += ["", "Confusion of the final pre-training checkpoint on the test split (rows: true type)", "",
                  "| true \\ predicted | " + " | ".join(names_seen) + " |", "|---|" + "---|" * len(names_seen)]
        for true in sorted(pre["test_confusion"]):
            row = pre["test_confusion"][true]
            lines.append(f"| {true} | " + " | ".join(str(row.get(n, 0)) for n in names_seen) + " |")
    short = results.get("short_pretrain")
    if short:
        full = results["table"]["pretrained"]["mean"]
        lines += ["", "Table X at CPU scale: pre-training length, held-out accuracy, and the fine-tuned result "
                  f"(test PSNR/SSIM after {short['finetune_steps']} fine-tuning steps, mean ± std over seeds)", "",
                  "| pre-training steps | held-out accuracy | test PSNR | test SSIM |", "|---|---|---|---|",
                  f"| {short['pretrain_steps']} | {short['val_accuracy']:.1%} | {_fmt(short['psnr']['mean'], 2)} | "
                  f"{_fmt(short['ssim']['mean'], 4)} |",
                  f"| {pre['steps']} | {pre['final_val_accuracy']:.1%} | {_fmt(full['psnr'], 2)} | "
                  f"{_fmt(full['ssim'], 4)} |"]
    for key, caption in (("equal_finetune", "At equal fine-tuning steps ({finetune_steps})"),
                         ("long_finetune", "Both arms fine-tuned for {finetune_steps} steps (the pre-trained one after "
                                           "its {pretrain_steps} pre-training steps)")):
        paired = results.get(key)
        if not paired:
            continue
        lines += ["", caption.format(**paired) + ": test PSNR (dB) per type, mean ± std over seeds; Δ is the "
                  "paired difference to scratch", "",
                  "| arm | " + " | ".join(paired["types"]) + " | mean | Δ mean |",
                  "|---|" + "---|" * (len(paired["types"]) + 2)]
        for label, row in paired["rows"].items():
            lines.append(f"| {label} | " + " | ".join(_fmt(row[t]["psnr"], 2) for t in paired["types"])
                         + f" | {_fmt(row['mean']['psnr'], 2)} | {_fmt(row['mean']['delta_psnr'], 2)} |")
    accuracy = pre["val_accuracy"]
    if len(accuracy) > 12:  # a long pre-training: every 500th step and the last (the plot has them all)
        last = list(accuracy)[-1]
        accuracy = {s: v for s, v in accuracy.items() if float(s) % 500 == 0 or s == last}
    if accuracy:
        lines += ["", "Held-out degradation-classification accuracy during pre-training (masked input)", "",
                  "| step | " + " | ".join(str(int(s)) for s in accuracy) + " |",
                  "|---|" + "---|" * len(accuracy),
                  "| accuracy | " + " | ".join(f"{v:.1%}" for v in accuracy.values()) + " |"]
    return "\n".join(lines) + "\n"


def _band(label: str, curves: list[dict[str, float]], offset: int, color) -> Series:
    steps = sorted({int(s) for c in curves for s in c}, key=int)
    steps = [s for s in steps if all(str(s) in c for c in curves)]
    values = np.array([[c[str(s)] for s in steps] for c in curves])
    mean, std = values.mean(0), values.std(0, ddof=1) if len(curves) > 1 else np.zeros(len(steps))
    return Series(label, [s + offset for s in steps], mean.tolist(), color,
                  (mean - std).tolist(), (mean + std).tolist())


def write_plots(results: dict, target: Path) -> list[Path]:
    """pretrain_accuracy.png and finetune_psnr.png (mean ± std bands over seeds; every fine-tuning arm) in target."""
    pre = results["pretrain"]
    val, train = pre["val_accuracy"], pre["train_accuracy"]
    accuracy = Panel("MaskDCPT pre-training: degradation classification", "accuracy", [
        Series("held-out (val split)", [float(s) for s in val], list(val.values()), PALETTE[0]),
        Series("training batches", [float(s) for s in train], list(train.values()), PALETTE[1]),
    ])
    written = [save_png(target / "pretrain_accuracy.png", draw_chart([accuracy], 640, 380))]
    curves, offset = results["val_psnr_curves"], pre["steps"]
    input_psnr = results["val_input_psnr"]
    finetune = results["finetune_steps"]["pretrained"]
    short = (results.get("short_pretrain") or {}).get("pretrain_steps")
    panels = []
    for title, total in (("held-out PSNR vs fine-tuning steps", False), ("held-out PSNR vs total steps", True)):
        shown = [_band(f"from scratch, {results['finetune_steps']['scratch']} steps", curves["scratch"], 0, PALETTE[0])]
        if "scratch-equal" in curves:  # the Table X baseline: a fresh network given only the fine-tuning steps
            shown.append(_band(f"from scratch, {finetune} steps", curves["scratch-equal"], 0, PALETTE[2]))
        if "pretrained-short" in curves and short is not None:
            shown.append(_band(f"pre-trained {short} + {finetune} steps", curves["pretrained-short"],
                               short if total else 0, PALETTE[1]))
        shown.append(_band(f"pre-trained {offset} + {finetune} steps", curves["pretrained"], offset if total else 0,
                           PALETTE[3]))
        if "pretrained-long" in curves:  # fine-tuned for the scratch arm's budget, by definition
            shown.append(_band(f"pre-trained {offset} + {results['finetune_steps']['scratch']} steps",
                               curves["pretrained-long"], offset if total else 0, PALETTE[4]))
        if input_psnr is not None:
            right = float(max(max(series.steps) for series in shown))
            shown.append(Series("input (degraded)", [0.0, right], [input_psnr] * 2, PALETTE[7]))
        xlabel = "pre-training + fine-tuning step" if total else "fine-tuning step"
        panels.append(Panel(title, "PSNR (dB), val split", shown, xlabel))
    written.append(save_png(target / "finetune_psnr.png", draw_chart(panels, 560, 380)))
    return written
