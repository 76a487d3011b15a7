"""`uir build-dataset` and `uir verify-manifest` end to end through the CLI entry point."""

import json

from testkit import PIPELINE_TYPES


def test_build_then_verify_with_json(tmp_path, photo_folder, run_cli, capsys):
    out = tmp_path / "d"
    code = run_cli("build-dataset", "--out", out, "--source", photo_folder, "--types", ",".join(PIPELINE_TYPES),
                   "--workers", "2", "--json")
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pairs_written"] == 6 * len(PIPELINE_TYPES) * 2 and summary["complete"]
    assert set(summary["pairs_by_type_split"]) == set(PIPELINE_TYPES)

    assert run_cli("verify-manifest", out, "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["rows"] == summary["pairs_written"]


def test_verify_exit_codes(tmp_path, photo_folder, run_cli, capsys):
    out = tmp_path / "d"
    assert run_cli("build-dataset", "--out", out, "--source", photo_folder, "--types", "H", "--workers", "1") == 0
    capsys.readouterr()
    victim = next((out / "lq").rglob("*.png"))
    victim.write_bytes(victim.read_bytes()[:-10])
    assert run_cli("verify-manifest", out) == 1
    text = capsys.readouterr().out
    assert victim.name in text.replace("\n", "") or "sha256" in text
    assert run_cli("verify-manifest", tmp_path / "does-not-exist") == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_refused_resume_is_one_clear_sentence(tmp_path, photo_folder, run_cli, capsys):
    out = tmp_path / "d"
    assert run_cli("build-dataset", "--out", out, "--source", photo_folder, "--types", "H", "--workers", "1") == 0
    capsys.readouterr()
    code = run_cli("build-dataset", "--out", out, "--source", photo_folder, "--types", "H", "--seed", "9")
    assert code == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err and "new --out" in err


def test_unknown_type_is_a_usage_error(tmp_path, run_cli, capsys):
    assert run_cli("build-dataset", "--out", tmp_path / "d", "--types", "GN,XX") == 2
    assert "unknown degradation type 'XX'" in capsys.readouterr().err


def test_degradations_lists_all_nineteen(run_cli, capsys):
    assert run_cli("degradations", "--json") == 0
    listing = json.loads(capsys.readouterr().out)
    assert [t["abbrev"] for t in listing["types"]][:3] == ["GN", "RN", "MB"]
    assert len(listing["types"]) == 19


def test_impossible_build_options_exit_2_with_one_sentence(tmp_path, photo_folder, run_cli, capsys):
    (tmp_path / "a-file").write_text("x")
    cases = [
        (("--types", ","), "--types names no type"),
        (("--workers", "0"), "--workers must be at least 1, got 0"),
        (("--workers", "-1"), "--workers must be at least 1, got -1"),
        (("--pairs-per-task", "0"), "--pairs-per-task must be at least 1, got 0"),
        (("--pairs-per-task", "-5"), "--pairs-per-task must be at least 1, got -5"),
    ]
    for options, message in cases:
        assert run_cli("build-dataset", "--out", tmp_path / "d", "--source", photo_folder, *options) == 2, options
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert run_cli("build-dataset", "--out", tmp_path / "a-file", "--source", photo_folder) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    (tmp_path / "SIDD").mkdir()
    assert run_cli("build-dataset", "--out", tmp_path / "d", "--source", f"SIDD={tmp_path / 'SIDD'}") == 2
    err = capsys.readouterr().err
    assert "recipe 'demo' does not read dataset SIDD" in err and "12d, uir-2.5m" in err
    assert not (tmp_path / "d").exists()


def test_array_jobs_as_separate_processes_in_any_order_equal_one_build_and_write_the_summary_once(
    tmp_path, photo_folder
):
    import os
    import random
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo)}

    def command(out, *extra):
        return [sys.executable, "-m", "cli.main", "build-dataset", "--out", str(out), "--source", str(photo_folder),
                "--types", ",".join(PIPELINE_TYPES), "--workers", "1", "--pairs-per-task", "4", "--json", *extra]  # fmt: skip

    def tree(root):
        return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
                if p.is_file() and p.parts[len(root.parts)] in ("lq", "gt", "manifest")}  # fmt: skip

    from uir_data.build import build_dataset

    build_dataset(tmp_path / "single", "demo", sources=(str(photo_folder),), types=PIPELINE_TYPES, workers=1,
                  pairs_per_task=4)  # fmt: skip
    order = [0, 1, 2]
    random.Random(os.getpid()).shuffle(order)
    order.insert(random.Random(os.getpid() + 1).randrange(1, 4), order[0])  # one index runs twice
    # Two waves of concurrent processes: the first two indices of the order together, then the rest.
    summaries = []
    for wave in (order[:2], order[2:]):
        # The same index twice at once is refused by the lock (tested elsewhere): such a wave runs in turn.
        for group in [[i] for i in wave] if len(set(wave)) < len(wave) else [wave]:
            jobs = [subprocess.Popen(command(tmp_path / "array", "--task-index", str(i), "--num-tasks", "3"),
                                     env=env, cwd=repo, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                    for i in group]  # fmt: skip
            for job in jobs:
                out, err = job.communicate(timeout=60)
                assert job.returncode == 0, err.decode()
                summaries.append(json.loads(out))
    assert len(summaries) == 4
    assert sum(s["summary_written"] for s in summaries) == 1
    written = json.loads((tmp_path / "array" / "build-summary.json").read_text())
    single = json.loads((tmp_path / "single" / "build-summary.json").read_text())
    assert written["pairs_by_type_split"] == single["pairs_by_type_split"] and written["complete"]
    assert tree(tmp_path / "array") == tree(tmp_path / "single")


def test_dry_run_prints_the_plan_and_an_estimate_close_to_the_real_build_and_writes_nothing(
    tmp_path, photo_folder, run_cli, capsys
):
    out = tmp_path / "d"
    args = ("build-dataset", "--out", out, "--source", photo_folder, "--types", "GN,H,J", "--workers", "1",
            "--pairs-per-task", "8", "--json")  # fmt: skip
    assert run_cli(*args, "--dry-run") == 0
    estimate = json.loads(capsys.readouterr().out)
    assert not out.exists()
    assert estimate["sample_pairs"] == 3 * 2 and estimate["sample_cpu_seconds"] > 0
    assert estimate["core_hours_estimate"] > 0

    assert run_cli(*args) == 0
    summary = json.loads(capsys.readouterr().out)
    assert estimate["pairs_by_type_split"] == summary["pairs_by_type_split"]
    assert estimate["pairs_planned"] == summary["pairs_planned"] == 6 * 3 * 2
    assert estimate["tasks"] == summary["tasks_total"] and estimate["gt_images"] == 6
    assert estimate["pairs_by_source_split"] == {"photos": {
        split: sum(by_split.get(split, 0) for by_split in summary["pairs_by_type_split"].values())
        for split in ("test", "train", "val")
    }}  # fmt: skip
    built = sum(p.stat().st_size for sub in ("lq", "gt", "manifest") for p in (out / sub).rglob("*") if p.is_file())
    assert 0.75 * built < estimate["bytes_estimate"] < 1.33 * built

    assert run_cli(*args, "--dry-run") == 0  # on a finished folder: nothing left to build
    assert json.loads(capsys.readouterr().out)["pairs_pending"] == 0
