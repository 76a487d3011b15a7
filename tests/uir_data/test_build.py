"""The build pipeline: determinism across workers, resume, refusal, splits, shared GTs, bad inputs."""

import json
from pathlib import Path

import numpy as np
import pytest
from testkit import PIPELINE_TYPES, smooth_photo, write_rgb

from uir_data.build import build_dataset
from uir_data.errors import UsageError
from uir_data.manifest import read_manifest
from uir_data.verify import verify_manifest


def tree_bytes(root: Path) -> dict[str, bytes]:
    """Every output image file under root (lq/ and gt/), by relative path."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for sub in ("lq", "gt")
        for p in sorted((root / sub).rglob("*"))
        if p.is_file()
    }


def build(out, folder, **kwargs):
    kwargs.setdefault("types", PIPELINE_TYPES)
    kwargs.setdefault("workers", 1)
    return build_dataset(out, "demo", sources=(str(folder),), **kwargs)


def test_same_bytes_for_one_and_two_workers(tmp_path, photo_folder):
    one = build(tmp_path / "one", photo_folder, workers=1, pairs_per_task=5)
    two = build(tmp_path / "two", photo_folder, workers=2, pairs_per_task=5)
    assert one.tasks_total > 2
    assert one.pairs_written == two.pairs_written == 6 * len(PIPELINE_TYPES) * 2
    assert tree_bytes(tmp_path / "one") == tree_bytes(tmp_path / "two")
    first = read_manifest(tmp_path / "one").sort_by("sample_id")
    second = read_manifest(tmp_path / "two").sort_by("sample_id")
    assert first.equals(second)


def test_other_seed_gives_other_bytes(tmp_path, photo_folder):
    build(tmp_path / "a", photo_folder, seed=1)
    build(tmp_path / "b", photo_folder, seed=2)
    a, b = tree_bytes(tmp_path / "a"), tree_bytes(tmp_path / "b")
    lq_a = {v for k, v in a.items() if k.startswith("lq/")}
    lq_b = {v for k, v in b.items() if k.startswith("lq/")}
    assert len(lq_a) == len(lq_b) == 6 * len(PIPELINE_TYPES) * 2
    assert lq_a.isdisjoint(lq_b), "a new seed must change every degraded image"
    assert {k: v for k, v in a.items() if k.startswith("gt/")} == {k: v for k, v in b.items() if k.startswith("gt/")}


def test_each_gt_is_stored_once_and_groups_stay_in_one_split(tmp_path, photo_folder):
    build(tmp_path / "d", photo_folder)
    rows = read_manifest(tmp_path / "d").to_pylist()
    gt_files = list((tmp_path / "d" / "gt").rglob("*.png"))
    assert len(gt_files) == 6
    assert len({r["gt_path"] for r in rows}) == 6
    splits_of_group = {}
    for row in rows:
        splits_of_group.setdefault(row["group_id"], set()).add(row["split"])
    assert all(len(s) == 1 for s in splits_of_group.values())
    assert {next(iter(s)) for s in splits_of_group.values()} == {"train", "val", "test"}
    assert all(json.loads(r["params"]) for r in rows)
    assert {r["origin"] for r in rows} == {"generated"}


def test_rerun_resumes_without_redoing_work(tmp_path, photo_folder):
    first = build(tmp_path / "d", photo_folder, pairs_per_task=6)
    before = tree_bytes(tmp_path / "d")
    second = build(tmp_path / "d", photo_folder, pairs_per_task=6)
    assert second.tasks_run == 0 and second.tasks_skipped == first.tasks_total
    assert second.pairs_written == first.pairs_written
    assert tree_bytes(tmp_path / "d") == before


def test_a_resume_with_other_settings_is_refused_naming_the_option(tmp_path, photo_folder):
    build(tmp_path / "d", photo_folder, seed=1, pairs_per_task=5)
    with pytest.raises(UsageError, match=r"other settings: --seed \(this folder: 1; this run: 2\)"):
        build(tmp_path / "d", photo_folder, seed=2)
    with pytest.raises(UsageError, match=r"--types \(this folder: H,RS; this run: H\).*new --out"):
        build(tmp_path / "d", photo_folder, seed=1, types=("H",))
    with pytest.raises(UsageError, match=r"--pairs-per-task \(this folder: 5; this run: 9\)"):
        build(tmp_path / "d", photo_folder, seed=1, pairs_per_task=9)
    with pytest.raises(UsageError, match=r"--limit \(this folder: not given; this run: 3\)"):
        build(tmp_path / "d", photo_folder, seed=1, limit=3)
    (tmp_path / "photos" / "img0.png").unlink()
    with pytest.raises(UsageError, match=r"other settings: the sources \(--source"):
        build(tmp_path / "d", photo_folder, seed=1)


def test_a_rerun_without_pairs_per_task_resumes_with_the_folders_packing(tmp_path, photo_folder):
    first = build(tmp_path / "d", photo_folder, pairs_per_task=5)
    run = json.loads((tmp_path / "d" / "run.json").read_text())
    assert run["options"]["pairs_per_task"] == 5 and run["tasks"] == first.tasks_total
    again = build(tmp_path / "d", photo_folder)
    assert again.tasks_run == 0 and again.tasks_total == first.tasks_total


def test_a_marker_certifies_only_its_own_packing_of_the_plan(tmp_path, photo_folder):
    from uir_data.dataset_root import build_status

    out = tmp_path / "d"
    first = build(out, photo_folder, pairs_per_task=5)
    marker_file = out / "_tasks" / "task-00001.json"
    marker = json.loads(marker_file.read_text())
    assert marker["first_sample"] and marker["last_sample"] and marker["planned"] == 8  # two 4-pair units
    assert marker["packing"] == json.loads((out / "run.json").read_text())["packing_hash"]
    marker["packing"] = "0123456789abcdef"  # a marker left by a build cut into other tasks
    marker_file.write_text(json.dumps(marker))
    status = build_status(out)
    assert status.tasks_done == first.tasks_total - 1 and not status.complete
    resumed = build(out, photo_folder)
    assert resumed.tasks_run == 1 and resumed.complete
    assert read_manifest(out).num_rows == first.pairs_written
    assert len(set(read_manifest(out).column("sample_id").to_pylist())) == first.pairs_written


def test_parts_and_markers_beyond_the_plan_are_removed_so_rows_never_double(tmp_path, photo_folder):
    out = tmp_path / "d"
    first = build(out, photo_folder, pairs_per_task=5)
    stray = out / "manifest" / f"part-{first.tasks_total + 3:05d}.parquet"
    stray.write_bytes((out / "manifest" / "part-00000.parquet").read_bytes())
    (out / "_tasks" / f"task-{first.tasks_total + 3:05d}.json").write_text("{}")
    build(out, photo_folder)
    assert not stray.exists()
    assert read_manifest(out).num_rows == first.pairs_written


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"workers": 0}, "--workers must be at least 1, got 0"),
        ({"workers": -1}, "--workers must be at least 1, got -1"),
        ({"pairs_per_task": 0}, "--pairs-per-task must be at least 1, got 0"),
        ({"pairs_per_task": -5}, "--pairs-per-task must be at least 1, got -5"),
        ({"types": ()}, "--types names no type"),
        ({"max_pixels": 0}, "--max-pixels must be at least 1, got 0"),
    ],
)
def test_impossible_options_are_refused_before_anything_is_written(tmp_path, photo_folder, options, message):
    with pytest.raises(UsageError, match=message):
        build(tmp_path / "d", photo_folder, **options)
    assert not (tmp_path / "d").exists()


def test_out_that_is_a_file_is_refused_in_one_sentence(tmp_path, photo_folder):
    (tmp_path / "file").write_text("x")
    with pytest.raises(UsageError, match="is a file, not a folder"):
        build(tmp_path / "file", photo_folder)
    with pytest.raises(UsageError, match="a parent of this path is a file"):
        build(tmp_path / "file" / "d", photo_folder)


def test_a_foreign_non_empty_folder_is_refused(tmp_path, photo_folder):
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not a uir build folder"):
        build(tmp_path / "d", photo_folder)


def test_limit_keeps_the_first_pairs_of_the_plan(tmp_path, photo_folder):
    summary = build(tmp_path / "d", photo_folder, limit=5)
    assert summary.pairs_written == 5
    assert read_manifest(tmp_path / "d").num_rows == 5


def test_bad_inputs_are_skipped_with_reasons_and_the_rest_builds(tmp_path):
    folder = tmp_path / "mixed"
    write_rgb(folder / "good.png", smooth_photo(0, 64, 80))
    (folder / "empty.png").write_bytes(b"")
    (folder / "text.jpg").write_bytes(b"hello, not a jpeg")
    good = (folder / "good.png").read_bytes()
    (folder / "cut.png").write_bytes(good[: len(good) // 3])
    write_rgb(folder / "tiny.png", smooth_photo(1, 8, 8))
    summary = build(tmp_path / "d", folder)
    reasons = {Path(r["file"]).name: r["reason"] for r in summary.rejected}
    assert set(reasons) == {"empty.png", "text.jpg", "cut.png", "tiny.png"}
    assert "empty" in reasons["empty.png"] and "not an image" in reasons["text.jpg"]
    assert "truncated" in reasons["cut.png"] and "smaller" in reasons["tiny.png"]
    lines = (tmp_path / "d" / "rejected.jsonl").read_text().splitlines()
    assert len(lines) == 4
    assert summary.pairs_written == len(PIPELINE_TYPES) * 2
    assert verify_manifest(tmp_path / "d").ok


def test_array_job_mode_completes_when_every_index_ran(tmp_path, photo_folder):
    out = tmp_path / "d"
    partial = build(out, photo_folder, pairs_per_task=4, task_index=0, num_tasks=2)
    assert not partial.complete and not (out / "rejected.jsonl").exists()
    done = build(out, photo_folder, pairs_per_task=4, task_index=1, num_tasks=2)
    assert done.complete
    reference = build(tmp_path / "ref", photo_folder, pairs_per_task=4)
    assert tree_bytes(out) == tree_bytes(tmp_path / "ref")
    assert done.pairs_written == reference.pairs_written


def test_params_replay_the_stored_pair(tmp_path, photo_folder):
    from uir_data.degrade.registry import get_degradation
    from uir_data.image_io import decode_rgb

    build(tmp_path / "d", photo_folder)
    row = read_manifest(tmp_path / "d").to_pylist()[0]
    gt = decode_rgb((tmp_path / "d" / row["gt_path"]).read_bytes())
    lq = decode_rgb((tmp_path / "d" / row["lq_path"]).read_bytes())
    replay = get_degradation(row["degradation"]).apply(gt, json.loads(row["params"]))
    assert np.array_equal(replay, lq)


def test_sweep_recipe_covers_every_type_and_level_once_per_image(tmp_path):
    from uir_data.degrade.registry import get_degradation
    from uir_data.taxonomy import ABBREVS

    folder = tmp_path / "two"
    for index in range(2):
        write_rgb(folder / f"p{index}.png", smooth_photo(index, 48, 64))
    summary = build_dataset(tmp_path / "sweep", "sweep", sources=(str(folder),), workers=2)
    rows = read_manifest(tmp_path / "sweep").to_pylist()
    expected = {(a, level) for a in ABBREVS for level in range(len(get_degradation(a).levels))}
    assert len(expected) >= 200
    for source in ("p0.png", "p1.png"):
        covered = [(r["degradation"], r["level"]) for r in rows if r["source_path"] == source]
        assert sorted(covered) == sorted(expected)
    assert summary.pairs_written == 2 * len(expected)
    assert verify_manifest(tmp_path / "sweep").ok


def hold_lock_in_another_process(out: Path, *args: int):
    """A real second process holding the root's build lock (as a running build would) until killed."""
    import subprocess
    import sys

    code = (
        "import sys, time; from uir_data.build_lock import build_lock\n"
        f"with build_lock(__import__('pathlib').Path({str(out)!r}), *{args!r}):\n"
        "    print('held', flush=True); time.sleep(60)\n"
    )
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_second_build_into_the_same_folder_is_refused_and_a_killed_holder_leaves_no_stale_lock(
    tmp_path, photo_folder
):
    import signal

    from uir_data.build_lock import BuildLockedError

    out = tmp_path / "d"
    build(out, photo_folder, limit=4)
    holder = hold_lock_in_another_process(out)
    try:
        with pytest.raises(BuildLockedError, match=rf"is being built by another uir process \(pid {holder.pid}\)"):
            build(out, photo_folder, limit=4)
        with pytest.raises(BuildLockedError, match="another uir process"):  # array jobs wait for no plain build
            build(out, photo_folder, limit=4, task_index=0, num_tasks=2)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert build(out, photo_folder, limit=4).complete  # the kernel dropped the dead holder's lock


