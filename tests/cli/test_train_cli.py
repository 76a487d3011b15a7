"""`uir train`: JSON summary, resume by rerunning, clear errors, unreadable files skipped, torchrun DDP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from safetensors.torch import load_file

from cli.main import main
from maskdcpt import checkpoint as ckpt
from maskdcpt.runlog import MetricsLog
from maskdcpt.threads import default_threads
from maskdcpt.toydata import write_toy_dataset
from uir_data.manifest import read_manifest

REPO = Path(__file__).resolve().parents[2]
QUICK = ["--set", "data.workers=0", "--set", "run.log_every=1", "--set", "data.val_crop=64", "--device", "cpu"]

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_toy_dataset(tmp_path_factory.mktemp("toy") / "ds", scenes=6, val_scenes=1)


def test_train_prints_json_and_a_rerun_resumes(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    run = tmp_path / "run"
    argv = ["train", "--out", str(run), "--preset", "tiny-cpu", "--manifest", str(dataset), *QUICK, "--json"]
    assert main([*argv, "--max-steps", "3"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["step"] == 3 and summary["stage"] == "pretrain" and summary["checkpoint"].endswith("step-00000003")
    assert "step 3/3" in captured.err and "acc" in captured.err and "img/s" in captured.err
    # the toy set has 6 scenes per type, no repeat factors: each of the 5 classes is a fifth of an epoch
    assert "epoch share per class (after repeat factors): GB 20.0%, GN 20.0%, H 20.0%, J 20.0%, LL 20.0%" in " ".join(
        captured.err.split())
    assert f"cpu, {default_threads(0)} thread(s) + 0 data worker(s) per rank" in " ".join(captured.err.split())
    assert torch.get_num_threads() == 1  # the caller's setting is back
    assert (run / "config.toml").is_file()
    assert main([*argv, "--max-steps", "5"]) == 0
    captured = capsys.readouterr()
    assert "resuming" in captured.err and "from step 3" in captured.err
    assert json.loads(captured.out)["step"] == 5
    assert [r["step"] for r in MetricsLog(run).read() if r["kind"] == "train"] == [1, 2, 3, 4, 5]


def test_missing_manifest_is_one_clear_sentence(tmp_path: Path, capsys: pytest.CaptureFixture):
    code = main(["train", "--out", str(tmp_path / "run"), "--manifest", str(tmp_path / "nowhere"), *QUICK])
    err = capsys.readouterr().err
    assert code == 1 and "no such dataset folder" in err and "Traceback" not in err
    code = main(["train", "--out", str(tmp_path / "run"), "--preset", "giant"])
    assert code == 2 and "no preset named 'giant'" in capsys.readouterr().err


def test_an_unreadable_image_is_logged_with_its_name_and_skipped(dataset: Path, tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture):
    import shutil

    copy = tmp_path / "ds"
    shutil.copytree(dataset, copy)
    broken = read_manifest(copy).filter(read_manifest(copy)["split"].to_numpy(zero_copy_only=False) == "train")[
        "lq_path"][0].as_py()
    (copy / broken).write_bytes(b"\x89PNG truncated")
    argv = ["train", "--out", str(tmp_path / "run"), "--manifest", str(copy), *QUICK, "--max-steps", "2",
            "--set", "data.batch_size=32", "--set", "run.eval_every=1000"]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert err.count("skipped unreadable pair") == 1 and broken in err


def test_torchrun_ddp_matches_a_single_process_run(dataset: Path, tmp_path: Path, capsys: pytest.CaptureFixture):
    common = ["--preset", "tiny-cpu", "--manifest", str(dataset), *QUICK, "--max-steps", "3",
              "--set", "run.eval_every=1000", "--json"]
    assert main(["train", "--out", str(tmp_path / "single"), *common]) == 0
    capsys.readouterr()
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2",
         "-m", "cli.main", "train", "--out", str(tmp_path / "ddp"), *common],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr[:4000] + "\n...\n" + done.stderr[-2000:]
    summary = json.loads(done.stdout)  # rank 0 alone prints
    assert summary["world_size"] == 2 and summary["replicas_in_sync"] is True
    single = [r["loss"] for r in MetricsLog(tmp_path / "single").read() if r["kind"] == "train"]
    ddp = [r["loss"] for r in MetricsLog(tmp_path / "ddp").read() if r["kind"] == "train"]
    assert ddp == pytest.approx(single, rel=1e-4)  # same samples, crops and masks: only reduction order differs
    a = load_file(ckpt.latest_checkpoint(tmp_path / "single") / "model.safetensors")
    b = load_file(ckpt.latest_checkpoint(tmp_path / "ddp") / "model.safetensors")
    # Adam normalises each gradient, so a float-order difference in a near-zero gradient can move that weight
    # by up to lr (1e-3) per step; the bulk of the weights agree far closer.
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-3
    assert sum((a[k] - b[k]).abs().sum().item() for k in a) / sum(a[k].numel() for k in a) < 1e-5


@pytest.mark.parametrize("target", ["main", "group-SIGTERM", "group-SIGINT"])
def test_sigterm_stops_after_the_step_with_a_checkpoint_and_exit_130(dataset: Path, tmp_path: Path, target: str):
    # "group": the signal reaches the data workers too, as Slurm's scancel (SIGTERM to every process of the
    # job) or Ctrl-C in a terminal (SIGINT to the foreground group) deliver it; a worker that died of it made
    # the run end in "DataLoader worker is killed by signal" instead of a clean stop
    import signal
    import time

    run = tmp_path / "run"
    argv = [sys.executable, "-m", "cli.main", "train", "--out", str(run), "--preset", "tiny-cpu", "--manifest",
            str(dataset), "--device", "cpu", "--max-steps", "100000", "--set", "run.log_every=1",
            "--set", "run.ckpt_every=100000", "--set", "data.workers=1", "--set", "run.threads=1"]
    process = subprocess.Popen(argv, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(MetricsLog(run).read()) < 2:
        time.sleep(0.1)
    name = "SIGINT" if target.endswith("SIGINT") else "SIGTERM"
    if target == "main":
        process.send_signal(signal.SIGTERM)
    else:
        os.killpg(process.pid, getattr(signal, name))
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err
    message = " ".join(err.split())
    assert f"stopped by {name} after step" in message and "rerun the same command to resume" in message
    assert "Traceback" not in err and "killed by signal" not in err
    stopped = int(message.split(f"stopped by {name} after step ")[1].split(":")[0])
    assert stopped >= 2 and ckpt.latest_checkpoint(run).name == f"step-{stopped:08d}"
    assert [r["step"] for r in MetricsLog(run).read() if r["kind"] == "train"] == list(range(1, stopped + 1))
