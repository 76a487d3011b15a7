"""Malformed trees give clear errors or reported problems, never silently dropped files."""

from __future__ import annotations

from pathlib import Path

import miniature_trees as trees
import pytest

from uir_data.errors import UirError, UsageError
from uir_data.sources.base import SourceError
from uir_data.sources.catalog import (
    all_adapters,
    check_sources,
    get_adapter,
    locate,
    scan_source,
    unrecognised_folders,
)


def _checks(adapter_name: str, root: Path, inspect: bool = False) -> list[tuple[str, str]]:
    return [(p.check, p.file) for p in scan_source(get_adapter(adapter_name), root, inspect).problems]


def test_missing_partner_is_reported_and_the_rest_still_pairs(tmp_path):
    root = trees.make_lolv1(tmp_path)
    (root / "our485/high/22.png").unlink()
    assert _checks("LOL-v1", root) == [("missing-gt", "our485/low/22.png")]
    assert len(list(get_adapter("LOL-v1").pairs(root))) == 2


def test_gt_without_lq_is_reported(tmp_path):
    root = trees.make_gopro(tmp_path)
    (root / "test/GOPR0384_11_00/blur/000001.png").unlink()
    assert _checks("GoPro", root) == [("unused-gt", "test/GOPR0384_11_00/sharp/000001.png")]


def test_wrong_extension_and_unrecognised_names_are_reported(tmp_path):
    root = trees.make_rain200l(tmp_path)
    (root / "rainy/rain-4.gif").write_bytes(b"GIF89a")
    trees.write_image(root / "rainy/IMG_0001.png")
    problems = {file: check for check, file in _checks("Rain200L", root)}
    assert problems["rainy/rain-4.gif"] == "not-an-image"
    assert problems["rainy/IMG_0001.png"] == "missing-gt"  # same-name fallback rule, no such GT
    root = trees.make_sidd(tmp_path / "s")
    trees.write_image(root / "Data/0001_001_S6_00100_00060_3200_L/thumbnail.PNG")
    assert ("unrecognised-name", "Data/0001_001_S6_00100_00060_3200_L/thumbnail.PNG") in _checks("SIDD", root)


def test_empty_folder_is_a_clear_error(tmp_path):
    root = tmp_path / "LOLdataset"
    (root / "our485/low").mkdir(parents=True)
    (root / "our485/high").mkdir(parents=True)
    assert ("empty-folder", "our485/low") in _checks("LOL-v1", root)
    with pytest.raises(SourceError, match=r"no LOL-v1 pairs found.*empty-folder"):
        list(get_adapter("LOL-v1").pairs(root))


def test_wrong_layout_names_the_expected_one(tmp_path):
    (tmp_path / "GOPRO_Large/stuff").mkdir(parents=True)
    with pytest.raises(SourceError, match=r"does not look like GoPro.*blur,blur_gamma,sharp"):
        list(get_adapter("GoPro").pairs(tmp_path / "GOPRO_Large"))
    with pytest.raises(SourceError, match="folder not found"):
        list(get_adapter("GoPro").pairs(tmp_path / "nowhere"))


def test_size_mismatch_is_reported_when_inspecting(tmp_path):
    root = trees.make_reside(tmp_path)
    trees.write_image(root / "ITS/clear/2.png", width=40)  # ITS GTs may carry a border
    problems = scan_source(get_adapter("RESIDE"), root, inspect=True).problems
    assert [(p.check, p.file) for p in problems] == [("size-mismatch", "ITS/hazy/2_1_0.8.png")]
    assert (
        "32x32" in problems[0].message
        and "40x32" in problems[0].message
        and "ITS/clear/2.png" in problems[0].message
    )


def test_rsblur_without_its_lists_is_refused_with_where_to_get_them(tmp_path):
    root = trees.make_rsblur(tmp_path)
    for listed in (root / "datalist/RSBlur").iterdir():
        listed.unlink()
    with pytest.raises(
        SourceError, match=r"list files \(RSBlur_real_train.txt\).*github.com/rimchang/RSBlur"
    ):
        list(get_adapter("RSBlur").pairs(root))