def test_array_jobs_share_the_root_but_each_index_runs_once(tmp_path, photo_folder):
    import signal

    from uir_data.build_lock import BuildLockedError

    out = tmp_path / "d"
    out.mkdir()
    holder = hold_lock_in_another_process(out, 0, 2)
    try:
        partial = build(out, photo_folder, pairs_per_task=4, task_index=1, num_tasks=2)
        assert partial.tasks_run > 0 and not partial.complete
        with pytest.raises(BuildLockedError, match="--task-index 0 --num-tasks 2 is already running"):
            build(out, photo_folder, pairs_per_task=4, task_index=0, num_tasks=2)
        with pytest.raises(BuildLockedError, match="another uir process"):
            build(out, photo_folder, pairs_per_task=4)
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert build(out, photo_folder, pairs_per_task=4, task_index=0, num_tasks=2).complete


def test_a_source_override_the_recipe_never_reads_is_refused_naming_the_recipes_that_do(tmp_path, photo_folder):
    sidd = tmp_path / "SIDD"
    sidd.mkdir()
    with pytest.raises(UsageError, match=r"--source SIDD=...: recipe 'demo' does not read dataset SIDD.*recipes that use it: 12d, uir-2\.5m"):
        build_dataset(tmp_path / "d", "demo", sources=(str(photo_folder), f"SIDD={sidd}"))
    assert not (tmp_path / "d").exists()


