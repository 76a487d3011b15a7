"""Calibration: measured level PSNRs, the level nearest each benchmark, and the protocol levels."""

from __future__ import annotations

import pytest

from uir_data.degrade.calibration import (
    BENCHMARKS,
    PROTOCOL_LEVELS,
    calibration_rows,
    level_matches,
    level_psnr,
    nearest_level,
)
from uir_data.degrade.registry import get_degradation


def test_every_protocol_level_exists_in_its_grid():
    # A renamed level must not silently drop the 5D/12D test protocol from the docs.
    for abbrev, name in PROTOCOL_LEVELS:
        assert name in [level.name for level in get_degradation(abbrev).levels], (abbrev, name)


def test_benchmarks_cover_the_types_with_real_counterparts():
    assert {b.abbrev for b in BENCHMARKS} == {"RS", "RD", "S", "H", "LL", "MB", "RN", "DB", "MR"}
    assert all(b.source for b in BENCHMARKS)


def test_low_light_psnr_is_measured_and_falls_with_exposure():
    means = level_psnr("LL")
    assert len(means) == len(get_degradation("LL").levels)
    assert list(means) == sorted(means, reverse=True)  # each stop darker: lower PSNR


def test_nearest_level_is_the_closest_measured_mean():
    means = level_psnr("LL")
    lol = next(b for b in BENCHMARKS if b.dataset.startswith("LOL"))
    level = nearest_level("LL", lol.input_psnr)
    assert all(abs(means[level] - lol.input_psnr) <= abs(m - lol.input_psnr) for m in means)
    assert f"{lol.dataset} ({lol.input_psnr:.2f} dB input)" in level_matches("LL")[level]


def test_calibration_rows_report_our_span_and_the_nearest_level():
    (row,) = calibration_rows(("LL",))
    means = level_psnr("LL")
    assert row["ours_min"] == pytest.approx(min(means), abs=0.05)
    assert row["ours_max"] == pytest.approx(max(means), abs=0.05)
    assert row["nearest_level"] in [level.name for level in get_degradation("LL").levels]


def test_protocol_levels_are_marked_as_matches():
    level = [lv.name for lv in get_degradation("J").levels].index("q50")
    assert any("q50 (test protocol)" in text for text in level_matches("J")[level])
