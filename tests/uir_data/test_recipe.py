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