def test_names_that_slug_alike_stay_distinct_samples_with_their_own_pixels(tmp_path):
    import os

    from uir_data.image_io import decode_rgb, encode_png

    folder = tmp_path / "hostile"
    names = [
        "a b.png", "a_b.png", "a.b.png", "A.png", "a.png",  # spaces, dots, case
        "ä.png", "ö.png", "\u0430.png",  # unicode, and a Cyrillic look-alike of 'a.png'
        "\u00e9.png", "e\u0301.png",  # NFC and NFD spellings of 'é.png': two files on Linux
    ]  # fmt: skip
    pixels = {}
    for index, name in enumerate(names):
        pixels[name] = smooth_photo(100 + index, 40, 48)
        write_rgb(folder / name, pixels[name])
    pixels["caf%E9.png"] = smooth_photo(99, 40, 48)
    with open(os.fsencode(folder) + b"/caf\xe9.png", "wb") as latin1:  # not a UTF-8 file name
        latin1.write(encode_png(pixels["caf%E9.png"]))

    summary = build(tmp_path / "d", folder, types=("H",))
    assert summary.rejected == []
    rows = read_manifest(tmp_path / "d").to_pylist()
    assert len(rows) == len(pixels) * 2 and len({r["sample_id"] for r in rows}) == len(rows)
    assert {r["source_path"] for r in rows} == set(pixels)
    assert len({r["gt_path"] for r in rows}) == len(pixels) == len(list((tmp_path / "d" / "gt").rglob("*.png")))
    for row in rows:
        gt = decode_rgb((tmp_path / "d" / row["gt_path"]).read_bytes())
        assert np.array_equal(gt, pixels[row["source_path"]]), row["source_path"]
    assert verify_manifest(tmp_path / "d").ok


