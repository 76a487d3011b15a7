"""Does MaskDCPT pre-training help? A CPU-sized version of the paper's Table I / Table X.

    python -m experiments.pretrain_vs_scratch --photos DIR --out DIR [--seeds 3] [--docs docs/experiments]

1. tiles: the clean photos are cut into 256 px tiles, split train/val/test by source photo (tiles.py);
2. data: `uir build-dataset` synthesises GN, GB, J, H, RS, LL at two levels each (recipe.toml) per split;
3. pre-train: `uir train --stage pretrain` (config.toml) in chunks until the held-out classification
   accuracy reaches `--target-accuracy` (or `--max-pretrain-steps`); the learning rate is constant, so a
   resumed chunk equals one longer run. P is the number of steps that took; a copy of the run after the
   first chunk is kept for the short-pre-training comparison (Table X);
4. fine-tune, per seed: from the pre-trained encoder for F steps; from scratch for P + F steps (the same
   total number of steps, Table I) and for F steps (the same fine-tuning steps); from the first-chunk copy
   for F steps (Table X), `--parallel` runs at a time;
5. `uir evaluate` every fine-tuned run and both pre-training checkpoints on the test split; mean ± std over
   seeds per type -> results.json, results.md and PNG curves.

Every stage goes through the `uir` command itself, and every stage resumes: rerun the same command after an
interruption and finished work is kept. The commands run are recorded in results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from experiments.confusion import confusion
from experiments.report import (
    aggregate,
    equal_finetune_table,
    extra_arm_curves,
    long_finetune_table,
    markdown_tables,
    short_pretrain_row,
    write_plots,
)
from experiments.tiles import TileSpec, make_tiles
from maskdcpt.plotting import run_series
from uir_data.atomic import write_text_atomic

HERE = Path(__file__).resolve().parent
RECIPE, CONFIG = HERE / "recipe.toml", HERE / "config.toml"
SPLITS = ("train", "val", "test")


def uir(*args: object) -> list[str]:
    """The `uir` command line as this interpreter runs it (no dependence on PATH)."""
    return [sys.executable, "-m", "cli.main", *(str(a) for a in args)]


class Runner:
    """Runs `uir` commands with the thread settings of the experiment and records every command line."""

    def __init__(self, out: Path, threads: int):
        self.out = out
        self.env = {**os.environ, "OMP_NUM_THREADS": str(threads), "MKL_NUM_THREADS": str(threads)}
        self.commands: list[str] = []
        (out / "logs").mkdir(parents=True, exist_ok=True)

    def _record(self, argv: list[str]) -> None:
        shown = ["uir", *argv[3:]] if argv[1:3] == ["-m", "cli.main"] else argv
        self.commands.append(" ".join(str(a) for a in shown))

    def skipped(self, argv: list[str]) -> None:
        """Record the command of work a previous invocation finished (results.json lists every command)."""
        self._record(argv)

    def start(self, argv: list[str], log_name: str) -> subprocess.Popen:
        self._record(argv)
        log = (self.out / "logs" / f"{log_name}.log").open("a")
        return subprocess.Popen(argv, env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=HERE.parent)

    def run_json(self, argv: list[str], log_name: str) -> dict:
        """Run a `--json` command to completion and return its JSON (stdout); stderr goes to the log."""
        self._record(argv)
        with (self.out / "logs" / f"{log_name}.log").open("a") as log:
            done = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE, stderr=log, text=True, cwd=HERE.parent)
        if done.returncode != 0:
            raise SystemExit(f"`{self.commands[-1]}` failed (exit {done.returncode}); see {log.name}")
        return json.loads(done.stdout)


CLOCK_FILE = "clock.json"


def add_to_clock(out: Path, phase: str, seconds: float) -> dict[str, float]:
    """Add one phase's wall clock to OUT/clock.json, the sum over every invocation of the runner; the totals.

    A resumed invocation skips finished work, so its own clock says little about what the results cost;
    the file is written after each phase, so a killed invocation still counts the phases it finished."""
    path = out / CLOCK_FILE
    try:
        spent = json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        spent = {}
    spent[phase] = spent.get(phase, 0.0) + seconds
    write_text_atomic(path, json.dumps(spent, indent=1))
    return spent


def split_recipe(split: str, out: Path) -> Path:
    """recipe.toml with its [splits] table set to `split` alone (the split was decided per photo already)."""
    text = RECIPE.read_text()
    text, count = re.subn(r"(?m)^\[splits\]\n(?:[a-z]+ = [0-9.]+\n)+", f"[splits]\n{split} = 1.0\n", text)
    if count != 1:
        raise SystemExit(f"{RECIPE}: expected one [splits] table")
    path = out / "recipes" / f"recipe-{split}.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def build_data(runner: Runner, out: Path, workers: int) -> dict[str, dict]:
    summaries = {}
    for split in SPLITS:
        recipe = split_recipe(split, out)
        summaries[split] = runner.run_json(
            uir("build-dataset", "--out", out / "data" / split, "--recipe", recipe, "--source", out / "tiles" / split,
                "--workers", workers, "--json"), f"build-{split}")
        summary = summaries[split]
        print(f"data/{split}: {summary['pairs_written']} pairs ({summary['tasks_skipped']} of {summary['tasks_total']} "
              "tasks were already built)", file=sys.stderr)
    return summaries


def train_argv(out: Path, run: str, stage: str, steps: int, seed: int, init: Path | None = None,
               eval_every: int = 100) -> list[str]:
    data = out / "data"
    argv = uir("train", "--out", out / "runs" / run, "--config", CONFIG, "--manifest", data / "train",
               "--manifest", data / "val", "--max-steps", steps, "--set", f"run.seed={seed}",
               "--set", f"run.eval_every={eval_every}", "--set", f"run.ckpt_every={eval_every}")
    argv += ["--init", str(init)] if init else ["--stage", stage]
    return argv


def evaluate_on_test(runner: Runner, out: Path, name: str) -> dict:
    """`uir evaluate` of run `name` on the test split, cached in OUT/eval (written atomically, so a killed
    experiment never leaves a truncated result that a rerun would trust)."""
    cached = out / "eval" / f"{name}.json"
    if not cached.is_file():
        result = runner.run_json(uir("evaluate", out / "runs" / name, "--manifest", out / "data" / "test",
                                     "--split", "test", "--json"), f"eval-{name}")
        cached.parent.mkdir(exist_ok=True)
        write_text_atomic(cached, json.dumps(result, indent=1))
    return json.loads(cached.read_text())


def is_finished(run_dir: Path, steps: int) -> bool:
    return newest_step(run_dir) >= steps


def accuracy_at(run_dir: Path, steps: int) -> float:
    """Held-out (val) classification accuracy the run logged at `steps` (its last evaluation)."""
    series = run_series(run_dir, "val-acc")
    logged = dict(zip(series.steps, series.values, strict=True))
    if float(steps) not in logged:
        raise SystemExit(f"{run_dir}: no held-out accuracy logged at step {steps}; see its metrics.jsonl")
    return logged[float(steps)]


def newest_step(run_dir: Path) -> int:
    meta = sorted(run_dir.glob("checkpoints/step-*/meta.json"), key=lambda m: int(m.parent.name.split("-")[1]))
    return int(meta[-1].parent.name.split("-")[1]) if meta else 0


def keep_copy(run_dir: Path, copy: Path, steps: int) -> None:
    """Copy the run as it is after `steps` (the Table X row of a short pre-training), once; the copy appears
    whole or not at all, and a run already past `steps` is refused rather than copied under a wrong name."""
    if copy.exists():
        return
    if newest_step(run_dir) != steps:
        raise SystemExit(f"{run_dir} is at step {newest_step(run_dir)}, not {steps}: its {steps}-step copy "
                         f"{copy} is missing; delete the run folder and rerun")
    partial = copy.with_name(copy.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    shutil.copytree(run_dir, partial)
    partial.rename(copy)


def pretrain_until_accurate(runner: Runner, out: Path, args: argparse.Namespace) -> tuple[int, float, int]:
    """Pre-train in chunks until held-out accuracy >= the target or the step cap; returns (steps, accuracy,
    steps of the first-chunk copy). Reruns take the same decisions from the logged accuracies."""
    pre_dir = out / "runs" / "pretrain"
    steps, first = args.pretrain_steps, args.pretrain_steps
    while True:
        argv = train_argv(out, "pretrain", "pretrain", steps, 0, eval_every=args.eval_every)
        if is_finished(pre_dir, steps):
            runner.skipped(argv)
        else:
            run_parallel(runner, [("pretrain", argv, None)], 1)
        if steps == first:
            keep_copy(pre_dir, out / "runs" / f"pretrain-{first}", first)
        accuracy = accuracy_at(pre_dir, steps)
        print(f"pre-training: held-out accuracy {accuracy:.1%} at step {steps}", file=sys.stderr, flush=True)
        if accuracy >= args.target_accuracy or steps >= args.max_pretrain_steps:
            return steps, accuracy, first
        steps = min(steps + args.pretrain_chunk, args.max_pretrain_steps)


def run_parallel(runner: Runner, jobs: list[tuple[str, list[str], str | None]], parallel: int) -> None:
    """Run (name, argv, prerequisite) jobs, `parallel` at a time, each once its prerequisite job has
    finished (None: at once), in list order; stop on the first failure."""
    pending, active, finished = list(jobs), [], set()
    names = {name for name, _, _ in jobs}
    while pending or active:
        for job in list(pending):
            name, argv, after = job
            if len(active) < parallel and (after is None or after not in names or after in finished):
                pending.remove(job)
                print(f"start {name}", file=sys.stderr, flush=True)
                active.append((name, runner.start(argv, name), time.time()))
        time.sleep(5)
        for job in list(active):
            name, process, started = job
            if process.poll() is None:
                continue
            active.remove(job)
            if process.returncode != 0:
                for _, other, _ in active:
                    other.terminate()
                raise SystemExit(f"{name} failed (exit {process.returncode}); see {runner.out}/logs/{name}.log")
            finished.add(name)
            print(f"done {name} in {time.time() - started:.0f} s", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, required=True, help="folder of clean photos (experiments/fetch_photos.sh)")
    parser.add_argument("--out", type=Path, required=True, help="work folder: tiles, datasets, runs, results")
    parser.add_argument("--seeds", type=int, default=3, help="fine-tuning seeds per arm")
    parser.add_argument("--pretrain-steps", type=int, default=500, help="first pre-training chunk")
    parser.add_argument("--pretrain-chunk", type=int, default=500, help="steps added while below the target")
    parser.add_argument("--max-pretrain-steps", type=int, default=6000)
    parser.add_argument("--target-accuracy", type=float, default=0.8,
                        help="held-out classification accuracy that ends pre-training")
    parser.add_argument("--finetune-steps", type=int, default=300)
    parser.add_argument("--long-finetune", action="store_true",
                        help="also fine-tune the pre-trained encoder for the scratch arm's P+F steps (Table I with the "
                             "same fine-tuning budget for both arms)")
    parser.add_argument("--eval-every", type=int, default=100, help="held-out evaluation interval of every run")
    parser.add_argument("--parallel", type=int, default=3, help="training runs at a time")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per run")
    parser.add_argument("--workers", type=int, default=2, help="build workers")
    parser.add_argument("--val-fraction", type=float, default=0.08, help="share of photos held out for curves")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="share of photos held out for the tables")
    parser.add_argument("--docs", type=Path, default=None, help="also write results.json, results.md and plots here")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    runner = Runner(out, args.threads)
    clock: dict[str, float] = {}
    P, F = args.pretrain_steps, args.finetune_steps  # noqa: N806 (the paper-style names of the two budgets)

    start = time.time()
    fractions = {"train": 1 - args.val_fraction - args.test_fraction, "val": args.val_fraction, "test": args.test_fraction}
    tiles = make_tiles(args.photos.resolve(), out / "tiles", fractions, TileSpec())
    for split, photos in tiles.items():
        print(f"tiles/{split}: {sum(photos.values())} tiles from {len(photos)} photos", file=sys.stderr)
    build_data(runner, out, args.workers)
    clock["data_s"] = time.time() - start
    spent = add_to_clock(out, "data_s", clock["data_s"])

    # Pre-training first: its length decides the scratch arm's budget (P + F steps, the same total).
    start = time.time()
    P, accuracy, first = pretrain_until_accurate(runner, out, args)  # noqa: N806
    if accuracy < args.target_accuracy:
        print(f"pre-training stopped at the {P}-step cap with held-out accuracy {accuracy:.1%} "
              f"(target {args.target_accuracy:.0%})", file=sys.stderr)
    clock["pretrain_s"] = time.time() - start
    spent = add_to_clock(out, "pretrain_s", clock["pretrain_s"])
    start = time.time()
    pre_dir, short_dir = out / "runs" / "pretrain", out / "runs" / f"pretrain-{first}"
    short = first if first < P else None  # the first chunk, when pre-training went past it
    planned = []
    for seed in range(args.seeds):
        planned.append((f"ft-scratch-s{seed}", "finetune", P + F, seed, None))
        planned.append((f"ft-pretrained-s{seed}", "finetune", F, seed, pre_dir))
        planned.append((f"ft-scratch{F}-s{seed}", "finetune", F, seed, None))  # equal fine-tuning steps
        if short is not None:
            planned.append((f"ft-pretrained{short}-s{seed}", "finetune", F, seed, short_dir))
        if args.long_finetune:  # the scratch arm's budget, from the pre-trained encoder
            planned.append((f"ft-pretrained-long-s{seed}", "finetune", P + F, seed, pre_dir))
    jobs: list[tuple[str, list[str], str | None]] = []
    for name, stage, steps, seed, init in planned:
        job_argv = train_argv(out, name, stage, steps, seed, init, args.eval_every)
        if is_finished(out / "runs" / name, steps):
            runner.skipped(job_argv)
        else:
            jobs.append((name, job_argv, None))
    run_parallel(runner, jobs, args.parallel)
    clock["finetune_s"] = time.time() - start
    spent = add_to_clock(out, "finetune_s", clock["finetune_s"])

    start = time.time()
    scores = {name: evaluate_on_test(runner, out, name) for name, *_ in planned}
    classifier = {"pretrain": evaluate_on_test(runner, out, "pretrain")}
    if short is not None:
        classifier[f"pretrain-{short}"] = evaluate_on_test(runner, out, f"pretrain-{short}")
    confusion_test = confusion(pre_dir, [out / "data" / "test"], "test", 0)  # whole tiles, as evaluate
    clock["evaluate_s"] = time.time() - start
    spent = add_to_clock(out, "evaluate_s", clock["evaluate_s"])

    results = aggregate(out, scores, args.seeds, P, F)
    results["pretrain"].update(target_accuracy=args.target_accuracy, reached=accuracy >= args.target_accuracy,
                               test_accuracy={k: v["mean"].get("accuracy") for k, v in classifier.items()},
                               test_accuracy_per_type={k: {t: e.get("accuracy") for t, e in v["types"].items()}
                                                       for k, v in classifier.items()},
                               test_confusion=confusion_test)
    if short is not None:
        results["short_pretrain"] = short_pretrain_row(out, scores, args.seeds, short, F)
    results["equal_finetune"] = equal_finetune_table(scores, args.seeds, F, P, short)
    if args.long_finetune:
        results["long_finetune"] = long_finetune_table(scores, args.seeds, P + F, P)
    results["val_psnr_curves"].update(
        extra_arm_curves(out, args.seeds, F, short, args.long_finetune))
    results.update(
        settings={"pretrain_steps": P, "first_pretrain_chunk": first, "pretrain_chunk": args.pretrain_chunk,
                  "max_pretrain_steps": args.max_pretrain_steps, "target_accuracy": args.target_accuracy,
                  "finetune_steps": F, "long_finetune": args.long_finetune, "seeds": args.seeds, "threads": args.threads,
                  "parallel": args.parallel, "fractions": fractions, "tiles": TileSpec().__dict__,
                  "config": CONFIG.read_text(), "recipe": RECIPE.read_text()},
        tiles={split: {"photos": len(p), "tiles": sum(p.values())} for split, p in tiles.items()},
        wall_clock_s={k: round(v) for k, v in clock.items()},
        wall_clock_s_all_invocations={k: round(v) for k, v in spent.items()}, commands=runner.commands,
        versions={"python": sys.version.split()[0], "numpy": np.__version__, "torch": version("torch"),
                  "uir": version("uir")},
    )
    (out / "results.json").write_text(json.dumps(results, indent=1))
    tables = markdown_tables(results)
    (out / "results.md").write_text(tables)
    for target in [out] + ([args.docs.resolve()] if args.docs else []):
        target.mkdir(parents=True, exist_ok=True)
        write_plots(results, target)
        # every run's own curves, drawn by `uir plot` itself
        runner.run_json(uir("plot", out / "runs" / "pretrain", "--metrics", "loss,acc,val-acc", "--labels",
                            "pre-training", "--out", target / "pretrain_curves.png", "--json"), "plot")
        names = [f"ft-{arm}-s{s}" for arm in ("pretrained", "scratch") for s in range(args.seeds)]
        runner.run_json(uir("plot", *(out / "runs" / n for n in names), "--metrics", "loss,psnr", "--labels",
                            ",".join(names), "--out", target / "finetune_curves.png", "--json"), "plot")
        if target != out:
            (target / "results.json").write_text(json.dumps(results, indent=1))
            (target / "results.md").write_text(tables)
    print(tables)
    return 0


if __name__ == "__main__":
    sys.exit(main())
