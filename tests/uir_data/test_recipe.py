import pytest

from uir_data.build import build_dataset
from uir_data.errors import UsageError
from uir_data.manifest import read_manifest
from uir_data.recipe import RecipeError, bundled_recipe_names, load_recipe


def test_every_bundled_recipe_loads_by_name():
    names = bundled_recipe_names()
    assert {"demo", "sweep", "5d", "12d", "uir-2.5m"} <= set(names)
    for name in names:
        assert load_recipe(name).name == name


def test_uir_2_5m_targets_sum_to_the_paper_total():
    recipe = load_recipe("uir-2.5m")
    total = sum(b.target_count for b in recipe.synthetic) + sum(b.target_count for b in recipe.paired)
    assert total == 2_482_988  # research/paper.md §3.1


def test_5d_pins_gaussian_sigma_15_25_50_and_records_repeat_factors():
    recipe = load_recipe("5d")
    assert recipe.synthetic[0].level_names == ("gaussian-s15", "gaussian-s25", "gaussian-s50")
    assert recipe.repeat_factors == {"H": 1, "RS": 300, "GN": 5, "MB": 5, "LL": 60}  # GN: x15 per image / 3 sigmas


def test_named_levels_build_exactly_those_levels(tmp_path, photo_folder):
    path = tmp_path / "pinned.toml"
    path.write_text('name = "pinned"\n[[synthetic]]\ntypes = ["J"]\nlevels = ["q50", "q10"]\n')
    build_dataset(tmp_path / "d", str(path), sources=(str(photo_folder),), workers=1)
    levels = sorted(set(read_manifest(tmp_path / "d").column("level").to_pylist()))
    assert levels == [5, 10]


def test_unknown_level_name_is_refused(tmp_path, photo_folder):
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\n[[synthetic]]\ntypes = ["J"]\nlevels = ["q51"]\n')
    with pytest.raises(UsageError, match=r"levels \['q51'\] that type J does not have"):
        build_dataset(tmp_path / "d", str(path), sources=(str(photo_folder),), workers=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\ncolour = 1\n', "unknown recipe keys \\['colour'\\]"),
        ('name = "x"\n[splits]\ntrain = 0.5\n', "summing to 1"),
        ('name = "x"\n[[synthetic]]\nlevels = "most"\n', "levels must be one of"),
        ('name = "x"\n[[paired]]\ntypes = ["RS"]\n', "needs a dataset name"),
        ("name = = 1", "not valid TOML"),
        ('name = "x"\n[image]\ntile_size = -480\n', "tile_size must be a whole number of pixels >= 0, got -480"),
        ('name = "x"\n[image]\ntile_size = 16\n', "tile_size 16 is below min_side"),
        ('name = "x"\n[image]\ntile = 480\n', "unknown \\[image\\] keys \\['tile'\\]"),
    ],
)
def test_malformed_recipes_name_the_file_and_field(tmp_path, text, message):
    path = tmp_path / "r.toml"
    path.write_text(text)
    with pytest.raises(RecipeError, match=message) as caught:
        load_recipe(str(path))
    assert str(path) in str(caught.value)


def test_unknown_bundled_name_lists_the_bundled_recipes():
    with pytest.raises(RecipeError, match="bundled recipes: 12d, 5d, demo"):
        load_recipe("nonsense")


def _tiled_build(tmp_path, image_table: str):
    import numpy as np
    from testkit import smooth_photo, write_rgb

    folder = tmp_path / "big"
    source = smooth_photo(7, 100, 150)
    write_rgb(folder / "wide.png", source)
    recipe = tmp_path / "tiled.toml"
    recipe.write_text(f'name = "tiled"\n[splits]\ntrain = 1.0\n[image]\n{image_table}\n[[synthetic]]\ntypes = ["GB", "J"]\n')
    summary = build_dataset(tmp_path / "d", str(recipe), sources=(str(folder),), workers=1)
    return np.asarray(source), summary, read_manifest(tmp_path / "d").to_pylist()


def test_tiles_cut_as_basicsr_does_and_each_gt_is_its_tile_replayable_from_params(tmp_path):
    import json

    import numpy as np

    from uir_data.degrade.registry import get_degradation
    from uir_data.image_io import decode_rgb
    from uir_data.verify import verify_manifest

    source, summary, rows = _tiled_build(tmp_path, "tile_size = 64\ntile_step = 32")
    # 100 px: starts 0, 32 and 36 (flush with the edge); 150 px: 0, 32, 64 and 86 -> 12 tiles of 64x64
    boxes = {tuple(json.loads(row["params"])["source_box"]) for row in rows}
    assert boxes == {(left, top, 64, 64) for top in (0, 32, 36) for left in (0, 32, 64, 86)}
    assert summary.pairs_written == 12 * 2 and len({row["gt_path"] for row in rows}) == 12
    for row in rows:
        left, top, width, height = json.loads(row["params"])["source_box"]
        gt = decode_rgb((tmp_path / "d" / row["gt_path"]).read_bytes())
        assert (row["height"], row["width"]) == (64, 64)
        assert np.array_equal(gt, source[top : top + height, left : left + width])
        lq = decode_rgb((tmp_path / "d" / row["lq_path"]).read_bytes())
        replay = get_degradation(row["degradation"]).apply(gt, json.loads(row["params"]))
        assert np.array_equal(replay, lq)
    assert {row["group_id"] for row in rows} == {rows[0]["group_id"]}  # all tiles of a photo share a split
    assert verify_manifest(tmp_path / "d").ok


def test_short_side_downscales_before_cutting(tmp_path):
    import json

    _, _, rows = _tiled_build(tmp_path, "short_side = 50\ntile_size = 64")
    assert {tuple(json.loads(r["params"])["source_box"]) for r in rows} == {(0, 0, 64, 50), (11, 0, 64, 50)}
    assert {tuple(json.loads(r["params"])["source_scaled_to"]) for r in rows} == {(50, 75)}