def test_a_paired_file_with_a_non_utf8_name_is_rejected_by_name_and_the_build_goes_on(tmp_path):
    import os

    import miniature_trees as trees

    root = trees.make_sources_root(tmp_path / "downloads", ("LOL-v1",))
    lol = next(p for p in root.rglob("*") if p.is_dir() and p.name == "low")
    victim = sorted(lol.glob("*.png"))[0]
    gt_twin = victim.parent.parent / "high" / victim.name
    bad_name = os.fsencode(victim.stem) + b"\xff.png"
    victim.rename(victim.parent / os.fsdecode(bad_name))
    gt_twin.rename(gt_twin.parent / os.fsdecode(bad_name))
    summary = build_dataset(tmp_path / "d", "5d", sources_root=root, types=("LL",), workers=1, allow_missing=True)
    named = [r for r in summary.rejected if "%FF" in r["file"]]
    assert named and "not valid UTF-8" in named[0]["reason"]
    assert summary.pairs_written > 0 and verify_manifest(tmp_path / "d").ok
    assert "%FF" in (tmp_path / "d" / "rejected.jsonl").read_text()


def test_max_pixels_skips_larger_sources_into_rejected_and_is_part_of_the_run_record(tmp_path, photo_folder):
    summary = build(tmp_path / "d", photo_folder, max_pixels=72 * 96)  # only img0 (72x96) fits
    assert {r["source_path"] for r in read_manifest(tmp_path / "d").to_pylist()} == {"img0.png"}
    assert len(summary.rejected) == 5
    assert all("pixels exceeds the limit of 6912" in r["reason"] for r in summary.rejected)
    assert json.loads((tmp_path / "d" / "run.json").read_text())["options"]["max_pixels"] == 6912
    with pytest.raises(UsageError, match=r"--max-pixels \(this folder: 6912; this run: 40000000\)"):
        build(tmp_path / "d", photo_folder)


