"""Degradation speed at equal work: every type and level vs a matched albumentations peer and a plain floor.

Run: `python -m bench.degradations [--reps 11] [--types GN,J] [--size 512] [--keep-freed-memory]`
(issue 13, item 2). `--keep-freed-memory` first raises glibc's malloc thresholds
(uir_data/degrade/allocator.py) for the whole process, peers and floors included, as a build worker that
calls keep_freed_memory() runs; without it the process keeps the system default.

Method: CPU time (`time.process_time`) on one thread, so other load on a shared machine slows every case
alike instead of skewing the ratios. For each type, all its cases run interleaved round-robin in one
process (every round times every case once, in a rotated order) after two warm-up calls; a repetition
repeats a case until it has used >= 20 ms, and a rate is the median per-call time over >= 11 rounds. A ratio
is the median over rounds of the two cases' ratio within the round (they run next to each other), so a
change of machine speed between rounds cancels instead of widening both medians.
Cases of a type: every level of ours (a generator seeded for the pair, sample, apply; uint8 in and out, as
a build makes a pair); the equal-work floor of every level (bench/degradation_floors.py: the same
computation on the same params, written plainly, from a freshly seeded NumPy generator); and, where
albumentations 2.0.8 has the same operation, ours at matched parameters next to the peer at those
parameters. The peer (a Compose seeded once) draws every call's parameters from one running generator, so
the matched "ours" does too: that is the equal work. The matched pair with its own seeded generator, as a
build makes it, is timed as well and printed next to it ("with per-pair seeding"). JPEG is also compared
with the peer fed the BGR-ordered image: ImageCompression passes RGB arrays to imencode, which reads BGR, so
the plain peer codes another image and skips the channel swap. The image is the astronaut photo
(scikit-image) at size x size.
"""

from __future__ import annotations

import os

# One thread everywhere, set before NumPy / OpenCV load; no network call from albumentations at import.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"

import argparse  # noqa: E402
import math  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from typing import Any  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data  # noqa: E402

from bench.degradation_floors import DIFFERS, FLOORS, plain_pair  # noqa: E402
from uir_data.degrade.allocator import keep_freed_memory  # noqa: E402
from uir_data.degrade.kernels.blur_kernels import gaussian_size  # noqa: E402
from uir_data.degrade.registry import get_degradation, implemented_types  # noqa: E402
from uir_data.seeding import make_rng, sample_seed  # noqa: E402

cv2.setNumThreads(1)
MIN_REP_SECONDS = 0.02
TARGET_PAIRS_PER_S = 25.0


@dataclass
class Matched:
    """Ours at one level with params pinned to what the peer does, and the peer at the same parameters."""

    level: str
    pin: dict[str, Any]
    peer_name: str
    peer: Callable[[], Callable[[np.ndarray], np.ndarray]]
    drop: tuple[str, ...] = field(default_factory=tuple)
    variant: str = ""  # tells apart two peers matched at the same level

    @property
    def case(self) -> str:
        return f"{self.level}/{self.variant}" if self.variant else self.level


def _albumentations(*transforms: Any) -> Callable[[np.ndarray], np.ndarray]:
    import albumentations as A

    pipeline = A.Compose(list(transforms), seed=0)
    return lambda image: pipeline(image=image)["image"]


