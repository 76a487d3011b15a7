"""Every adapter on a miniature copy of its published layout: pairs, groups, splits, types and origin."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import miniature_trees as trees
import pytest

from uir_data.manifest import ORIGINS, SPLITS
from uir_data.sources.base import CleanItem, PairItem
from uir_data.sources.catalog import SubsetView, all_adapters, get_adapter, locate, scan_source
from uir_data.taxonomy import ABBREVS

P, S, R = "paired-synthetic", "paired-synthetic", "paired-real"
# name -> (pairs or clean images per split, distinct groups, {(source_dataset, type, origin)}, (an LQ, its GT))
EXPECTED = {
    "SIDD": (
        {"train": 3},
        2,
        {("SIDD", "RN", R)},
        (
            "Data/0001_001_S6_00100_00060_3200_L/0001_NOISY_SRGB_011.PNG",
            "Data/0001_001_S6_00100_00060_3200_L/0001_GT_SRGB_011.PNG",
        ),
    ),
    "GoPro": (
        {"train": 3, "test": 1},
        3,
        {("GoPro", "MB", S)},
        ("train/GOPR0374_11_00/blur/000047.png", "train/GOPR0374_11_00/sharp/000047.png"),
    ),
    "REDS": (
        {"train": 4, "val": 1},
        2,
        {("REDS", "MB", S), ("REDS", "BJ", S)},
        ("train/train_blur_jpeg/000/00000001.jpg", "train/train_sharp/000/00000001.png"),
    ),
    "RSBlur": (
        {"train": 4, "test": 1},
        3,
        {("RSBlur", "MB", R), ("RSBlur-syn", "MB", S)},
        ("RSBlur/0001/000002/avg65_img/avg_blur.png", "RSBlur/0001/000002/gt/gt_sharp.png"),
    ),
    "DPDD": (
        {"train": 2, "val": 1, "test": 1},
        4,
        {("DPDD", "DB", R)},
        ("dd_dp_dataset_png/train_c/source/1P0A0917.png", "dd_dp_dataset_png/train_c/target/1P0A0916.png"),
    ),
    "LFDOF": (
        {"train": 5, "test": 1},
        3,
        {("LFDOF", "DB", S)},
        ("train_data/input/scene02/2.png", "train_data/ground_truth/scene02.png"),
    ),
    "RESIDE": (
        {"train": 5, "test": 2},
        5,
        {("RESIDE-ITS", "H", S), ("RESIDE-OTS", "H", S), ("SOTS-indoor", "H", S), ("SOTS-outdoor", "H", S)},
        ("SOTS/outdoor/hazy/0001_0.8_0.2.jpg", "SOTS/outdoor/gt/0001.png"),
    ),
    "Rain13K": (
        {"train": 2, "test": 2},
        4,
        {("Rain13K", "RS", S), ("Rain100L", "RS", S), ("Test100", "RS", S)},
        ("test/Test100/input/1.png", "test/Test100/target/1.png"),
    ),
    "Rain14000": (
        {"train": 2, "test": 1},
        2,
        {("Rain14000", "RS", S)},
        ("training/rainy_image/901_2.jpg", "training/ground_truth/901.jpg"),
    ),
    "Rain1800": (
        {"train": 1, "test": 1},
        2,
        {("Rain1800", "RS", S)},
        ("test/input/b.png", "test/target/b.png"),
    ),
    "Rain200L": ({"train": 3}, 3, {("Rain200L", "RS", S)}, ("rainy/rain-2.png", "gt/norain-2.png")),
    "Rain200H": ({"train": 1}, 1, {("Rain200H", "RS", S)}, ("rain/rain-1.png", "norain/norain-1.png")),
    "Rain100L": ({"test": 2}, 2, {("Rain100L", "RS", S)}, ("rain-2.png", "norain-2.png")),
    "Rain100H": ({"test": 2}, 2, {("Rain100H", "RS", S)}, ("rain/X2/norain-2x2.png", "norain/norain-2.png")),
    "SynRain-13k": (
        {"train": 1, "test": 1},
        2,
        {("SynRain-13k", "RS", S)},
        ("test/input/2.png", "test/target/2.png"),
    ),
    "RainDS": (
        {"train": 9, "test": 9},
        6,
        {(f"RainDS-{k}", t, o) for k, o in (("syn", S), ("real", R)) for t in ("RS", "RD", "RSD")},
        ("RainDS_syn/test/rainstreak_raindrop/pie-rd-rain-1.png", "RainDS_syn/test/gt/pie-norain-1.png"),
    ),
    "RealRain-1k": (
        {"train": 2, "test": 2},
        4,
        {("RealRain-1k-L", "RS", R), ("RealRain-1k-H", "RS", R)},
        ("RealRain-1k-H/test/input/2.png", "RealRain-1k-H/test/target/2.png"),
    ),
    "OutdoorRain": (
        {"train": 2, "test": 1},
        2,
        {("OutdoorRain", "RS", S)},
        ("train/in/im_0001_s85_a05.png", "train/gt/im_0001.png"),
    ),
    "RainDrop": (
        {"train": 2, "test": 2},
        4,
        {("RainDrop", "RD", R)},
        ("raindrop_data/test_b/data/3_rain.png", "raindrop_data/test_b/gt/3_clean.png"),
    ),
    "Snow100K": (
        {"train": 2, "test": 2},
        4,
        {("Snow100K", "S", S), ("Snow100K-S", "S", S), ("Snow100K-L", "S", S)},
        (
            "media/jdway/GameSSD/overlapping/test/Snow100K-L/synthetic/c.jpg",
            "media/jdway/GameSSD/overlapping/test/Snow100K-L/gt/c.jpg",
        ),
    ),
    "SRRS": ({"train": 1, "test": 1}, 2, {("SRRS", "S", S)}, ("train2500/Snow/1.png", "train2500/Gt/1.jpg")),
    "CSD": ({"train": 2, "test": 1}, 3, {("CSD", "S", S)}, ("Test/Snow/3.tif", "Test/Gt/3.tif")),
    "LOL-v1": (
        {"train": 2, "test": 1},
        3,
        {("LOL-v1", "LL", R)},
        ("our485/low/22.png", "our485/high/22.png"),
    ),
    "LOL-v2": (
        {"train": 2, "test": 2},
        4,
        {("LOL-v2-Real", "LL", R), ("LOL-v2-Synthetic", "LL", S)},
        ("Real_captured/Test/Low/low00690.png", "Real_captured/Test/Normal/normal00690.png"),
    ),
    "LSRW": (
        {"train": 2, "test": 1},
        3,
        {("LSRW-Huawei", "LL", R), ("LSRW-Nikon", "LL", R)},
        ("Training data/Nikon/low/1.jpg", "Training data/Nikon/high/1.jpg"),
    ),
    "RDNet": (
        {"train": 2, "test": 1},
        3,
        {("RDNet", "MR", R)},
        ("data/testset/moire_RGB/3_m.png", "data/testset/gt_RGB/3_gt.png"),
    ),
    "TIP2018": (
        {"train": 1, "test": 1},
        2,
        {("TIP2018", "MR", R)},
        ("testData/source/0002_source.png", "testData/target/0002_target.png"),
    ),
    "FHDMi": (
        {"train": 1, "test": 1},
        2,
        {("FHDMi", "MR", R)},
        ("train/source/src_00001.png", "train/target/tar_00001.png"),
    ),
    "UHDM": (
        {"train": 2, "test": 1},
        3,
        {("UHDM", "MR", R)},
        ("train/mi/0001_moire.jpg", "train/mi/0001_gt.jpg"),
    ),
    "RealBlur-J": (
        {"train": 2, "test": 1},
        2,
        {("RealBlur-J", "BJ", R)},
        (
            "RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene230/blur/blur_1.png",
            "RealBlur-J_ECC_IMCORR_centroid_itensity_ref/scene230/gt/gt_1.png",
        ),
    ),
    "RealBlur-R": (
        {"train": 2, "test": 1},
        2,
        {("RealBlur-R", "MB", R)},
        (
            "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref/scene001/blur/blur_2.png",
            "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref/scene001/gt/gt_2.png",
        ),
    ),
    "RainDropClarity": (
        {"train": 3},
        2,
        {("RainDropClarity-Day", "BR", R), ("RainDropClarity-Night", "BR", R)},
        ("NightRainDrop_Train/Drop/00002/00001.png", "NightRainDrop_Train/Clear/00002/00001.png"),
    ),
    "LOL-Blur": (
        {"train": 4, "test": 2},
        2,
        {("LOL-Blur", "BLN", S)},
        ("train/low_blur_noise/0001/0001.png", "train/high_sharp_scaled/0001/0001.png"),
    ),
    "CDD-11": (
        {"train": 7, "test": 7},
        2,
        {("CDD-11", "LHRS", S)},
        ("test/low_haze_snow/000001.png", "test/clear/000001.png"),
    ),
}
EXPECTED_CLEAN = {
    "LSDIR": ({"train": 2, "val": 1}, {"LSDIR"}),
    "DF2K": ({"train": 2, "val": 1}, {"DIV2K", "Flickr2K"}),
    "BSD400": ({"train": 3}, {"BSD400"}),
    "BSD500": ({"train": 2, "val": 1, "test": 2}, {"BSD500"}),  # Thumbs.db skipped
    "BSD68": ({"test": 2}, {"BSD68"}),  # noisy25/ not taken as clean images
    "WED": ({None: 2}, {"WED"}),
    "NKUSR8K": ({None: 2}, {"NKUSR8K"}),
    "FFHQ": ({None: 2}, {"FFHQ"}),
}


@pytest.fixture(scope="module")
def sources_root(tmp_path_factory) -> Path:
    return trees.make_sources_root(tmp_path_factory.mktemp("sources"))


def test_every_adapter_has_a_miniature_tree_and_an_expectation():
    families = {a.name for a in all_adapters() if not isinstance(a, SubsetView)}
    assert families == set(trees.BUILDERS)
    assert families == set(EXPECTED) | set(EXPECTED_CLEAN) | {"Rain800"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_paired_adapter_on_its_published_layout(name, sources_root):
    splits, n_groups, kinds, (lq, gt) = EXPECTED[name]
    adapter = get_adapter(name)
    root = locate(name, sources_root, {})
    assert root is not None and adapter.detect(root)
    result = scan_source(adapter, root, inspect=True)
    pairs = list(adapter.pairs(root))
    assert pairs == result.pairs  # header inspection drops nothing on a clean tree
    expected_problems = ["missing-gt"] if name == "RainDS" else []  # IMG_7435 has no GT upstream
    assert [p.check for p in result.problems] == expected_problems
    assert Counter(p.split for p in pairs) == splits
    assert len({p.group_id for p in pairs}) == n_groups
    assert {(p.source_dataset, p.degradation, p.origin) for p in pairs} == kinds
    by_lq = {p.source_path: p for p in pairs}
    assert by_lq[lq].gt_source_path == gt
    for pair in pairs:
        assert isinstance(pair, PairItem) and pair.lq_file.is_file() and pair.gt_file.is_file()
        assert pair.lq_file == root / pair.source_path and pair.gt_file == root / pair.gt_source_path
        assert pair.split in SPLITS and pair.origin in ORIGINS and pair.degradation in ABBREVS
        assert pair.license == adapter.license
    # Every GT belongs to exactly one group and one split, so a GT shared by many LQs lands once.
    gt_groups = {(p.gt_source_path, p.group_id, p.split) for p in pairs}
    assert len(gt_groups) == len({p.gt_source_path for p in pairs})
    assert len({p.source_path for p in pairs}) == len(pairs)  # deterministic, unique LQ keys
    assert [p.source_path for p in adapter.pairs(root)] == [p.source_path for p in pairs]


@pytest.mark.parametrize("name", sorted(EXPECTED_CLEAN))
def test_clean_pool_on_its_published_layout(name, sources_root):
    splits, datasets = EXPECTED_CLEAN[name]
    adapter = get_adapter(name)
    root = locate(name, sources_root, {})
    items = list(adapter.clean_items(root))
    assert all(isinstance(item, CleanItem) and item.file.is_file() for item in items)
    assert Counter(item.split for item in items) == splits
    assert {item.source_dataset for item in items} == datasets
    assert len({item.group_id for item in items}) == len(items)
    assert list(adapter.pairs(root)) == []


def test_identity_lives_in_directories(sources_root):
    # RSBlur calls every file real_blur.png / gt_sharp.png: a basename key would collapse it to one pair.
    pairs = list(get_adapter("RSBlur").pairs(locate("RSBlur", sources_root, {})))
    assert len({p.gt_file for p in pairs}) == 3
    # GoPro frame names repeat across sequences; blur_gamma is never a second LQ of a sharp frame.
    gopro = list(get_adapter("GoPro").pairs(locate("GoPro", sources_root, {})))
    assert all("/blur/" in p.source_path and p.params == {"variant": "blur"} for p in gopro)
    assert len({p.gt_file for p in gopro}) == len(gopro) == 4


def test_many_to_one_pairs_share_a_group_and_record_levels(sources_root):
    reside = list(get_adapter("RESIDE").pairs(locate("RESIDE", sources_root, {})))
    ots = [p for p in reside if p.source_dataset == "RESIDE-OTS"]
    assert len(ots) == 2 and len({p.gt_file for p in ots}) == 1 and len({p.group_id for p in ots}) == 1
    assert {(p.params["A"], p.params["beta"]) for p in ots} == {(0.8, 0.2), (1, 0.04)}
    lolblur = list(get_adapter("LOL-Blur").pairs(locate("LOL-Blur", sources_root, {})))
    assert Counter(p.params["variant"] for p in lolblur) == {"low_blur": 3, "low_blur_noise": 3}
    outdoor = [
        p
        for p in get_adapter("OutdoorRain").pairs(locate("OutdoorRain", sources_root, {}))
        if p.split == "train"
    ]
    assert {(p.params["s"], p.params["a"]) for p in outdoor} == {(80, 4), (85, 5)}


def test_sixteen_bit_pngs_are_flagged_not_converted(sources_root):
    root = locate("DPDD", sources_root, {})
    pairs = list(get_adapter("DPDD").pairs(root))
    assert {p.params["bit_depth"] for p in pairs} == {16}
    assert pairs[0].lq_file.read_bytes()[24] == 16  # the file itself is untouched: PNG IHDR bit depth


def test_views_select_one_part_of_a_family(sources_root):
    for view, family, part in (
        ("SOTS-outdoor", "RESIDE", "SOTS-outdoor"),
        ("RESIDE-beta", "RESIDE", "RESIDE-OTS"),
        ("RainDS-real", "RainDS", "RainDS-real"),
        ("LOL-v2-Real", "LOL-v2", "LOL-v2-Real"),
        ("RainDropClarity-Day", "RainDropClarity", "RainDropClarity-Day"),
    ):
        adapter = get_adapter(view)
        root = locate(view, sources_root, {})
        assert root == locate(family, sources_root, {})
        whole = [p for p in get_adapter(family).pairs(root) if p.source_dataset == part]
        assert list(adapter.pairs(root)) == whole and whole


def test_promptir_reside_beta_layout(tmp_path):
    root = trees.make_reside_promptir(tmp_path)
    pairs = list(get_adapter("RESIDE-beta").pairs(root))
    assert sorted(p.source_path for p in pairs) == [
        "synthetic/part1/0025_0.8_0.04.jpg",
        "synthetic/part1/0026_0.9_0.1.jpg",
        "synthetic/part2/0025_1_0.2.jpg",
    ]
    assert len({p.group_id for p in pairs if "0025" in p.source_path}) == 1
    # original/0027.jpg belongs to a hazy image outside the list: not reported as a missing LQ.
    assert scan_source(get_adapter("RESIDE"), root).problems == []


def test_sidd_small_layout(tmp_path):
    root = trees.make_sidd_small(tmp_path)
    (pair,) = get_adapter("SIDD").pairs(root)
    assert pair.gt_source_path.endswith("/GT_SRGB_010.PNG") and pair.source_path.endswith(
        "/NOISY_SRGB_010.PNG"
    )
