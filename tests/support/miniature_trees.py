"""Miniature copies of every dataset's published layout, with tiny images, for adapter and build tests.

Each `make_<dataset>(parent)` writes the folder a user has right after extracting the official archive(s)
under `parent` (named as the archive names it) and returns that folder. Image content is a smooth random
picture derived from a key, so different files differ and re-encodings of one key stay near-duplicates.
`make_sources_root(root)` writes them all side by side, as `--sources-root` expects.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import cv2
import numpy as np

SIZE = 32  # the recipes' minimum side: synthetic blocks skip smaller clean images


def picture(key: str, height: int = SIZE, width: int = SIZE, depth: int = 8) -> np.ndarray:
    """A smooth random RGB picture determined by key (uint8, or uint16 when depth is 16)."""
    seed = int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    coarse = rng.random((4, 4, 3)).astype(np.float32)
    smooth = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC).clip(0, 1)
    scale = 65535 if depth == 16 else 255
    return (smooth * scale).round().astype(np.uint16 if depth == 16 else np.uint8)


def write_image(
    path: Path, key: str | None = None, height: int = SIZE, width: int = SIZE, depth: int = 8
) -> Path:
    """Write a picture to path in the format its suffix names (PNG, JPEG, BMP, TIFF)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    image = picture(key or path.as_posix(), height, width, depth)
    if not cv2.imwrite(str(path), image[..., ::-1]):
        raise OSError(f"could not write {path}")
    return path


