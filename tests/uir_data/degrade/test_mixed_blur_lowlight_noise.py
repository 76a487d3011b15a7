"""BLN: recorded op chain and night-blur light streaks that stay saturated."""

from __future__ import annotations

from uir_data.degrade.registry import get_degradation
from uir_data.seeding import make_rng

BLN = get_degradation("BLN")


def test_ops_are_recorded_in_order():
    params = BLN.sample(make_rng(0), 4, 128, 128)
    assert [op["op"] for op in params["ops"]] == ["MB", "LL", "GN"]
    assert params["ops"][1]["exposure"] == 1 / 32 and "seed" in params["ops"][2]


def test_lamp_leaves_a_saturated_streak_in_a_dark_frame(make_flat):
    image = make_flat(64, 64, 0.2)  # a night scene
    image[30:34, 30:34] = 1.0
    params = BLN.sample(make_rng(1), 7, 512, 512)  # L 27 px, exposure 1/32
    params["ops"][0].update(kernel="linear", angle_deg=0.0, length_px=21.0, highlight_gain=2 * 32)
    out = BLN.apply_float(image, params)
    assert out[5:20, 5:20].mean() < 0.15  # the scene is dark
    background = out[5:20, 5:20].mean()
    streak = out[30:34, 18:46].mean(axis=(0, 2))
    # The 4 px lamp, kept above full well through the exposure cut, smears into a long bright streak.
    assert (streak > 3 * background).sum() >= 18