def test_list_line_naming_a_missing_file_is_reported(tmp_path):
    root = trees.make_realblur(tmp_path)
    with open(root / "RealBlur_J_test_list.txt", "a", encoding="utf-8") as handle:
        handle.write("RealBlur-J_x/scene999/gt/gt_1.png RealBlur-J_x/scene999/blur/blur_1.png\n")
    problems = scan_source(get_adapter("RealBlur-J"), root).problems
    assert [(p.check, p.file) for p in problems] == [("missing-file", "RealBlur_J_test_list.txt")]
    assert "line 2" in problems[0].message


def test_dpdd_order_gap_is_reported(tmp_path):
    root = trees.make_dpdd(tmp_path)
    (root / "dd_dp_dataset_png/train_c/target/1P0A0889.png").unlink()
    checks = _checks("DPDD", root)
    assert ("unpaired-by-order", "dd_dp_dataset_png/train_c/source/1P0A0917.png") in checks
    assert ("capture-gap", "dd_dp_dataset_png/train_c/source/1P0A0890.png") in checks


def test_rain800_side_by_side_is_refused(tmp_path):
    root = trees.make_rain800(tmp_path)
    with pytest.raises(SourceError, match=r"side-by-side.*Rain13K"):
        list(get_adapter("Rain800").pairs(root))
    assert _checks("Rain800", root)[0][0] == "unsupported-layout"


def test_sidd_mat_blocks_are_refused_with_the_files_to_use(tmp_path):
    root = tmp_path / "SIDD_Validation"
    root.mkdir()
    (root / "ValidationNoisyBlocksSrgb.mat").write_bytes(
        b"MATLAB 7.3 MAT-file, Platform: GLNXA64".ljust(128, b" ")
    )
    with pytest.raises(SourceError, match=r"MATLAB v7.3.*h5py.*SIDD_Medium_Srgb/Data"):
        list(get_adapter("SIDD").pairs(root))
    medium = trees.make_sidd(tmp_path)
    (medium / "ValidationGtBlocksSrgb.mat").write_bytes(b"MATLAB 5.0 MAT-file".ljust(128, b" "))
    result = scan_source(get_adapter("SIDD"), medium)
    assert len(result.pairs) == 3 and [p.check for p in result.problems] == ["unsupported-container"]


def test_unknown_dataset_lists_close_names():
    with pytest.raises(UsageError, match=r"unknown dataset 'Rain100X'.*did you mean.*Rain100"):
        get_adapter("Rain100X")
    assert get_adapter("gopro_large").name == "GoPro"
    assert get_adapter("cbsd68").name == "BSD68"


def test_names_and_aliases_are_unique_and_metadata_complete():
    owners: dict[str, set[str]] = {}
    for adapter in all_adapters():
        for key in (adapter.name, *adapter.aliases):
            owners.setdefault("".join(c for c in key.casefold() if c not in "-_. "), set()).add(adapter.name)
    assert {key: names for key, names in owners.items() if len(names) > 1} == {}  # one adapter per name
    for adapter in all_adapters():
        assert (
            adapter.license
            and adapter.expected_layout
            and adapter.types
            and adapter.homepage.startswith("http")
        )


def test_locate_overrides_nesting_and_fallback(tmp_path):
    sources = tmp_path / "sources"
    trees.make_gopro(tmp_path / "elsewhere")
    nested = trees.make_lolv1(sources / "lol")  # archive root one level down: sources/lol/LOLdataset
    assert locate("LOL-v1", sources, {}) == nested
    assert locate("GoPro", sources, {}) is None
    assert locate("gopro", sources, {"GOPRO": tmp_path / "elsewhere"}) == tmp_path / "elsewhere/GOPRO_Large"
    (sources / "REDS").mkdir()  # named for REDS but empty: returned, so pairs() explains the layout
    assert locate("REDS", sources, {}) == sources / "REDS"
    with pytest.raises(UirError, match="no such folder"):
        locate("GoPro", sources, {"gopro": tmp_path / "missing"})
    assert locate("GoPro", None, {}) is None


def test_check_sources_counts_and_flags_unknown_folders(tmp_path):
    trees.make_lolv1(tmp_path)
    trees.make_cdd11(tmp_path)
    (tmp_path / "my_holiday_photos").mkdir()
    checks = {c.adapter.name: (c.count, c.problems) for c in check_sources(tmp_path)}
    assert checks == {"LOL-v1": (3, []), "CDD-11": (14, [])}
    assert unrecognised_folders(tmp_path) == ["my_holiday_photos"]
