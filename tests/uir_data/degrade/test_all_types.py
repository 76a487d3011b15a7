"""Generic checks over every implemented degradation type and every level (covers types as they land)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from uir_data.degrade.base import AlgorithmVersionError, NearIdentityError, is_near_identity, pair_psnr
from uir_data.degrade.color import to_float
from uir_data.degrade.registry import get_degradation, implemented_types
from uir_data.seeding import make_rng

TYPES = implemented_types()


def test_registry_lists_this_engineers_types():
    assert {"GN", "RN", "MB", "DB", "GB", "J", "MS", "LL", "BJ", "BLN", "DNBJ"} <= set(TYPES)


@pytest.mark.parametrize("abbrev", TYPES)
def test_levels_are_documented(abbrev):
    degradation = get_degradation(abbrev)
    assert degradation.abbrev == abbrev and len(degradation.levels) >= 5
    names = [level.name for level in degradation.levels]
    assert len(set(names)) == len(names), "level names must be unique"
    json.dumps([level.params for level in degradation.levels])  # documented params are plain data
    covered = {i for run in degradation.severity_runs() for i in run}
    assert covered <= set(range(len(degradation.levels)))
    for a, b in degradation.monotone_exceptions:
        assert any(a in run and b in run for run in degradation.severity_runs()), (a, b)


@pytest.mark.parametrize("abbrev", TYPES)
def test_every_level_keeps_size_and_dtype(abbrev, odd_photo, tiny_photo):
    degradation = get_degradation(abbrev)
    for level in range(len(degradation.levels)):
        for image in (odd_photo, tiny_photo):
            params = degradation.sample(make_rng(11, abbrev, level), level, *image.shape[:2])
            out = degradation.apply(image, params)
            assert out.dtype == np.uint8 and out.shape == image.shape, (level, image.shape)
        raw = degradation.apply_float(to_float(tiny_photo), params)
        assert raw.dtype == np.float32 and np.isfinite(raw).all(), level


@pytest.mark.parametrize("abbrev", TYPES)
def test_seeded_replay_is_exact(abbrev, bundled_photos):
    degradation = get_degradation(abbrev)
    image = bundled_photos[1][:96, :128]
    night = (image // 8).astype(np.uint8)
    night[40:44, 60:64] = 255  # a lamp
    changed_params, changed_bytes = 0, 0
    for level in range(len(degradation.levels)):
        params = degradation.sample(make_rng(5, level), level, *image.shape[:2])
        again = degradation.sample(make_rng(5, level), level, *image.shape[:2])
        other = degradation.sample(make_rng(6, level), level, *image.shape[:2])
        assert params == again
        first = degradation.apply(image, params)
        # A manifest row stores params as JSON: replaying from the text must give the same bytes.
        replayed = degradation.apply(image, json.loads(json.dumps(params)))
        assert first.tobytes() == degradation.apply(image, again).tobytes() == replayed.tobytes(), level
        other_out = degradation.apply(image, other)
        # Some random choices only act on some content (light sources exist only in night scenes).
        differs = other_out.tobytes() != first.tobytes() or (
            degradation.apply(night, other).tobytes() != degradation.apply(night, params).tobytes()
        )
        if '"seed"' in json.dumps(params):  # a noise field: another seed must change the pixels
            assert differs, f"{abbrev} level {level}: another seed gave the same bytes"
        elif other == params:  # a level without randomness must be a pure function of the image
            assert not differs, f"{abbrev} level {level}: same params, different bytes"
        else:  # other angles / offsets; a near-identity kernel may legitimately give the same bytes
            changed_params += 1
            changed_bytes += differs
    assert changed_bytes > 0 or changed_params == 0, f"{abbrev}: no level reacts to its random params"


@pytest.mark.parametrize("abbrev", TYPES)
def test_severity_is_monotone(abbrev, bundled_photos, psnr_db):
    degradation = get_degradation(abbrev)
    mean_psnr = []
    for level in range(len(degradation.levels)):
        # Same generator state at every level (common random numbers): only the level changes.
        scores = [
            psnr_db(
                degradation.apply(photo, degradation.sample(make_rng(2024, index), level, *photo.shape[:2])),
                photo,
            )
            for index, photo in enumerate(bundled_photos)
        ]
        mean_psnr.append(float(np.mean(scores)))
    broken = [
        (a, b, round(mean_psnr[a], 3), round(mean_psnr[b], 3))
        for run in degradation.severity_runs()
        for a, b in zip(run, run[1:], strict=False)
        if mean_psnr[b] > mean_psnr[a] + 1e-9 and (a, b) not in degradation.monotone_exceptions
    ]
    assert not broken, f"{abbrev}: PSNR rises along a severity run: {broken}"
    assert mean_psnr[max(range(len(mean_psnr)), key=lambda i: -mean_psnr[i])] < 40, "strongest level too weak"


@pytest.mark.parametrize("abbrev", TYPES)
def test_params_record_the_algorithm_version_and_another_version_is_refused(abbrev, tiny_photo):
    degradation = get_degradation(abbrev)
    params = degradation.sample(make_rng(3), 0, *tiny_photo.shape[:2])
    assert params["algorithm_version"] == degradation.algorithm_version >= 1
    stale = {**params, "algorithm_version": degradation.algorithm_version + 1}
    with pytest.raises(AlgorithmVersionError, match=f"{abbrev} params were made by algorithm version"):
        degradation.apply(tiny_photo, stale)
    if degradation.algorithm_version > 1:  # rows written before versions existed were made by version 1
        unversioned = {key: value for key, value in params.items() if key != "algorithm_version"}
        with pytest.raises(AlgorithmVersionError, match="this engine runs version"):
            degradation.apply(tiny_photo, unversioned)


@pytest.mark.parametrize("abbrev", TYPES)
def test_no_level_gives_a_near_identity_pair(abbrev, small_and_medium_photos):
    # Levels are in pixels of the image as degraded: even the mildest must visibly change a 96x80 or a
    # 321 px photo (version 1 scaled kernels down to nothing on small images).
    degradation = get_degradation(abbrev)
    outputs: list[set[bytes]] = [set() for _ in small_and_medium_photos]
    for level, spec in enumerate(degradation.levels):
        for index, photo in enumerate(small_and_medium_photos):
            params = degradation.sample(make_rng(17, level), level, *photo.shape[:2])
            lq = degradation.apply(photo, params)
            assert not is_near_identity(lq, photo), (spec.name, photo.shape, round(pair_psnr(lq, photo), 1))
            outputs[index].add(lq.tobytes())
    # Two levels giving the same bytes (version 1: sinc-0.8pi == sinc-0.65pi on BSD-size images) are one level.
    assert [len(seen) for seen in outputs] == [len(degradation.levels)] * len(outputs)


def test_near_identity_is_refused_after_the_allowed_draws():
    flat = np.full((40, 48, 3), 128, dtype=np.uint8)
    blur = get_degradation("GB")
    with pytest.raises(NearIdentityError, match=r"GB level iso-s0.5 leaves this 48x40 image unchanged"):
        blur.degrade(flat, make_rng(0), 0)
    photo_like = np.random.default_rng(0).integers(0, 256, (40, 48, 3), dtype=np.uint8)
    params, lq = blur.degrade(photo_like, make_rng(0), 0)
    assert np.array_equal(lq, blur.apply(photo_like, params)) and not is_near_identity(lq, photo_like)


def test_near_identity_thresholds():
    gt = np.full((10, 10, 3), 100, dtype=np.uint8)
    one_step = gt.copy()
    one_step[::2] += 1
    assert is_near_identity(one_step, gt)  # nothing moved by more than one 8-bit step
    spike = gt.copy()
    spike[0, 0, 0] = 200
    assert not is_near_identity(spike, gt)  # 100 DN at one of 300 values: 34.7 dB, a visible defect
    large = np.full((200, 200, 3), 100, dtype=np.uint8)
    speck = large.copy()
    speck[0, 0, 0] = 103
    assert is_near_identity(speck, large)  # one value off by 3 DN in 120,000: 89 dB
