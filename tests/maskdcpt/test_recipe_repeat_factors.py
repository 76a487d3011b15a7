"""Per-class repeat factors recorded by a dataset's recipe reach training unless the config names its own."""

from maskdcpt.train import resolve_run_config
from uir_data.build import build_dataset


def test_recipe_repeat_factors_are_used_unless_the_config_sets_them(tmp_path, photo_folder):
    recipe = tmp_path / "r.toml"
    recipe.write_text(
        'name = "r"\n[[synthetic]]\ntypes = ["H", "RS"]\n[training]\nrepeat_factors = { RS = 300, H = 1 }\n'
    )
    root = tmp_path / "data"
    build_dataset(root, str(recipe), sources=(str(photo_folder),), workers=1)

    config = resolve_run_config(tmp_path / "run", preset="tiny-cpu", manifests=[root])
    assert config.data.repeat_factors == {"RS": 300, "H": 1}

    explicit = resolve_run_config(tmp_path / "run2", preset="tiny-cpu", manifests=[root],
                                  overrides=["data.repeat_factors={GN=2}"])
    assert explicit.data.repeat_factors == {"GN": 2}
