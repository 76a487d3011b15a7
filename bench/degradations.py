"""Per-type degradation throughput at 512x512 on one core, next to the nearest albumentations 2.0.8 peer.

Run: `python -m bench.degradations [--reps N] [--types GN,J,...] [--size 512]`. For every type, every level
is timed (sample + apply, uint8 in and out, median of N reps); the table gives the slowest level and the mean
over levels in pairs/s, and the peer's images/s measured in the same process on the same image, with the
ratio ours/peer. The peer is the closest single albumentations transform or a Compose of them; it often does
less (no linear light, no recorded params), so the ratio is a cost comparison, not a like-for-like one.
imagecorruptions is not installed in this environment (and 1.1.2 does not import on setuptools >= 81, see
research/perf_baseline.md), so it is not compared here.
"""

from __future__ import annotations

import os

# One thread everywhere, set before NumPy / OpenCV load; no network call from albumentations at import.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from skimage import data  # noqa: E402

from uir_data.degrade.registry import get_degradation, implemented_types  # noqa: E402
from uir_data.seeding import make_rng  # noqa: E402

cv2.setNumThreads(1)


def _peers() -> dict[str, tuple[str, Callable[[np.ndarray], np.ndarray]]]:
    """type abbrev -> (description, callable) of the nearest albumentations operation."""
    import albumentations as A

    def compose(*transforms):
        pipeline = A.Compose(list(transforms), seed=0)
        return lambda image: pipeline(image=image)["image"]

    gamma_dark = A.RandomGamma(gamma_limit=(300, 300), p=1)  # darkening curve, the closest to low light
    return {
        "GN": ("GaussNoise std 0.1", compose(A.GaussNoise(std_range=(0.1, 0.1), p=1))),
        "RN": (
            "ISONoise shift .03 int .3",
            compose(A.ISONoise(color_shift=(0.03, 0.03), intensity=(0.3, 0.3), p=1)),
        ),
        "MB": ("MotionBlur k=15", compose(A.MotionBlur(blur_limit=(15, 15), p=1))),
        "DB": ("Defocus r=6 alias .5", compose(A.Defocus(radius=(6, 6), alias_blur=(0.5, 0.5), p=1))),
        "GB": ("AdvancedBlur k=9", compose(A.AdvancedBlur(blur_limit=(9, 9), p=1))),
        "J": ("ImageCompression q=30", compose(A.ImageCompression(quality_range=(30, 30), p=1))),
        "H": ("RandomFog coef .5", compose(A.RandomFog(fog_coef_range=(0.5, 0.5), p=1))),
        "RS": ("RandomRain default", compose(A.RandomRain(p=1))),
        "RD": ("Spatter(rain)", compose(A.Spatter(mode="rain", p=1))),
        "RSD": ("RandomRain + Spatter", compose(A.RandomRain(p=1), A.Spatter(mode="rain", p=1))),
        "S": ("RandomSnow(texture)", compose(A.RandomSnow(method="texture", p=1))),
        "LL": ("RandomGamma 3.0", compose(gamma_dark)),
        "BJ": (
            "GaussianBlur s=2 + JPEG q=50",
            compose(
                A.GaussianBlur(sigma_limit=(2, 2), blur_limit=0, p=1),
                A.ImageCompression(quality_range=(50, 50), p=1),
            ),
        ),
        "BR": ("MotionBlur + RandomRain", compose(A.MotionBlur(blur_limit=(15, 15), p=1), A.RandomRain(p=1))),
        "BLN": (
            "MotionBlur + Gamma + GaussNoise",
            compose(
                A.MotionBlur(blur_limit=(17, 17), p=1), gamma_dark, A.GaussNoise(std_range=(0.05, 0.05), p=1)
            ),
        ),
        "LHRS": (
            "Gamma + Fog + Rain + Snow",
            compose(
                gamma_dark, A.RandomFog(fog_coef_range=(0.3, 0.3), p=1), A.RandomRain(p=1), A.RandomSnow(p=1)
            ),
        ),
        "DNBJ": (
            "AdvancedBlur+Downscale+Noise+JPEG",
            compose(
                A.AdvancedBlur(p=1),
                A.Downscale(scale_range=(0.5, 0.5), p=1),
                A.GaussNoise(std_range=(0.05, 0.05), p=1),
                A.ImageCompression(quality_range=(50, 50), p=1),
            ),
        ),
    }


def _median_seconds(call: Callable[[], object], reps: int) -> float:
    call()  # warm-up: caches, lazy tables, first-call allocations
    times = []
    for _ in range(reps):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _pair_call(degradation, level: int, image: np.ndarray) -> Callable[[], np.ndarray]:
    """One pair as a build makes it: draw params for this level, then degrade the uint8 image."""
    height, width = image.shape[:2]

    def pair() -> np.ndarray:
        params = degradation.sample(make_rng(0, degradation.abbrev, level), level, height, width)
        return degradation.apply(image, params)

    return pair


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--types", default="")
    args = parser.parse_args()
    image = cv2.resize(data.astronaut(), (args.size, args.size), interpolation=cv2.INTER_AREA)
    wanted = [t.strip().upper() for t in args.types.split(",") if t.strip()] or list(implemented_types())
    peers = _peers()
    print(
        f"{args.size}x{args.size} RGB uint8, one thread, median of {args.reps} reps; pairs/s = 1 / (sample + apply)"
    )
    print("imagecorruptions: not installed here, not compared\n")
    header = "| type | levels | ours min pairs/s (level) | ours mean pairs/s | peer (albumentations 2.0.8) | peer img/s | mean ours/peer |"
    print(header)
    print("|---|---|---|---|---|---|---|")
    for abbrev in wanted:
        degradation = get_degradation(abbrev)
        rates = []
        for level in range(len(degradation.levels)):
            rates.append(1.0 / _median_seconds(_pair_call(degradation, level, image), args.reps))
        slowest = int(np.argmin(rates))
        mean_rate = float(np.mean(rates))
        if abbrev in peers:
            name, peer = peers[abbrev]
            peer_rate = 1.0 / _median_seconds(lambda peer=peer: peer(image), args.reps)
            peer_cells = f"{name} | {peer_rate:,.0f} | {mean_rate / peer_rate:.2f}"
        else:
            peer_cells = "none (no such op) | - | -"
        print(
            f"| {abbrev} | {len(rates)} | {rates[slowest]:,.1f} ({degradation.levels[slowest].name}) | "
            f"{mean_rate:,.1f} | {peer_cells} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