def write_text(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _images(base: Path, *relative: str) -> None:
    for rel in relative:
        write_image(base / rel)


def make_sidd(parent: Path) -> Path:
    root = parent / "SIDD_Medium_Srgb"
    scene1, scene2 = "Data/0001_001_S6_00100_00060_3200_L", "Data/0002_001_S6_00100_00060_3200_N"
    _images(
        root,
        f"{scene1}/0001_GT_SRGB_010.PNG",
        f"{scene1}/0001_NOISY_SRGB_010.PNG",
        f"{scene1}/0001_GT_SRGB_011.PNG",
        f"{scene1}/0001_NOISY_SRGB_011.PNG",
        f"{scene2}/0002_GT_SRGB_010.PNG",
        f"{scene2}/0002_NOISY_SRGB_010.PNG",
    )
    write_text(root / "ReadMe_sRGB.txt", "readme")
    write_text(root / "Scene_Instances.txt", "0001_001_S6_00100_00060_3200_L\n")
    return root


def make_sidd_small(parent: Path) -> Path:
    root = parent / "SIDD_Small_sRGB_Only"
    _images(
        root,
        "Data/0001_001_S6_00100_00060_3200_L/GT_SRGB_010.PNG",
        "Data/0001_001_S6_00100_00060_3200_L/NOISY_SRGB_010.PNG",
    )
    return root


def make_gopro(parent: Path) -> Path:
    root = parent / "GOPRO_Large"
    for seq, frames, split in (
        ("GOPR0372_07_00", ("000047", "000048"), "train"),
        ("GOPR0374_11_00", ("000047",), "train"),
        ("GOPR0384_11_00", ("000001",), "test"),
    ):
        for frame in frames:
            _images(root, *(f"{split}/{seq}/{kind}/{frame}.png" for kind in ("blur", "blur_gamma", "sharp")))
    return root


def make_reds(parent: Path) -> Path:
    root = parent / "REDS"
    for frame in ("00000000", "00000001"):
        _images(root, f"train/train_blur/000/{frame}.png", f"train/train_blur_jpeg/000/{frame}.jpg")
        _images(root, f"train/train_sharp/000/{frame}.png")
    _images(root, "val/val_blur/000/00000000.png", "val/val_sharp/000/00000000.png")
    _images(root, "test/test_blur/000/00000000.png")  # no public GT: not indexed
    return root


def make_rsblur(parent: Path) -> Path:
    root = parent / "RSBlur"
    lines: dict[str, list[str]] = {"real_train": [], "real_test": [], "syn_train": []}
    for seq, frame, split in (
        ("0001", "000001", "train"),
        ("0001", "000002", "train"),
        ("0002", "000001", "test"),
    ):
        base = f"RSBlur/{seq}/{frame}"
        _images(
            root,
            f"{base}/real_blur/real_blur.png",
            f"{base}/avg65_img/avg_blur.png",
            f"{base}/gt/gt_sharp.png",
        )
        _images(root, f"{base}/avg65_mask_100/avg_blur.png")
        lines[f"real_{split}"].append(f"{base}/gt/gt_sharp.png {base}/real_blur/real_blur.png")
        if split == "train":
            lines["syn_train"].append(f"{base}/gt/gt_sharp.png {base}/avg65_img/avg_blur.png")
    for name, entries in lines.items():
        write_text(root / f"datalist/RSBlur/RSBlur_{name}.txt", "\n".join(entries) + "\n")
    return root


REALBLUR_FOLDERS = {
    "J": "RealBlur-J_ECC_IMCORR_centroid_itensity_ref",
    "R": "RealBlur-R_BM3D_ECC_IMCORR_centroid_itensity_ref",
}


def make_realblur(parent: Path) -> Path:
    root = parent / "RealBlur"
    for letter, folder in REALBLUR_FOLDERS.items():
        lists: dict[str, list[str]] = {"train": [], "test": []}
        for scene, n, split in (("scene001", 1, "train"), ("scene001", 2, "train"), ("scene230", 1, "test")):
            blur, gt = f"{folder}/{scene}/blur/blur_{n}.png", f"{folder}/{scene}/gt/gt_{n}.png"
            _images(root, blur, gt)
            lists[split].append(f"{gt} {blur} ")  # the official lists end lines with a space
        for split, entries in lists.items():
            write_text(root / f"RealBlur_{letter}_{split}_list.txt", "\n".join(entries) + "\n")
    return root


def make_dpdd(parent: Path) -> Path:
    root = parent / "dd_dp_dataset_canon"
    base = root / "dd_dp_dataset_png"
    for split, pairs in (
        ("train", (("1P0A0890", "1P0A0889"), ("1P0A0917", "1P0A0916"))),
        ("val", (("1P0A1001", "1P0A1000"),)),
        ("test", (("1P0A2001", "1P0A2003"),)),
    ):
        for source, target in pairs:
            write_image(base / f"{split}_c/source/{source}.png", depth=16)
            write_image(base / f"{split}_c/target/{target}.png", depth=16)
            write_image(base / f"{split}_l/source/{source}_L.png", depth=16)
            write_image(base / f"{split}_r/source/{source}_R.png", depth=16)
    return root


def make_lfdof(parent: Path) -> Path:
    root = parent / "LFDOF"
    _images(
        root, *(f"train_data/input/scene01/{k}.png" for k in (1, 2, 3)), "train_data/ground_truth/scene01.png"
    )
    _images(
        root, *(f"train_data/input/scene02/{k}.png" for k in (1, 2)), "train_data/ground_truth/scene02.png"
    )
    _images(root, "test_data/input/t01/1.png", "test_data/ground_truth/t01.png")
    return root


def make_reside(parent: Path) -> Path:
    root = parent / "RESIDE"
    _images(root, "ITS/hazy/1_1_0.90179.png", "ITS/hazy/1_2_0.7.png", "ITS/hazy/2_1_0.8.png")
    _images(root, "ITS/clear/1.png", "ITS/clear/2.png")
    _images(root, "OTS/hazy/0001_0.8_0.2.jpg", "OTS/hazy/0001_1_0.04.jpg", "OTS/clear/0001.jpg")
    _images(root, "SOTS/indoor/hazy/1400_1.png", "SOTS/indoor/gt/1400.png")
    _images(root, "SOTS/outdoor/hazy/0001_0.8_0.2.jpg", "SOTS/outdoor/gt/0001.png")  # jpg -> png
    return root


def make_reside_promptir(parent: Path) -> Path:
    root = parent / "Dehaze"
    _images(
        root,
        "synthetic/part1/0025_0.8_0.04.jpg",
        "synthetic/part2/0025_1_0.2.jpg",
        "synthetic/part1/0026_0.9_0.1.jpg",
    )
    _images(root, "original/0025.jpg", "original/0026.jpg", "original/0027.jpg")
    return root


def make_rain13k(parent: Path) -> Path:
    root = parent / "Rain13K"
    _images(root, "train/Rain13K/input/1.jpg", "train/Rain13K/target/1.jpg")
    _images(root, "train/Rain13K/input/norain-2.png", "train/Rain13K/target/norain-2.png")
    for test_set in ("Rain100L", "Test100"):
        _images(root, f"test/{test_set}/input/1.png", f"test/{test_set}/target/1.png")
    return root


def make_rain14000(parent: Path) -> Path:
    root = parent / "Rain14000"
    _images(
        root,
        "training/rainy_image/901_1.jpg",
        "training/rainy_image/901_2.jpg",
        "training/ground_truth/901.jpg",
    )
    _images(root, "testing/rainy_image/1_1.jpg", "testing/ground_truth/1.jpg")
    return root


def make_rain200l(parent: Path) -> Path:
    """PromptIR's layout: rainy/rain-N -> gt/norain-N."""
    root = parent / "Rain200L"
    for n in (1, 2, 3):
        _images(root, f"rainy/rain-{n}.png", f"gt/norain-{n}.png")
    return root


def make_rain100h(parent: Path) -> Path:
    """JORDER's release where the rainy file is rain/X2/norain-Nx2.png."""
    root = parent / "Rain100H"
    for n in (1, 2):
        _images(root, f"rain/X2/norain-{n}x2.png", f"norain/norain-{n}.png")
    return root


def make_rain100l(parent: Path) -> Path:
    """PReNet's flat copy: rain-N beside norain-N in one folder."""
    root = parent / "Rain100L"
    for n in (1, 2):
        _images(root, f"rain-{n}.png", f"norain-{n}.png")
    return root


def make_rain1800(parent: Path) -> Path:
    """Split folders with Restormer-style input/target inside."""
    root = parent / "Rain1800"
    _images(root, "train/input/a.png", "train/target/a.png", "test/input/b.png", "test/target/b.png")
    return root


def make_rain200h(parent: Path) -> Path:
    root = parent / "Rain200H"
    _images(root, "rain/rain-1.png", "norain/norain-1.png")
    return root


def make_rain800(parent: Path) -> Path:
    root = parent / "Rain800"
    write_image(root / "training/1.jpg", width=2 * SIZE)  # [clean | rainy] side by side
    return root


def make_synrain13k(parent: Path) -> Path:
    root = parent / "SynRain-13k"
    _images(root, "train/input/1.png", "train/target/1.png", "test/input/2.png", "test/target/2.png")
    return root


def make_realrain1k(parent: Path) -> Path:
    root = parent / "RealRain-1k"
    for density in ("L", "H"):
        base = f"RealRain-1k-{density}"
        _images(root, f"{base}/train/input/1.png", f"{base}/train/target/1.png")
        _images(root, f"{base}/test/input/2.png", f"{base}/test/target/2.png")
    return root


def make_rainds(parent: Path) -> Path:
    root = parent / "RainDS"
    for split in ("train", "test"):
        base = f"RainDS_syn/{split}"
        for pie in ("", "pie-"):
            _images(root, f"{base}/gt/{pie}norain-1.png", f"{base}/raindrop/{pie}rd-1.png")
            _images(
                root, f"{base}/rainstreak/{pie}rain-1.png", f"{base}/rainstreak_raindrop/{pie}rd-rain-1.png"
            )
    for split in ("train_set", "test_set"):
        base = f"RainDS_real/{split}"
        for folder in ("gt", "raindrop", "rainstreak", "rainstreak_raindrop"):
            _images(root, f"{base}/{folder}/IMG_0001.png")
    _images(root, "RainDS_real/test_set/rainstreak/IMG_7435.png")  # upstream glitch: no GT
    return root


def make_outdoorrain(parent: Path) -> Path:
    root = parent / "OutdoorRain"
    _images(root, "train/in/im_0001_s80_a04.png", "train/in/im_0001_s85_a05.png", "train/gt/im_0001.png")
    _images(root, "test_v5/in/im_0601_s80_a04.png", "test_v5/gt/im_0601.png")
    return root


def make_raindrop(parent: Path) -> Path:
    root = parent / "RainDrop"
    for split, n in (("train", 0), ("train", 1), ("test_a", 3), ("test_b", 3)):
        _images(root, f"raindrop_data/{split}/data/{n}_rain.png", f"raindrop_data/{split}/gt/{n}_clean.png")
    return root


def make_snow100k(parent: Path) -> Path:
    root = parent / "Snow100K"
    _images(
        root, "all/synthetic/a.jpg", "all/gt/a.jpg", "all/mask/a.jpg", "all/synthetic/b.jpg", "all/gt/b.jpg"
    )
    for size in ("S", "L"):
        base = f"media/jdway/GameSSD/overlapping/test/Snow100K-{size}"
        _images(root, f"{base}/synthetic/c.jpg", f"{base}/gt/c.jpg", f"{base}/mask/c.jpg")
    _images(root, "realistic/r.jpg")  # no GT: not indexed
    return root


def make_srrs(parent: Path) -> Path:
    root = parent / "SRRS"
    _images(root, "train2500/Snow/1.png", "train2500/Gt/1.jpg", "test2000/Snow/2.png", "test2000/Gt/2.jpg")
    return root


def make_csd(parent: Path) -> Path:
    root = parent / "CSD"
    for split, n in (("Train", 1), ("Train", 2), ("Test", 3)):
        _images(root, f"{split}/Snow/{n}.tif", f"{split}/Gt/{n}.tif", f"{split}/Mask/{n}.tif")
    return root


def make_lolv1(parent: Path) -> Path:
    root = parent / "LOLdataset"
    _images(root, "our485/low/2.png", "our485/high/2.png", "our485/low/22.png", "our485/high/22.png")
    _images(root, "eval15/low/1.png", "eval15/high/1.png")
    return root


def make_lolv2(parent: Path) -> Path:
    root = parent / "LOL-v2"
    _images(root, "Real_captured/Train/Low/low00001.png", "Real_captured/Train/Normal/normal00001.png")
    _images(root, "Real_captured/Test/Low/low00690.png", "Real_captured/Test/Normal/normal00690.png")
    _images(root, "Synthetic/Train/Low/r000da54ft.png", "Synthetic/Train/Normal/r000da54ft.png")
    _images(root, "Synthetic/Test/Low/r00816405t.png", "Synthetic/Test/Normal/r00816405t.png")
    return root


def make_lsrw(parent: Path) -> Path:
    root = parent / "LSRW"
    for camera in ("Huawei", "Nikon"):
        _images(root, f"Training data/{camera}/low/1.jpg", f"Training data/{camera}/high/1.jpg")
    _images(root, "Eval/Huawei/low/2.jpg", "Eval/Huawei/high/2.jpg")
    return root


def make_rdnet(parent: Path) -> Path:
    root = parent / "RDNet"
    for folder, n in (("trainset", 1), ("trainset", 2), ("testset", 3)):
        _images(root, f"data/{folder}/moire_RGB/{n}_m.png", f"data/{folder}/gt_RGB/{n}_gt.png")
        write_text(root / f"data/{folder}/moire_RAW_npz/{n}_m.npz", "not indexed")
    return root


def make_tip2018(parent: Path) -> Path:
    root = parent / "TIP2018"
    _images(root, "trainData/source/0001_source.png", "trainData/target/0001_target.png")
    _images(root, "testData/source/0002_source.png", "testData/target/0002_target.png")
    return root


def make_fhdmi(parent: Path) -> Path:
    root = parent / "FHDMi"
    _images(root, "train/source/src_00001.png", "train/target/tar_00001.png")
    _images(root, "test/source/src_00002.png", "test/target/tar_00002.png")
    return root


def make_uhdm(parent: Path) -> Path:
    root = parent / "UHDM"
    _images(
        root,
        "train/iphone/0001_moire.jpg",
        "train/iphone/0001_gt.jpg",
        "train/mi/0001_moire.jpg",
        "train/mi/0001_gt.jpg",
    )
    _images(root, "test/mi/0002_moire.jpg", "test/mi/0002_gt.jpg")
    return root


def make_lolblur(parent: Path) -> Path:
    root = parent / "LOL-Blur"
    for split, video, frames in (("train", "0001", ("0000", "0001")), ("test", "0171", ("0000",))):
        for frame in frames:
            for folder in (
                "low_blur",
                "low_blur_noise",
                "high_sharp_scaled",
                "high_sharp_original",
                "low_sharp",
            ):
                _images(root, f"{split}/{folder}/{video}/{frame}.png")
    return root


CDD_FOLDERS = (
    "clear", "low", "haze", "rain", "snow", "low_haze", "low_rain", "low_snow",
    "haze_rain", "haze_snow", "low_haze_rain", "low_haze_snow",
)  # fmt: skip


def make_cdd11(parent: Path) -> Path:
    root = parent / "CDD-11"
    for split in ("train", "test"):
        _images(root, *(f"{split}/{folder}/000001.png" for folder in CDD_FOLDERS))
    return root


def make_raindropclarity(parent: Path) -> Path:
    root = parent / "RainDropClarity"
    for folder in ("Drop", "Clear", "Blur"):
        _images(
            root, f"DayRainDrop_Train/{folder}/00001/00001.png", f"DayRainDrop_Train/{folder}/00001/00002.png"
        )
        _images(root, f"NightRainDrop_Train/{folder}/00002/00001.png")
    return root


def make_lsdir(parent: Path) -> Path:
    root = parent / "LSDIR"
    _images(root, "HR/train/0001000/0000001.png", "HR/train/0001000/0000002.png", "val1/HR/val/0000001.png")
    return root


def make_df2k(parent: Path) -> Path:
    root = parent / "DF2K"
    _images(root, "DIV2K_train_HR/0001.png", "DIV2K_valid_HR/0801.png", "Flickr2K/Flickr2K_HR/000001.png")
    return root


def make_bsd400(parent: Path) -> Path:
    root = parent / "BSD400"
    _images(root, "test_001.png", "test_002.png", "22013.jpg")
    return root


BSD500_IDS = {"train": ("2092", "8049"), "val": ("3096",), "test": ("101087", "102061")}
BSD68_IDS = ("101087", "102061")  # CBSD68 images are BSDS500 test images


def make_bsd500(parent: Path, size: int = SIZE) -> Path:
    root = parent / "BSR"
    for split, ids in BSD500_IDS.items():
        for image_id in ids:
            write_image(
                root / f"BSDS500/data/images/{split}/{image_id}.jpg",
                key=f"bsds/{image_id}",
                height=size,
                width=size,
            )
        write_text(root / f"BSDS500/data/images/{split}/Thumbs.db", "junk")
    return root


def make_bsd68(parent: Path, size: int = SIZE) -> Path:
    root = parent / "CBSD68"
    for image_id in BSD68_IDS:
        write_image(root / f"original_png/{image_id}.png", key=f"bsds/{image_id}", height=size, width=size)
        write_image(root / f"noisy25/{image_id}.png")
    return root


def make_wed(parent: Path) -> Path:
    root = parent / "WED"
    _images(root, "pristine_images/00001.bmp", "pristine_images/00002.bmp")
    return root


def make_nkusr8k(parent: Path) -> Path:
    root = parent / "NKUSR8K"
    _images(root, "plants/0001.png", "street/0002.jpg")
    return root


def make_ffhq(parent: Path) -> Path:
    root = parent / "FFHQ"
    _images(root, "images1024x1024/00000/00000.png", "images1024x1024/00000/00001.png")
    return root


# adapter name -> builder (one per adapter; views are covered by their family's builder)
BUILDERS = {
    "LSDIR": make_lsdir,
    "DF2K": make_df2k,
    "BSD400": make_bsd400,
    "BSD500": make_bsd500,
    "BSD68": make_bsd68,
    "WED": make_wed,
    "SIDD": make_sidd,
    "GoPro": make_gopro,
    "REDS": make_reds,
    "RSBlur": make_rsblur,
    "DPDD": make_dpdd,
    "LFDOF": make_lfdof,
    "RESIDE": make_reside,
    "Rain13K": make_rain13k,
    "Rain14000": make_rain14000,
    "Rain1800": make_rain1800,
    "Rain200L": make_rain200l,
    "Rain200H": make_rain200h,
    "Rain100L": make_rain100l,
    "Rain100H": make_rain100h,
    "Rain800": make_rain800,
    "SynRain-13k": make_synrain13k,
    "RainDS": make_rainds,
    "RealRain-1k": make_realrain1k,
    "OutdoorRain": make_outdoorrain,
    "RainDrop": make_raindrop,
    "Snow100K": make_snow100k,
    "SRRS": make_srrs,
    "CSD": make_csd,
    "LOL-v1": make_lolv1,
    "LOL-v2": make_lolv2,
    "LSRW": make_lsrw,
    "RDNet": make_rdnet,
    "TIP2018": make_tip2018,
    "FHDMi": make_fhdmi,
    "UHDM": make_uhdm,
    "RealBlur-J": make_realblur,
    "RealBlur-R": make_realblur,
    "RainDropClarity": make_raindropclarity,
    "LOL-Blur": make_lolblur,
    "CDD-11": make_cdd11,
    "NKUSR8K": make_nkusr8k,
    "FFHQ": make_ffhq,
}


def make_sources_root(root: Path, names: tuple[str, ...] | None = None) -> Path:
    """Every miniature dataset (or the named ones) side by side under root, as --sources-root expects."""
    done = set()
    for name, builder in BUILDERS.items():
        if (names is None or name in names) and builder not in done:
            builder(root)
            done.add(builder)
    return root
