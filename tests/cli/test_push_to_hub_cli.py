"""`uir push-to-hub`: dry run without network, upload to a loopback Hub stand-in, token never shown."""

from __future__ import annotations

import json
from pathlib import Path

import hub_standin
import pytest
from tiny_dataset import make_tiny_dataset

from cli.main import main

TOKEN = "hf_cli_secret_token_456"



@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> Path:
    return make_tiny_dataset(tmp_path_factory.mktemp("cli") / "tiny")


@pytest.fixture
def hub(monkeypatch):
    with hub_standin.serving(monkeypatch) as state:
        yield state


def test_dry_run_exports_and_prints_the_plan_without_any_request(dataset, hub, tmp_path, capsys):
    out = tmp_path / "export"
    code = main(["push-to-hub", str(dataset), "--repo-id", "someone/tiny", "--export-dir", str(out), "--dry-run",
                 "--endpoint", hub.url, "--token", TOKEN, "--json"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert hub.requests == []
    result = json.loads(captured.out)
    assert result["dry_run"] is True and result["rows"] == 12
    assert result["splits"] == {"train": 4, "validation": 4, "test": 4}
    plan = result["plan"]
    # 6 shards + 2 example images + LICENSE.md, then README + record
    assert [len(step["files"]) for step in plan["steps"]] == [9, 2]
    assert plan["steps"][-1]["files"] == ["README.md", "uir-export.json"]
    assert plan["restricted_licenses"] == []
    assert (out / "uir-export.json").is_file()
    assert TOKEN not in captured.out + captured.err

    code = main(["push-to-hub", str(dataset), "--repo-id", "someone/tiny", "--export-dir", str(out), "--dry-run"])
    captured = capsys.readouterr()
    assert code == 0
    assert "dry run: nothing was sent to someone/tiny" in captured.out and "planned steps" in captured.out
    assert "6 kept from an earlier export" in captured.out


def test_upload_publishes_and_a_rerun_sends_nothing(dataset, hub, tmp_path, capsys):
    args = ["push-to-hub", str(dataset), "--repo-id", "someone/tiny", "--export-dir", str(tmp_path / "export"),
            "--endpoint", hub.url, "--token", TOKEN, "--private", "--json"]
    assert main(args) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    assert result["plan"]["files"] == 11 and len(result["commits"]) == 2
    assert hub.created[0]["visibility"] == "private"
    assert len(hub.tree("someone/tiny")) == 12  # the export's 11 files + .gitattributes
    assert TOKEN not in captured.out + captured.err

    commits, puts = len(hub.commits), len(hub.lfs_puts)
    assert main(args) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["commits"] == [] and again["deleted"] == []
    assert len(hub.commits) == commits and len(hub.lfs_puts) == puts


def test_permission_error_is_one_sentence_with_exit_code_1(dataset, hub, tmp_path, capsys):
    stand_in = hub_standin
    hub.failures += [stand_in.Failure("POST", "/api/", 403, times=-1), stand_in.Failure("GET", "/api/", 403, times=-1)]
    code = main(["push-to-hub", str(dataset), "--repo-id", "someone/tiny", "--export-dir", str(tmp_path / "export"),
                 "--endpoint", hub.url, "--token", TOKEN])
    captured = capsys.readouterr()
    assert code == 1
    errors = [line for line in captured.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "may not write to dataset repo someone/tiny (HTTP 403)" in captured.err
    assert "Traceback" not in captured.err and TOKEN not in captured.out + captured.err


def test_bad_repo_id_is_a_usage_error(dataset, tmp_path, capsys):
    code = main(["push-to-hub", str(dataset), "--repo-id", "no-slash", "--export-dir", str(tmp_path / "x")])
    assert code == 2
    assert "--repo-id must look like OWNER/NAME" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_an_unfinished_build_is_refused_with_exit_1_unless_allowed(tmp_path, capsys):
    from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

    from uir_data.build import build_dataset

    for index in range(4):
        write_rgb(tmp_path / "photos" / f"img{index}.png", smooth_photo(index, 48, 64))
    root = tmp_path / "partial"
    build_dataset(root, "demo", sources=(str(tmp_path / "photos"),), types=PIPELINE_TYPES, workers=1,
                  pairs_per_task=4, task_index=1, num_tasks=2)
    args = ["push-to-hub", str(root), "--repo-id", "someone/partial", "--export-dir", str(tmp_path / "x"), "--dry-run"]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "incomplete: 8 of 16 pairs (2 of 4 tasks); rerun the build to finish, or pass --allow-incomplete" in err
    assert not (tmp_path / "x").exists()
    assert main([*args, "--allow-incomplete", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["rows"] == 8


def test_restricted_licenses_warn_in_a_dry_run_and_need_the_flag_to_publish(tmp_path, hub, capsys):
    root = make_tiny_dataset(tmp_path / "nc", license_text="CC BY-NC-SA 4.0 (academic use only)")
    args = ["push-to-hub", str(root), "--repo-id", "someone/nc", "--export-dir", str(tmp_path / "export"),
            "--endpoint", hub.url, "--token", TOKEN, "--pretty-name", "NC pairs"]
    assert main([*args, "--dry-run"]) == 0
    err = capsys.readouterr().err
    assert "warning: these sources' licenses may forbid redistribution: tiny: CC BY-NC-SA 4.0" in err
    assert "publishing needs --allow-restricted-licenses" in err
    assert "pretty_name: NC pairs" in (tmp_path / "export" / "README.md").read_text()

    assert main(args) == 1
    err = capsys.readouterr().err
    assert "12 pairs come from sources whose license may forbid redistributing them" in err
    assert "pass --allow-restricted-licenses" in err and hub.requests == []

    assert main([*args, "--allow-restricted-licenses"]) == 0
    assert "warning: these sources' licenses" in capsys.readouterr().err
    assert "README.md" in hub.tree("someone/nc")
