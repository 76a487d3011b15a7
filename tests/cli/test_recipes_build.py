"""The 5d and uir-2.5m recipes build from a folder of miniature published datasets, and verify clean."""

from __future__ import annotations

import json
from pathlib import Path

import miniature_trees as trees
import pyarrow.parquet as pq
import pytest

from uir_data.manifest import read_manifest
from uir_data.recipe import RECIPES_DIR, load_recipe


@pytest.fixture(scope="module")
def sources_root(tmp_path_factory) -> Path:
    return trees.make_sources_root(tmp_path_factory.mktemp("downloads"))


def _build_and_verify(run_cli, capsys, recipe: str, sources_root: Path, out: Path) -> dict:
    code = run_cli(
        "build-dataset",
        "--recipe",
        recipe,
        "--sources-root",
        sources_root,
        "--out",
        out,
        "--workers",
        "1",
        "--json",
    )
    assert code == 0, capsys.readouterr().err
    summary = json.loads(capsys.readouterr().out)
    assert run_cli("verify-manifest", out, "--json") == 0, capsys.readouterr().out
    assert json.loads(capsys.readouterr().out)["ok"]
    return summary


def test_5d_builds_from_miniature_sources(tmp_path, sources_root, run_cli, capsys):
    _build_and_verify(run_cli, capsys, "5d", sources_root, tmp_path / "5d")
    table = read_manifest(tmp_path / "5d")
    rows = table.select(["degradation", "split", "source_dataset", "origin"]).to_pylist()
    assert {row["degradation"] for row in rows} == {"H", "RS", "GN", "MB", "LL"}
    by_dataset = {(row["source_dataset"], row["split"]) for row in rows}
    assert {("Rain200L", "train"), ("Rain100L", "test"), ("RESIDE-OTS", "train"), ("SOTS-outdoor", "test"),
            ("GoPro", "train"), ("GoPro", "test"), ("LOL-v1", "train"), ("LOL-v1", "test"),
            ("BSD400", "train"), ("WED", "train"), ("BSD68", "test")} == by_dataset  # fmt: skip
    lol = [row for row in rows if row["source_dataset"] == "LOL-v1"]
    assert {row["origin"] for row in lol} == {"paired-real"}


def test_uir_2_5m_builds_every_type_from_miniature_sources(tmp_path, sources_root, run_cli, capsys):
    recipe = str(RECIPES_DIR / "uir-2.5m.toml")
    _build_and_verify(run_cli, capsys, recipe, sources_root, tmp_path / "u")
    table = read_manifest(tmp_path / "u")
    types = set(table.column("degradation").to_pylist())
    assert len(types) == 19
    paired = [r for r in table.select(["origin", "split"]).to_pylist() if r["origin"] != "generated"]
    assert paired and {r["split"] for r in paired} == {"train"}  # the corpus takes training splits only


def test_recipes_name_known_datasets_and_the_paper_repeat_factors():
    from uir_data.sources.catalog import get_adapter

    for name in ("5d", "12d", "uir-2.5m"):
        recipe = load_recipe(str(RECIPES_DIR / f"{name}.toml"))
        for block in recipe.paired:
            get_adapter(block.dataset)
        for block in recipe.synthetic:
            for source in block.sources:
                get_adapter(source)
    assert load_recipe("5d").repeat_factors == {"H": 1, "RS": 300, "GN": 5, "MB": 5, "LL": 60}
    twelve = load_recipe("12d")
    assert len(twelve.repeat_factors) == 13 and "RSD" not in twelve.repeat_factors
    full = load_recipe(str(RECIPES_DIR / "uir-2.5m.toml"))
    total = sum(b.target_count for b in full.synthetic) + sum(b.target_count for b in full.paired)
    assert total == 2_482_988  # the paper's UIR-2.5M total, block by block


def test_manifest_metadata_names_the_recipe(tmp_path, sources_root, run_cli, capsys):
    assert run_cli("build-dataset", "--recipe", "5d", "--sources-root", sources_root, "--out", tmp_path / "m",
                   "--types", "LL", "--workers", "1") == 0  # fmt: skip
    part = next((tmp_path / "m" / "manifest").glob("part-*.parquet"))
    assert pq.read_schema(part).metadata[b"uir.recipe_name"] == b"5d"
