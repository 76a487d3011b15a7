"""`uir sources`: the dataset table, and `--check DIR` over a folder of miniature downloads."""

from __future__ import annotations

import json

import miniature_trees as trees

from uir_data.sources.catalog import all_adapters


def test_lists_every_adapter_with_layout_types_origin_and_license(run_cli, capsys):
    assert run_cli("sources", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["datasets"]
    assert [entry["name"] for entry in listed] == [adapter.name for adapter in all_adapters()]
    sidd = next(entry for entry in listed if entry["name"] == "SIDD")
    assert (
        sidd["types"] == ["RN"]
        and sidd["origin"] == "paired-real"
        and "NOISY_SRGB" in sidd["expected_layout"]
    )
    sots = next(entry for entry in listed if entry["name"] == "SOTS-outdoor")
    assert sots["part_of"] == "RESIDE"
    assert run_cli("sources") == 0
    table = capsys.readouterr().out
    assert all(name in table for name in ("SIDD", "GoPro", "LSRW", "clean pool", "paired-real"))


def test_check_reports_found_datasets_counts_and_problems(tmp_path, run_cli, capsys):
    trees.make_gopro(tmp_path)
    trees.make_lolv1(tmp_path)
    trees.make_rainds(tmp_path)  # its real test set has one LQ without GT upstream
    trees.make_wed(tmp_path)
    (tmp_path / "holiday").mkdir()
    assert run_cli("sources", "--check", tmp_path, "--json") == 1
    report = json.loads(capsys.readouterr().out)
    found = {entry["dataset"]: entry for entry in report["found"]}
    assert {name: entry["count"] for name, entry in found.items()} == {
        "WED": 2,
        "GoPro": 4,
        "RainDS": 18,
        "LOL-v1": 3,
    }
    assert found["WED"]["kind"] == "clean" and found["GoPro"]["kind"] == "pairs"
    (problem,) = found["RainDS"]["problems"]
    assert problem["check"] == "missing-gt" and problem["file"].endswith("IMG_7435.png")
    assert report["unrecognised_folders"] == ["holiday"]

    assert run_cli("sources", "--check", tmp_path) == 1
    text = capsys.readouterr().out
    assert "GOPRO_Large" in text and "IMG_7435.png" in text and "holiday" in text


def test_check_clean_folder_exits_zero_and_source_override(tmp_path, run_cli, capsys):
    trees.make_lolv1(tmp_path / "root")
    elsewhere = trees.make_gopro(tmp_path / "disk2")
    assert run_cli("sources", "--check", tmp_path / "root", "--source", f"GoPro={elsewhere}", "--json") == 0
    found = {entry["dataset"]: entry["path"] for entry in json.loads(capsys.readouterr().out)["found"]}
    assert found == {"GoPro": str(elsewhere), "LOL-v1": str(tmp_path / "root" / "LOLdataset")}


def test_usage_errors_are_one_sentence(tmp_path, run_cli, capsys):
    assert run_cli("sources", "--check", tmp_path / "missing") == 2
    assert "no such folder" in capsys.readouterr().err
    assert run_cli("sources", "--check", tmp_path, "--source", "GoPro") == 2
    assert "expected NAME=PATH" in capsys.readouterr().err
