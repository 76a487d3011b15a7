"""DNBJ: Real-ESRGAN-style chain — recorded ops, sizes, return to the input size."""

from __future__ import annotations

import numpy as np

from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

DNBJ = get_degradation("DNBJ")


def test_chain_goes_through_low_resolution_and_back():
    for level, lv in enumerate(DNBJ.levels):
        for seed in range(5):
            params = DNBJ.sample(make_rng(seed), level, 200, 300)
            ops = params["ops"]
            kinds = [op["op"] for op in ops]
            assert kinds.count("J") == 2 and kinds[-1] == "US" and ops[-1]["size"] == [200, 300]
            s = lv.params["scale"]
            assert [200 // s, 300 // s] in [op["size"] for op in ops if op["op"] == "DS"]
            for op in ops:
                if op["op"] == "GN" and op["kind"] == "poisson":
                    assert op["photons"] == 256.0  # explicit, never derived from the image


def test_strong_preset_uses_lower_jpeg_quality_for_the_same_draw():
    qualities = {}
    for level in (3, 4, 5):  # x4 mild / standard / strong
        ops = DNBJ.sample(make_rng(9), level, 256, 256)["ops"]
        qualities[level] = [op["quality"] for op in ops if op["op"] == "J"]
    assert all(a >= b >= c for a, b, c in zip(qualities[3], qualities[4], qualities[5], strict=True))


def test_output_keeps_size_and_differs_from_input(bundled_photos):
    photo = bundled_photos[0]
    out = DNBJ.apply(photo, DNBJ.sample(make_rng(2), 4, *photo.shape[:2]))
    assert out.shape == photo.shape and np.abs(out.astype(int) - photo).mean() > 2
