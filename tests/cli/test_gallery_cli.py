"""`uir gallery` through the CLI entry point, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
from testkit import smooth_photo, write_rgb


def test_gallery_writes_the_sheet_and_reports_it(tmp_path, run_cli, capsys):
    out = tmp_path / "sheet.png"
    code = run_cli("gallery", out, "--types", "RS,MR", "--thumb", "40", "--seed", "3", "--columns", "4", "--json")
    assert code == 0
    report = json.loads(capsys.readouterr().out)
    assert report["types"] == ["RS", "MR"] and report["tiles"] == 8 + 6 and report["seed"] == 3
    sheet = cv2.imread(str(out))
    assert sheet.shape[:2] == (report["height"], report["width"]) and report["bytes"] == out.stat().st_size


def test_gallery_uses_the_given_photo(tmp_path, run_cli, capsys):
    photo = write_rgb(tmp_path / "flat.png", np.full((60, 90, 3), 200, np.uint8))
    other = write_rgb(tmp_path / "photo.png", smooth_photo(1, 60, 90))
    assert run_cli("gallery", tmp_path / "a.png", "--image", photo, "--types", "H", "--thumb", "40") == 0
    assert run_cli("gallery", tmp_path / "b.png", "--image", other, "--types", "H", "--thumb", "40") == 0
    assert "wrote" in capsys.readouterr().out
    assert not np.array_equal(cv2.imread(str(tmp_path / "a.png")), cv2.imread(str(tmp_path / "b.png")))


def test_gallery_errors_are_one_sentence_with_usage_exit_codes(tmp_path, run_cli, capsys):
    assert run_cli("gallery", tmp_path / "x.png", "--types", "GN,NOPE") == 2
    assert "unknown degradation type 'NOPE'" in capsys.readouterr().err
    missing = tmp_path / "missing.jpg"
    assert run_cli("gallery", tmp_path / "y.png", "--image", missing, "--types", "H") == 1
    error = capsys.readouterr().err
    assert "missing.jpg" in error and "Traceback" not in error
    assert not (tmp_path / "x.png").exists() and not (tmp_path / "y.png").exists()


def test_closeups_write_one_sheet_per_type_into_a_folder(tmp_path, run_cli, capsys):
    out = tmp_path / "closeups"
    assert run_cli("gallery", out, "--closeups", "--types", "J,GN", "--crop", "48", "--json") == 0
    report = json.loads(capsys.readouterr().out)
    assert sorted(p.name for p in out.iterdir()) == ["GN.png", "J.png"]
    for sheet in report["sheets"]:
        assert cv2.imread(sheet["path"]) is not None and sheet["bytes"] == Path(sheet["path"]).stat().st_size
    assert run_cli("gallery", tmp_path / "one.png", "--closeups", "--types", "J") == 2
    assert "give a folder, not" in capsys.readouterr().err
    assert run_cli("gallery", out, "--closeups", "--types", "J", "--crop", "8") == 2
    assert "--crop must be at least 32 px" in capsys.readouterr().err
