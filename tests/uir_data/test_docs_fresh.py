"""docs/degradations.md is generated from the code; this fails when someone forgets `make docs`."""

from pathlib import Path

from uir_data.catalog_doc import catalogue, catalogue_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "degradations.md"


def test_generated_catalogue_is_committed_and_current():
    assert DOC.read_text(encoding="utf-8") == catalogue_markdown(), "docs/degradations.md is stale: run `make docs`"


def test_catalogue_has_nineteen_types_and_at_least_two_hundred_levels():
    records = catalogue()
    assert len(records) == 19 and all(r["implemented"] for r in records)
    assert sum(r["levels"] for r in records) >= 200


def test_level_catalogue_names_the_benchmark_each_level_matches():
    records = {r["abbrev"]: r for r in catalogue(with_levels=True)}
    assert all(r["algorithm_version"] >= 1 for r in records.values())
    low_light = [level for level in records["LL"]["level_grid"] if level["matches"]]
    assert len(low_light) == 1 and low_light[0]["matches"][0].startswith("LOL-v1")
    jpeg = {level["name"]: level["matches"] for level in records["J"]["level_grid"]}
    assert jpeg["q50"] and not jpeg["q30"]
    doc = DOC.read_text(encoding="utf-8")
    assert "## Calibration against the real datasets" in doc and "| LL | LOL-v1 eval15 | 7.77 |" in doc
