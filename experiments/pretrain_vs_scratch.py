"""Does MaskDCPT pre-training help? A CPU-sized version of the paper's Table I / Table X.

    python -m experiments.pretrain_vs_scratch --photos DIR --out DIR [--seeds 3] [--docs docs/experiments]

1. tiles: the clean photos are cut into 256 px tiles, split train/val/test by source photo (tiles.py);
2. data: `uir build-dataset` synthesises GN, GB, J, H, RS, LL at two levels each (recipe.toml) per split;
3. pre-train: `uir train --stage pretrain` (config.toml), held-out classification accuracy logged;
4. fine-tune, per seed: from the pre-trained encoder for F steps, and from scratch for P + F steps (the same
   total number of steps), `--parallel` runs at a time;
5. `uir evaluate` every fine-tuned run on the test split; mean ± std over seeds per type -> results.json,
   results.md and PNG curves.

Every stage goes through the `uir` command itself, and every stage resumes: rerun the same command after an
interruption and finished work is kept. The commands run are recorded in results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from experiments.report import aggregate, markdown_tables, write_plots
from experiments.tiles import TileSpec, make_tiles
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
    meta = sorted(run_dir.glob("checkpoints/step-*/meta.json"))
    return bool(meta) and int(meta[-1].parent.name.split("-")[1]) >= steps


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
    parser.add_argument("--pretrain-steps", type=int, default=600)
    parser.add_argument("--finetune-steps", type=int, default=150)
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

    # Scratch runs do not need the pre-training: they run beside it, the fine-tunes from it follow it.
    start = time.time()
    pre_dir = out / "runs" / "pretrain"
    jobs: list[tuple[str, list[str], str | None]] = []
    planned = [("pretrain", train_argv(out, "pretrain", "pretrain", P, 0, eval_every=args.eval_every), P, None)]
    for seed in range(args.seeds):
        name = f"ft-scratch-s{seed}"
        planned.append((name, train_argv(out, name, "finetune", P + F, seed, None, args.eval_every), P + F, None))
    for seed in range(args.seeds):
        name = f"ft-pretrained-s{seed}"
        planned.append((name, train_argv(out, name, "finetune", F, seed, pre_dir, args.eval_every), F, "pretrain"))
    for name, job_argv, steps, after in planned:
        if is_finished(out / "runs" / name, steps):
            runner.skipped(job_argv)
        else:
            jobs.append((name, job_argv, after))
    run_parallel(runner, jobs, args.parallel)
    clock["train_s"] = time.time() - start

    start = time.time()
    scores = {}
    for seed in range(args.seeds):
        for arm in ("pretrained", "scratch"):
            name = f"ft-{arm}-s{seed}"
            scores[name] = evaluate_on_test(runner, out, name)
    clock["evaluate_s"] = time.time() - start

    results = aggregate(out, scores, args.seeds, P, F)
    results.update(
        settings={"pretrain_steps": P, "finetune_steps": F, "seeds": args.seeds, "threads": args.threads,
                  "parallel": args.parallel, "fractions": fractions, "tiles": TileSpec().__dict__,
                  "config": CONFIG.read_text(), "recipe": RECIPE.read_text()},
        tiles={split: {"photos": len(p), "tiles": sum(p.values())} for split, p in tiles.items()},
        wall_clock_s={k: round(v) for k, v in clock.items()}, commands=runner.commands,
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
