"""Calibration of the level grids against the real paired datasets: input PSNR of a benchmark next to ours.

A benchmark's *input PSNR* is the PSNR of its degraded test inputs against their clean targets, the row
"Input" that restoration papers print above the methods. Our side is measured, never typed: the mean PSNR
of each level over 256x256 centre crops of the bundled colour photos (a training-crop size), so the table
follows the code whenever a level changes. The level whose mean is nearest a benchmark's input PSNR is the
one that "matches" it. Protocol levels (the exact test degradations of the paper) are listed apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from uir_data.degrade.base import pair_psnr
from uir_data.degrade.registry import get_degradation
from uir_data.image_io import read_source
from uir_data.seeding import make_rng

CALIBRATION_PHOTOS = ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg")
CALIBRATION_SIDE = 256
CALIBRATION_SEED = 2026


@dataclass(frozen=True)
class Benchmark:
    """A real paired test set and the published PSNR of its degraded inputs (None when none was found)."""

    abbrev: str
    dataset: str
    input_psnr: float | None
    source: str
    # True when the number was re-read from a public copy of the table while writing this file; False when
    # it is quoted from the cited paper without a second check (treat it as approximate).
    checked: bool = False


BENCHMARKS: tuple[Benchmark, ...] = (
    Benchmark("RS", "Rain100L", 26.90, "RCDNet (Wang et al., CVPR 2020), Table 2, row Input"),
    Benchmark("RS", "Rain100H", 13.56, "RCDNet (Wang et al., CVPR 2020), Table 2, row Input"),
    Benchmark("RD", "RainDrop test_a", 24.09, "AttentiveGAN (Qian et al., CVPR 2018), Table 1, row Original"),
    Benchmark("S", "Snow100K", None, "no published input PSNR found"),
    Benchmark("H", "SOTS-outdoor", None, "no published input PSNR found"),
    Benchmark("LL", "LOL-v1 eval15", 7.77, "Jin et al., ECCV 2022, Table 3, row Input (7.773 dB)", checked=True),
    Benchmark("MB", "GoPro test", None, "no published input PSNR found"),
    Benchmark("RN", "SIDD validation", 23.66, "the Noisy row of SIDD-validation tables in denoising papers"),
    Benchmark("DB", "DPDD test", None, "no published input PSNR found"),
    Benchmark("MR", "TIP2018 test", 20.30, "DMCNN (Sun et al., TIP 2018), row Input"),
)

# Levels that are the paper's exact test degradation (research: 5D/12D protocol), not a calibration.
PROTOCOL_LEVELS: dict[tuple[str, str], str] = {
    ("GN", "gaussian-s15"): "CBSD68/Kodak/McMaster/Urban100 σ 15",
    ("GN", "gaussian-s25"): "CBSD68/Kodak/McMaster/Urban100 σ 25",
    ("GN", "gaussian-s50"): "CBSD68/Kodak/McMaster/Urban100 σ 50",
    ("J", "q50"): "CBSD68/Kodak/McMaster/Urban100 JPEG q50",
    ("MS", "rggb-s0"): "Urban100 RGGB + edge-aware demosaic",
}


def _centre_crop(image: np.ndarray, side: int) -> np.ndarray:
    height, width = image.shape[:2]
    top, left = (height - side) // 2, (width - side) // 2
    return np.ascontiguousarray(image[top : top + side, left : left + side])


@cache
def calibration_photos() -> tuple[np.ndarray, ...]:
    """The bundled colour photos as CALIBRATION_SIDE² centre crops (native pixels, no resampling)."""
    from uir_data.sources.bundled import bundled_data_dir

    folder = bundled_data_dir()
    return tuple(_centre_crop(read_source(folder / name).rgb, CALIBRATION_SIDE) for name in CALIBRATION_PHOTOS)


@cache
def level_psnr(abbrev: str) -> tuple[float, ...]:
    """Mean PSNR (dB) of every level of a type over the calibration photos, one fixed draw per photo."""
    degradation = get_degradation(abbrev)
    means = []
    for level in range(len(degradation.levels)):
        scores = []
        for index, photo in enumerate(calibration_photos()):
            params = degradation.sample(make_rng(CALIBRATION_SEED, abbrev, level, index), level, *photo.shape[:2])
            scores.append(pair_psnr(degradation.apply(photo, params), photo))
        means.append(float(np.mean(scores)))
    return tuple(means)


def nearest_level(abbrev: str, target_psnr: float) -> int:
    """The level of `abbrev` whose mean PSNR is nearest `target_psnr`."""
    means = level_psnr(abbrev)
    return min(range(len(means)), key=lambda level: abs(means[level] - target_psnr))


def level_matches(abbrev: str) -> dict[int, list[str]]:
    """Level index -> what it matches: benchmarks nearest in input PSNR, and protocol levels."""
    matches: dict[int, list[str]] = {}
    degradation = get_degradation(abbrev)
    for index, level in enumerate(degradation.levels):
        protocol = PROTOCOL_LEVELS.get((abbrev, level.name))
        if protocol is not None:
            matches.setdefault(index, []).append(f"{protocol} (test protocol)")
    for benchmark in BENCHMARKS:
        if benchmark.abbrev == abbrev and benchmark.input_psnr is not None:
            level = nearest_level(abbrev, benchmark.input_psnr)
            matches.setdefault(level, []).append(f"{benchmark.dataset} ({benchmark.input_psnr:.2f} dB input)")
    return matches


def calibration_rows(abbrevs: tuple[str, ...] | None = None) -> list[dict[str, object]]:
    """One row per benchmark (of `abbrevs`, default all): published input PSNR, our span, nearest level."""
    rows = []
    for benchmark in BENCHMARKS:
        if abbrevs is not None and benchmark.abbrev not in abbrevs:
            continue
        means = level_psnr(benchmark.abbrev)
        levels = get_degradation(benchmark.abbrev).levels
        row: dict[str, object] = {
            "type": benchmark.abbrev,
            "dataset": benchmark.dataset,
            "input_psnr": benchmark.input_psnr,
            "source": benchmark.source,
            "checked": benchmark.checked,
            "ours_min": round(min(means), 1),
            "ours_max": round(max(means), 1),
            "nearest_level": None,
            "nearest_psnr": None,
        }
        if benchmark.input_psnr is not None:
            level = nearest_level(benchmark.abbrev, benchmark.input_psnr)
            row["nearest_level"] = levels[level].name
            row["nearest_psnr"] = round(means[level], 1)
        rows.append(row)
    return rows
