"""Clean-image pools that synthetic degradations are applied to (docs/datasets.md).

GN/GB/J/MS draw on LSDIR, DF2K, BSD400/BSD500 and WED; DNBJ on LSDIR, NKUSR8K and FFHQ. Each pool yields
CleanItems with the dataset's official split where it has one (None lets the recipe's fractions decide).
BSD68 (the CBSD68 test images) is a pool of its own so that recipes can name it as a test set; its images
are also inside BSDS500, which the leakage guard catches when both are used.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from uir_data.problems import Problem
from uir_data.sources.adapters import licenses
from uir_data.sources.adapters.paired_folders import ScanResult, relative_stem, walk_files
from uir_data.sources.base import IMAGE_SUFFIXES, CleanItem, DatasetAdapter, SourceError


@dataclass(frozen=True)
class Pool:
    """One folder of clean images inside a dataset root."""

    name: str  # source_dataset of its items
    folder: str  # relative to the dataset root
    split: str | None
    recursive: bool = True


class CleanPoolAdapter(DatasetAdapter):
    """A clean-only dataset: one or more folders of images, no LQ on disk."""

    origin = "generated"
    pool_layouts: tuple[tuple[Pool, ...], ...] = ()  # alternatives: the first with a folder present wins

    def pools(self, root: Path) -> Sequence[Pool]:
        for layout in self.pool_layouts:
            present = [pool for pool in layout if (root / pool.folder).is_dir()]
            if present:
                return present
        return []

    def detect(self, root: Path) -> bool:
        root = Path(root)
        return root.is_dir() and any(
            _has_image(root / pool.folder, pool.recursive) for pool in self.pools(root)
        )

    def scan(self, root: Path, inspect: bool = False, only: frozenset[str] | None = None) -> ScanResult:
        """Clean items and problems (non-image files, empty folders) under root."""
        root = Path(root)
        if not self.detect(root):
            raise SourceError(f"{root}: does not look like {self.name}; expected {self.expected_layout}")
        result = ScanResult()
        for pool in self.pools(root):
            folder = root / pool.folder
            images, others = walk_files(folder, pool.recursive)
            for other in others:
                result.problems.append(
                    Problem(
                        "not-an-image", f"{pool.name}: not an image file; left out", file=_rel(other, root)
                    )
                )
            if not images:
                result.problems.append(
                    Problem("empty-folder", f"{pool.name}: no image files", file=pool.folder)
                )
            for image in images:
                result.clean.append(
                    CleanItem(
                        source_dataset=pool.name,
                        source_path=_rel(image, root),
                        file=image,
                        group_id=f"{pool.name}/{relative_stem(image, folder)}",
                        license=self.license,
                        split=pool.split,
                    )
                )
        return result

    def clean_items(self, root: Path) -> Iterator[CleanItem]:
        result = self.scan(root)
        if not result.clean:
            raise SourceError(f"{root}: no {self.name} images found (expected {self.expected_layout})")
        return iter(result.clean)


def _has_image(folder: Path, recursive: bool) -> bool:
    """True at the first image file found (stops early: pools can hold tens of thousands)."""
    candidates = folder.rglob("*") if recursive else folder.iterdir()
    return any(path.suffix.lower() in IMAGE_SUFFIXES and path.is_file() for path in candidates)


def _rel(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


class LSDIR(CleanPoolAdapter):
    name = "LSDIR"
    license = licenses.UNSTATED
    types = ("GN", "GB", "J", "MS", "DNBJ")
    homepage = "https://data.vision.ee.ethz.ch/yawli/"
    expected_layout = "HR/train/<shard>/<7 digits>.png and val1/HR/val/<7 digits>.png"
    pool_layouts = ((Pool("LSDIR", "HR/train", "train"), Pool("LSDIR", "val1/HR/val", "val")),)


class DF2K(CleanPoolAdapter):
    name = "DF2K"
    aliases = ("DIV2K", "Flickr2K")
    license = licenses.DIV2K_ACADEMIC
    types = ("GN", "GB", "J", "MS")
    homepage = "https://data.vision.ee.ethz.ch/cvl/DIV2K/"
    expected_layout = (
        "DIV2K_train_HR/, DIV2K_valid_HR/ and Flickr2K/Flickr2K_HR/ (or Flickr2K_HR/) side by side"
    )
    pool_layouts = (
        (
            Pool("DIV2K", "DIV2K_train_HR", "train"),
            Pool("DIV2K", "DIV2K_valid_HR", "val"),
            Pool("DIV2K", "DIV2K/DIV2K_train_HR", "train"),
            Pool("DIV2K", "DIV2K/DIV2K_valid_HR", "val"),
            Pool("Flickr2K", "Flickr2K/Flickr2K_HR", "train"),
            Pool("Flickr2K", "Flickr2K_HR", "train"),
        ),
    )


class BSD400(CleanPoolAdapter):
    name = "BSD400"
    aliases = ("BSD400_train",)
    license = licenses.UNSTATED
    types = ("GN",)
    homepage = "https://github.com/va1shn9v/PromptIR"
    expected_layout = (
        "a folder of the 400 training images (<name>.jpg / .png), as in the PromptIR/Restormer zip"
    )
    pool_layouts = ((Pool("BSD400", ".", "train"),),)


class BSD500(CleanPoolAdapter):
    name = "BSD500"
    aliases = ("BSDS500", "BSR")
    license = licenses.UNSTATED
    types = ("GN", "GB", "J", "MS")
    homepage = "https://www2.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/resources.html"
    expected_layout = "BSR/BSDS500/data/images/{train,val,test}/<id>.jpg (Thumbs.db files are skipped)"
    pool_layouts = tuple(
        tuple(Pool("BSD500", f"{base}/{split}", split) for split in ("train", "val", "test"))
        for base in ("BSR/BSDS500/data/images", "BSDS500/data/images", "data/images", "images")
    )


class BSD68(CleanPoolAdapter):
    name = "BSD68"
    aliases = ("CBSD68",)
    license = licenses.UNSTATED
    types = ("GN", "J")
    homepage = "https://github.com/clausmichele/CBSD68-dataset"
    expected_layout = (
        "CBSD68/original_png/<id>.png (noisy folders are ignored) or a flat folder of the 68 images"
    )
    pool_layouts = (
        (Pool("BSD68", "original_png", "test"),),
        (Pool("BSD68", "original", "test"),),
        (Pool("BSD68", ".", "test", recursive=False),),
    )


class WED(CleanPoolAdapter):
    name = "WED"
    aliases = ("Waterloo", "WaterlooED", "exploration_database_and_code")
    license = licenses.UNSTATED
    types = ("GN", "GB", "J", "MS")
    homepage = "https://ece.uwaterloo.ca/~k29ma/exploration/"
    expected_layout = "pristine_images/<5 digits>.bmp (4,744 BMP files)"
    pool_layouts = (
        (Pool("WED", "pristine_images", None),),
        (Pool("WED", "exploration_database_and_code/pristine_images", None),),
        (Pool("WED", ".", None, recursive=False),),
    )


class NKUSR8K(CleanPoolAdapter):
    name = "NKUSR8K"
    aliases = ("NKUSR",)
    license = licenses.PI_LAB_NC
    types = ("DNBJ",)
    homepage = "https://huggingface.co/datasets/acceptee/NKUSR8K"
    expected_layout = "the Hugging Face snapshot: image files in any sub-folders"
    pool_layouts = ((Pool("NKUSR8K", ".", None),),)


class FFHQ(CleanPoolAdapter):
    name = "FFHQ"
    aliases = ("FFHQ1K", "ffhq-dataset")
    license = licenses.FFHQ_LICENSE
    types = ("DNBJ",)
    homepage = "https://github.com/NVlabs/ffhq-dataset"
    expected_layout = "images1024x1024/<5-digit shard>/<5 digits>.png"
    pool_layouts = ((Pool("FFHQ", "images1024x1024", None),), (Pool("FFHQ", ".", None),))


def clean_pools() -> list[CleanPoolAdapter]:
    """The clean pools in table order (GN/GB/J/MS pools, then the DNBJ-only ones)."""
    return [LSDIR(), DF2K(), BSD400(), BSD500(), BSD68(), WED(), NKUSR8K(), FFHQ()]
