import pytest

from uir_data.degrade.registry import MODULES
from uir_data.taxonomy import (
    ABBREVS,
    MIXED_ABBREVS,
    SINGLE_ABBREVS,
    TYPES,
    UnknownDegradationError,
    get_type,
    parse_type_list,
)


def test_nineteen_types_with_stable_labels():
    assert len(TYPES) == 19
    assert [t.label for t in TYPES] == list(range(19))
    # Labels are a published contract: these exact pairs must never change.
    assert {t.abbrev: t.label for t in TYPES}["GN"] == 0
    assert {t.abbrev: t.label for t in TYPES}["MR"] == 13
    assert {t.abbrev: t.label for t in TYPES}["DNBJ"] == 18
    assert len(SINGLE_ABBREVS) == 14 and len(MIXED_ABBREVS) == 5


def test_mixed_types_are_made_of_single_types():
    for abbrev in MIXED_ABBREVS:
        components = get_type(abbrev).components
        assert len(components) >= 2
        # every component is a single type, except downsampling which has no class of its own
        assert all(c in SINGLE_ABBREVS or c == "DS" for c in components)


def test_lookup_is_case_insensitive_and_errors_list_the_vocabulary():
    assert get_type("rsd").abbrev == "RSD"
    with pytest.raises(UnknownDegradationError, match="known types: GN, RN"):
        get_type("XX")


def test_type_lists_parse_in_taxonomy_order():
    assert parse_type_list("J,gn") == ("GN", "J")
    assert parse_type_list("all") == ABBREVS


def test_registry_covers_the_taxonomy():
    assert tuple(MODULES) == ABBREVS
