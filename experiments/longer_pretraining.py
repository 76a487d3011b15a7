"""Table X at CPU scale: does more pre-training (higher classification accuracy) give a better fine-tune?

    python -m experiments.longer_pretraining --out DIR --pretrain-steps 1500 [--finetune-steps 150] [--seeds 3]

Run after experiments.pretrain_vs_scratch with the same --out. Pre-training uses a constant learning rate
(as the paper states), so resuming a copy of that run to more steps equals a longer pre-training from the start; the
copy is fine-tuned with the same seeds and steps as the main experiment's pre-trained arm and evaluated on
the same test split. Writes DIR/longer_pretraining-STEPS.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

from experiments.pretrain_vs_scratch import (
    Runner,
    evaluate_on_test,
    is_finished,
    run_parallel,
    train_argv,
)
from experiments.report import over_seeds
from maskdcpt.plotting import run_series


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the work folder of experiments.pretrain_vs_scratch")
    parser.add_argument("--pretrain-steps", type=int, required=True)
    parser.add_argument("--finetune-steps", type=int, default=150)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    out, steps = args.out.resolve(), args.pretrain_steps
    source = out / "runs" / "pretrain"
    if not source.is_dir():
        raise SystemExit(f"{source}: run experiments.pretrain_vs_scratch with --out {args.out} first")
    runner = Runner(out, args.threads)
    pre = out / "runs" / f"pretrain-{steps}"
    if not pre.exists():
        shutil.copytree(source, pre)
    pre_argv = train_argv(out, pre.name, "pretrain", steps, 0, eval_every=args.eval_every)
    jobs = [] if is_finished(pre, steps) else [(pre.name, pre_argv, None)]
    names = [f"ft-pretrained{steps}-s{seed}" for seed in range(args.seeds)]
    for seed, name in enumerate(names):
        job_argv = train_argv(out, name, "finetune", args.finetune_steps, seed, pre, args.eval_every)
        if not is_finished(out / "runs" / name, args.finetune_steps):
            jobs.append((name, job_argv, pre.name))
    run_parallel(runner, jobs, max(1, args.seeds))
    scores = {}
    for name in names:
        scores[name] = evaluate_on_test(runner, out, name)
    types = list(scores[names[0]]["types"])
    accuracy = run_series(pre, "val-acc")
    result = {
        "pretrain_steps": steps, "finetune_steps": args.finetune_steps, "seeds": args.seeds,
        "val_accuracy": dict(zip(accuracy.steps, accuracy.values, strict=True)),
        "psnr": over_seeds(list(scores.values()), [*types, "mean"], "psnr"),
        "ssim": over_seeds(list(scores.values()), [*types, "mean"], "ssim"),
        "commands": runner.commands,
    }
    (out / f"longer_pretraining-{steps}.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: result[k] for k in ("pretrain_steps", "val_accuracy")}, indent=1))
    print({t: f"{v['mean']:.2f} ± {v['std']:.2f}" for t, v in result["psnr"].items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