def _fed_bgr(peer: Callable[[np.ndarray], np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """The peer on the BGR-ordered image, swapped back: what an RGB caller must do for JPEG's colour weights."""
    return lambda image: cv2.cvtColor(peer(cv2.cvtColor(image, cv2.COLOR_RGB2BGR)), cv2.COLOR_BGR2RGB)


def matched_peers() -> dict[str, list[Matched]]:
    """type -> matched comparisons (albumentations 2.0.8 at the parameters of one of our levels)."""
    import albumentations as A

    k2 = gaussian_size(2.0)
    return {
        "GN": [
            Matched("gaussian-s25", {}, "GaussNoise std 25/255 per channel",
                    lambda: _albumentations(A.GaussNoise(std_range=(25 / 255, 25 / 255), per_channel=True, p=1))),
            Matched("poisson-p100", {"gray": False}, "ShotNoise scale 1/100",
                    lambda: _albumentations(A.ShotNoise(scale_range=(0.01, 0.01), p=1))),
            Matched("salt-pepper-0.1", {"per_channel": False}, "SaltAndPepper 0.1, 1:1",
                    lambda: _albumentations(A.SaltAndPepper(amount=(0.1, 0.1), salt_vs_pepper=(0.5, 0.5), p=1))),
        ],
        "GB": [
            Matched("iso-s2", {"domain": "srgb"}, f"GaussianBlur σ 2 k {k2}",
                    lambda: _albumentations(A.GaussianBlur(sigma_limit=(2, 2), blur_limit=(k2, k2), p=1))),
        ],
        "MB": [
            Matched("len-17", {"kernel": "linear", "angle_deg": 30.0, "highlight_gain": 1.0}, "MotionBlur k 17",
                    lambda: _albumentations(A.MotionBlur(blur_limit=(17, 17), p=1)), drop=("seed",)),
        ],
        "DB": [
            Matched("r-6", {"highlight_gain": 1.0}, "Defocus r 6 alias 0.1",
                    lambda: _albumentations(A.Defocus(radius=(6, 6), alias_blur=(0.1, 0.1), p=1))),
        ],
        "J": [
            # ImageCompression hands the RGB array to imencode, which reads BGR: it codes the image with the
            # luma weights of red and blue swapped, a different (and, in chroma, cheaper) image than ours.
            # The "bgr" rows time it on the image it should see, for the same coding work as ours.
            Matched("q30", {"grid_offset": [0, 0]}, "ImageCompression q 30",
                    lambda: _albumentations(A.ImageCompression(quality_range=(30, 30), p=1))),
            Matched("q30", {"grid_offset": [0, 0]}, "ImageCompression q 30 fed BGR (same colours as ours)",
                    lambda: _fed_bgr(_albumentations(A.ImageCompression(quality_range=(30, 30), p=1))),
                    variant="bgr"),
            Matched("q50", {}, "ImageCompression q 50",
                    lambda: _albumentations(A.ImageCompression(quality_range=(50, 50), p=1))),
            Matched("q50", {}, "ImageCompression q 50 fed BGR (same colours as ours)",
                    lambda: _fed_bgr(_albumentations(A.ImageCompression(quality_range=(50, 50), p=1))),
                    variant="bgr"),
        ],
        "BJ": [
            Matched("s2-q50", {}, f"GaussianBlur σ 2 k {gaussian_size(2.0)} + ImageCompression q 50",
                    lambda: _albumentations(A.GaussianBlur(sigma_limit=(2, 2), blur_limit=(k2, k2), p=1),
                                            A.ImageCompression(quality_range=(50, 50), p=1))),
        ],
    }


def interleaved_samples(cases: dict[str, Callable[[], object]], reps: int) -> dict[str, list[float]]:
    """CPU seconds per call of every case in every round, the cases timed round-robin in a rotated order."""
    names = list(cases)
    calls = {}
    for name in names:
        cases[name]()
        started = time.process_time()
        cases[name]()
        calls[name] = max(1, math.ceil(MIN_REP_SECONDS / max(time.process_time() - started, 1e-6)))
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_index in range(reps):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            call, count = cases[name], calls[name]
            started = time.process_time()
            for _ in range(count):
                call()
            samples[name].append((time.process_time() - started) / count)
    return samples


def interleaved_medians(cases: dict[str, Callable[[], object]], reps: int) -> dict[str, float]:
    """Median CPU seconds per call of every case (interleaved_samples)."""
    return {name: statistics.median(values) for name, values in interleaved_samples(cases, reps).items()}


def paired_speedup(samples: dict[str, list[float]], case: str, baseline: str) -> float:
    """How many times faster `case` ran than `baseline`: the median over rounds of the two cases' ratio in the
    same round. They run next to each other in every round, so a change of machine speed between rounds
    (other load, frequency) cancels in each ratio instead of widening the spread of both medians."""
    return statistics.median(base / own for own, base in zip(samples[case], samples[baseline], strict=True))


def _pinned(params: dict[str, Any], pin: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    params.update(pin)
    for key in drop:
        params.pop(key, None)
    return params


def _level_seed(abbrev: str, level: int) -> int:
    """The pair seed of a level's cases: an int, as a build hands make_rng (bench seeds are not build seeds)."""
    return sample_seed(0, f"bench/{abbrev}/{level}")


def _params(degradation: Any, level: int, size: int, pin: dict[str, Any], drop: tuple[str, ...]) -> dict[str, Any]:
    return _pinned(degradation.sample(make_rng(_level_seed(degradation.abbrev, level)), level, size, size), pin, drop)


def bench_type(abbrev: str, image: np.ndarray, reps: int, matched: list[Matched]) -> dict[str, Any]:
    """Time every level (ours and floor) and the matched comparisons of one type, interleaved."""
    degradation = get_degradation(abbrev)
    size = image.shape[0]
    floor = FLOORS[abbrev]
    names = [level.name for level in degradation.levels]
    cases: dict[str, Callable[[], object]] = {}
    for index, name in enumerate(names):
        params = _params(degradation, index, size, {}, ())
        cases[f"ours:{name}"] = lambda i=index, seed=_level_seed(abbrev, index): degradation.apply(
            image, degradation.sample(make_rng(seed), i, size, size))
        cases[f"floor:{name}"] = lambda p=params: plain_pair(floor, image, p)
    for match in matched:
        index = names.index(match.level)
        pinned = _params(degradation, index, size, match.pin, match.drop)
        peer = match.peer()
        # The peer's Compose draws its parameters from one generator seeded once; so does "matched", for the
        # same work. "seeded" is the pair as a build makes it: its generator seeded for that pair alone, the
        # price of replaying any manifest row by itself, which the peer does not pay.
        running = make_rng(_level_seed(abbrev, index))
        cases[f"matched:{match.case}"] = lambda i=index, m=match, r=running: degradation.apply(
            image, _pinned(degradation.sample(r, i, size, size), m.pin, m.drop))
        cases[f"seeded:{match.case}"] = lambda i=index, m=match: degradation.apply(
            image, _params(degradation, i, size, m.pin, m.drop))
        cases[f"peer:{match.case}"] = lambda f=peer: f(image)
        cases[f"mfloor:{match.case}"] = lambda p=pinned: plain_pair(floor, image, p)
    samples = interleaved_samples(cases, reps)
    rate = {name: 1.0 / statistics.median(values) for name, values in samples.items()}
    ratio = {}  # match.case -> (ours/peer, seeded ours/peer, seeded ours/floor), each paired round by round
    for match in matched:
        peer_case, floor_case = f"peer:{match.case}", f"mfloor:{match.case}"
        ratio[match.case] = (paired_speedup(samples, f"matched:{match.case}", peer_case),
                             paired_speedup(samples, f"seeded:{match.case}", peer_case),
                             paired_speedup(samples, f"seeded:{match.case}", floor_case))
    ours = [rate[f"ours:{n}"] for n in names]
    vs_floor = [paired_speedup(samples, f"ours:{n}", f"floor:{n}") for n in names]
    slowest = int(np.argmin(ours))
    worst_floor = int(np.argmin(vs_floor))
    return {
        "abbrev": abbrev, "levels": len(names), "names": names, "rate": rate, "ours": ours, "vs_floor": vs_floor,
        "slowest": slowest, "worst_floor": worst_floor, "matched": matched, "ratio": ratio,
    }


def report_type(result: dict[str, Any]) -> None:
    names, rate = result["names"], result["rate"]
    print(f"\n{result['abbrev']} ({result['levels']} levels)  differs: {DIFFERS[result['abbrev']]}")
    print("| level | ours pairs/s | floor/s | ours/floor |")
    print("|---|---|---|---|")
    for name, ours, ratio in zip(names, result["ours"], result["vs_floor"], strict=True):
        flag = "" if ours >= TARGET_PAIRS_PER_S else " (< 25/s)"
        print(f"| {name} | {ours:,.1f}{flag} | {rate[f'floor:{name}']:,.1f} | {ratio:.2f} |")
    for match in result["matched"]:
        ours, seeded, peer, floor = (rate[f"{kind}:{match.case}"] for kind in ("matched", "seeded", "peer", "mfloor"))
        vs_peer, seeded_vs_peer, seeded_vs_floor = result["ratio"][match.case]
        print(f"matched {match.level} {match.pin or ''}: ours {ours:,.1f}/s | {match.peer_name} {peer:,.1f}/s | "
              f"ours/peer {vs_peer:.2f} | with per-pair seeding {seeded:,.1f}/s, {seeded_vs_peer:.2f} | "
              f"floor {floor:,.1f}/s | ours/floor {seeded_vs_floor:.2f}")


def summary_rows(results: list[dict[str, Any]]) -> list[str]:
    rows = [
        "| type | levels | ours slowest pairs/s (level) | ours mean pairs/s | ours/floor, worst level | "
        "matched peer (albumentations 2.0.8) | peer/s | ours/s | ours/peer | ours/peer with per-pair seeding |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        names, rate = r["names"], r["rate"]
        head = (f"| {r['abbrev']} | {r['levels']} | {r['ours'][r['slowest']]:,.1f} ({names[r['slowest']]}) | "
                f"{np.mean(r['ours']):,.1f} | {r['vs_floor'][r['worst_floor']]:.2f} ({names[r['worst_floor']]}) |")
        if not r["matched"]:
            rows.append(head + " none at matched parameters | - | - | - | - |")
        for match in r["matched"]:
            ours, peer = rate[f"matched:{match.case}"], rate[f"peer:{match.case}"]
            vs_peer, seeded_vs_peer, _ = r["ratio"][match.case]
            rows.append(head + f" {match.peer_name} ({match.level}) | {peer:,.1f} | {ours:,.1f} | "
                        f"{vs_peer:.2f} | {seeded_vs_peer:.2f} |")
            head = "| | | | | |"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=11)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--types", default="")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="call uir_data.degrade.allocator.keep_freed_memory() first, as a build worker should")
    args = parser.parse_args()
    kept = args.keep_freed_memory and keep_freed_memory()
    if args.reps < 11:
        parser.error("the issue-13 method needs a median of at least 11 repetitions")
    image = cv2.resize(data.astronaut(), (args.size, args.size), interpolation=cv2.INTER_AREA)
    wanted = [t.strip().upper() for t in args.types.split(",") if t.strip()] or list(implemented_types())
    peers = matched_peers()
    print(f"{args.size}x{args.size} RGB uint8, one thread, CPU time, median of {args.reps} interleaved rounds; "
          "pairs/s = 1 / (sample + apply)")
    print("allocator: " + ("glibc thresholds raised (keep_freed_memory), for every case alike" if kept
                           else "system default (pass --keep-freed-memory for the tuned worker)"))
    results = []
    for abbrev in wanted:
        results.append(bench_type(abbrev, image, args.reps, peers.get(abbrev, [])))
        report_type(results[-1])
    print("\nSummary (ours/floor: ours over the plain equal-work computation of the same params)")
    print("\n".join(summary_rows(results)))


if __name__ == "__main__":
    main()
