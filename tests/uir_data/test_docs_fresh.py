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
