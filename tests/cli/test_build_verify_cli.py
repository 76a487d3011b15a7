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
    assert not (tmp_path / "d").exists()