def test_an_array_job_with_other_options_than_its_siblings_is_refused(tmp_path, photo_folder):
    build(tmp_path / "d", photo_folder, pairs_per_task=4, task_index=0, num_tasks=2)
    with pytest.raises(UsageError, match=r"--pairs-per-task \(this folder: 4; this run: 9\)"):
        build(tmp_path / "d", photo_folder, pairs_per_task=9, task_index=1, num_tasks=2)
    with pytest.raises(UsageError, match=r"--seed \(this folder: 0; this run: 3\)"):
        build(tmp_path / "d", photo_folder, seed=3, task_index=1, num_tasks=2)


def _fingerprint_by_asdict(units) -> str:
    """The plan hash as it was first written (dataclasses.asdict): folders built then must still resume."""
    import dataclasses
    import hashlib

    from uir_data.plan import _file_size

    digest = hashlib.sha256()
    for unit in units:
        record = dataclasses.asdict(unit)
        record["gt_size"] = _file_size(unit.gt_file)
        record.pop("gt_file")
        for sample in record["samples"]:
            if sample["lq_file"]:
                sample["lq_size"] = _file_size(sample["lq_file"])
            sample.pop("lq_file")
        digest.update(json.dumps(record, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def test_the_fast_plan_hash_equals_the_asdict_one_and_covers_every_field(tmp_path, photo_folder):
    import dataclasses

    from uir_data.build import make_plan
    from uir_data.plan import SampleSpec, Unit, _unit_json, _unit_record, fingerprint
    from uir_data.recipe import load_recipe

    recipe = load_recipe("demo").with_overrides(types=PIPELINE_TYPES, sources=(f"folder:{photo_folder}",))
    units = [unit for task in make_plan(recipe).plan.tasks for unit in task.units]
    lq = tmp_path / "lq.png"
    lq.write_bytes(b"12345")
    paired = Unit(
        "paired", str(photo_folder / "img0.png"), "gt/x/a.png", "X", "a.png", "g", "MIT", "train",
        (SampleSpec("x--a", "MB", None, 0, "lq/MB/x/a.png", "paired-real", "a.png", str(lq), {"k": [1, 2]}),),
        box=(0, 0, 8, 8),
    )  # fmt: skip
    units.append(paired)
    tiled = Unit(
        "synthetic", "/nowhere/ä b.png", "gt/y/ä.png", "Y", "ä b.png", "g\"q", "CC-BY", "val",
        (SampleSpec("y--ä", "GN", 3, 1, "lq/GN/y/ä.png", "generated", "ä b.png"),), box=(16, 0, 480, 480),
    )  # fmt: skip
    units.append(tiled)
    assert fingerprint(units) == _fingerprint_by_asdict(units)
    assert all(_unit_json(u) == json.dumps(_unit_record(u), sort_keys=True) for u in units)
    record = _unit_record(paired)
    assert set(record) == {f.name for f in dataclasses.fields(Unit)} - {"gt_file"} | {"gt_size"}
    assert set(record["samples"][0]) == {f.name for f in dataclasses.fields(SampleSpec)} - {"lq_file"} | {"lq_size"}


def test_seeding_from_a_uint32_array_equals_seeding_from_the_list_of_words():
    """make_rng and sample_seed hand SeedSequence an array (faster): every draw must stay what the list gave."""
    import random

    from uir_data.seeding import _text_words, make_rng, sample_seed

    chooser = random.Random(14)
    for _ in range(300):
        seed = chooser.choice([0, 1, 2**32 - 1, 2**32, chooser.getrandbits(63)])
        keys = chooser.choice([("levels", f"g/{chooser.getrandbits(40)}", "GN"), (3, "op", 0), ()])
        words = [seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF]
        for key in keys:
            words.extend(_text_words(key) if isinstance(key, str) else [key & 0xFFFFFFFF])
        listed = np.random.Generator(np.random.PCG64(np.random.SeedSequence(words)))
        assert (make_rng(seed, *keys).integers(0, 2**62, size=3) == listed.integers(0, 2**62, size=3)).all()
        sample_id = f"d--s{chooser.getrandbits(20)}"
        listed_seed = np.random.SeedSequence([seed & 0xFFFFFFFF, *_text_words(sample_id)])
        assert sample_seed(seed, sample_id) == int(listed_seed.generate_state(2, dtype=np.uint64)[0] >> np.uint64(1))


def test_a_flat_image_no_level_changes_is_rejected_per_pair_and_the_build_completes(tmp_path):
    folder = tmp_path / "photos"
    write_rgb(folder / "textured.png", smooth_photo(1, 64, 80))
    write_rgb(folder / "flat.png", np.full((64, 80, 3), 128, np.uint8))  # any blur of a flat field is the field
    summary = build_dataset(tmp_path / "out", "demo", sources=(str(folder),), types=("GB",), workers=1)
    assert summary.complete
    rows = read_manifest(tmp_path / "out").to_pylist()
    assert rows and all("flat" not in row["source_path"] for row in rows)
    lost = [r for r in summary.rejected if "flat.png" in r["file"]]
    assert len(lost) == 2 and all("leaves this 80x64 image unchanged" in r["reason"] and r["pairs_lost"] == "1"
                                  for r in lost)
    assert verify_manifest(tmp_path / "out").ok
