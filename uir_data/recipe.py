"""Build recipes: typed, validated TOML files that say which sources, types, levels and splits to build.

Bundled recipes live in manifests/recipes/<name>.toml; `--recipe PATH` takes any file of the same form.
The recipe hash (over the resolved recipe) is stored in the run folder and in manifest metadata.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from uir_data.errors import UsageError
from uir_data.taxonomy import ABBREVS, get_type

# uir_data/manifests links to the top-level manifests/ in a checkout and is a copy in an installed wheel.
RECIPES_DIR = Path(str(importlib.resources.files("uir_data") / "manifests" / "recipes"))
LEVEL_MODES = ("spread", "all", "random", "named")


class RecipeError(UsageError):
    """A recipe file that is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class SyntheticBlock:
    """Clean sources x types x levels, degraded by this engine."""

    sources: tuple[str, ...] = ("bundled-demo",)
    types: tuple[str, ...] = ABBREVS
    levels: str = "spread"  # spread: evenly over the grid; all: every level; random: drawn per sample;
    # named: exactly the levels in level_names, each once per image (e.g. 5D's GN sigma 15/25/50)
    level_names: tuple[str, ...] = ()
    variants_per_type: int = 1  # pairs per (clean image, type) for spread/random
    target_count: int = 0  # informational: the pair count the paper reports for this block


@dataclass(frozen=True)
class PairedBlock:
    """A published paired dataset, ingested byte for byte through its adapter."""

    dataset: str
    types: tuple[str, ...] = ()
    splits: tuple[str, ...] = ()
    target_count: int = 0


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str = ""
    seed: int = 0
    split_fractions: dict[str, float] = field(
        default_factory=lambda: {"train": 0.8, "val": 0.1, "test": 0.1}
    )
    min_side: int = 32
    max_pixels: int = 40_000_000  # ~45 bytes per pixel at peak in a worker: 40 MP ~ 1.8 GB (issue 10 item 12)
    max_side: int = 0  # 0 keeps the clean image's size; otherwise downscale (area) to this long side
    # Large clean sources are cut the way BasicSR prepares DF2K (480-px sub-images, step 240): a degradation
    # level then means the same pixels on every source. 0 = off. The GT of a pair is its tile; the tile's
    # box is recorded in params ("source_box"). short_side downscales (area) before cutting.
    short_side: int = 0
    tile_size: int = 0
    tile_step: int = 0  # 0 = tile_size // 2, BasicSR's DF2K setting
    synthetic: tuple[SyntheticBlock, ...] = ()
    paired: tuple[PairedBlock, ...] = ()
    repeat_factors: dict[str, int] = field(default_factory=dict)  # per-class sampling, for training
    test_sets: tuple[str, ...] = ()  # datasets whose images must never appear in train (leakage guard)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def content_hash(self) -> str:
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def with_overrides(
        self,
        *,
        seed: int | None = None,
        types: tuple[str, ...] | None = None,
        sources: tuple[str, ...] | None = None,
        max_pixels: int | None = None,
    ) -> Recipe:
        """The recipe after CLI flags: --seed, --types (filters every block), --source (synthetic sources),
        --max-pixels."""
        blocks = self.synthetic
        paired = self.paired
        if types is not None:
            blocks = tuple(
                replace(b, types=tuple(t for t in b.types if t in types)) for b in blocks
            )
            blocks = tuple(b for b in blocks if b.types)
            paired = tuple(p for p in paired if not p.types or set(p.types) & set(types))
        if sources is not None:
            blocks = tuple(replace(b, sources=sources) for b in blocks) or (SyntheticBlock(sources=sources),)
        return replace(
            self,
            seed=self.seed if seed is None else seed,
            synthetic=blocks,
            paired=paired,
            max_pixels=self.max_pixels if max_pixels is None else max_pixels,
        )


def _types_field(raw: Any, where: str) -> tuple[str, ...]:
    if raw in (None, "all", ["all"]):
        return ABBREVS
    if isinstance(raw, str):
        raw = [part for part in raw.split(",") if part.strip()]
    try:
        wanted = {get_type(str(t)).abbrev for t in raw}
    except ValueError as error:
        raise RecipeError(f"{where}: {error}") from None
    return tuple(a for a in ABBREVS if a in wanted)


def _non_negative(table: dict[str, Any], key: str, origin: str) -> int:
    value = table.get(key, 0)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise RecipeError(f"{origin}: [image] {key} must be a whole number of pixels >= 0, got {value!r}")
    return value


def parse_recipe(data: dict[str, Any], origin: str) -> Recipe:
    """Validate a recipe mapping (from TOML); `origin` names the file in error messages."""
    known = {"name", "description", "seed", "splits", "image", "synthetic", "paired", "training", "test_sets"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise RecipeError(f"{origin}: unknown recipe keys {unknown}; known keys: {sorted(known)}")
    if "name" not in data:
        raise RecipeError(f"{origin}: a recipe needs a name")
    splits = {str(k): float(v) for k, v in data.get("splits", {"train": 0.8, "val": 0.1, "test": 0.1}).items()}
    if set(splits) - {"train", "val", "test"} or abs(sum(splits.values()) - 1.0) > 1e-6:
        raise RecipeError(f"{origin}: [splits] must give train/val/test fractions summing to 1, got {splits}")
    image = data.get("image", {})
    known_image = {"min_side", "max_pixels", "max_side", "short_side", "tile_size", "tile_step"}
    if set(image) - known_image:
        raise RecipeError(f"{origin}: unknown [image] keys {sorted(set(image) - known_image)}; known: {sorted(known_image)}")
    tile_size = _non_negative(image, "tile_size", origin)
    if 0 < tile_size < int(image.get("min_side", 32)):
        raise RecipeError(f"{origin}: [image] tile_size {tile_size} is below min_side; use at least that many pixels")
    synthetic = []
    for index, block in enumerate(data.get("synthetic", [])):
        where = f"{origin}: [[synthetic]] block {index}"
        level_names: tuple[str, ...] = ()
        levels = block.get("levels", "spread")
        if isinstance(levels, list):
            level_names, levels = tuple(str(name) for name in levels), "named"
            if not level_names:
                raise RecipeError(f"{where}: levels is an empty list")
        levels = str(levels)
        if levels not in LEVEL_MODES:
            raise RecipeError(f"{where}: levels must be one of {LEVEL_MODES}, got {levels!r}")
        sources = block.get("sources", ["bundled-demo"])
        synthetic.append(
            SyntheticBlock(
                sources=tuple(sources) if not isinstance(sources, str) else (sources,),
                types=_types_field(block.get("types"), where),
                levels=levels,
                level_names=level_names,
                variants_per_type=int(block.get("variants_per_type", 1)),
                target_count=int(block.get("target_count", 0)),
            )
        )
    paired = []
    for index, block in enumerate(data.get("paired", [])):
        where = f"{origin}: [[paired]] block {index}"
        if "dataset" not in block:
            raise RecipeError(f"{where}: needs a dataset name")
        paired.append(
            PairedBlock(
                dataset=str(block["dataset"]),
                types=_types_field(block["types"], where) if "types" in block else (),
                splits=tuple(block.get("splits", ())),
                target_count=int(block.get("target_count", 0)),
            )
        )
    training = data.get("training", {})
    repeat = {get_type(k).abbrev: int(v) for k, v in training.get("repeat_factors", {}).items()}
    return Recipe(
        name=str(data["name"]),
        description=str(data.get("description", "")),
        seed=int(data.get("seed", 0)),
        split_fractions=splits,
        min_side=int(image.get("min_side", 32)),
        max_pixels=int(image.get("max_pixels", 40_000_000)),
        max_side=int(image.get("max_side", 0)),
        short_side=_non_negative(image, "short_side", origin),
        tile_size=tile_size,
        tile_step=_non_negative(image, "tile_step", origin) or tile_size // 2,
        synthetic=tuple(synthetic),
        paired=tuple(paired),
        repeat_factors=repeat,
        test_sets=tuple(data.get("test_sets", ())),
    )


def bundled_recipe_names() -> list[str]:
    return sorted(path.stem for path in RECIPES_DIR.glob("*.toml"))


def load_recipe(name_or_path: str) -> Recipe:
    """A bundled recipe by name (demo, sweep, 5d, ...) or a TOML file by path."""
    path = Path(name_or_path)
    if not path.is_file() and path.suffix != ".toml":  # a bundled name ("uir-2.5m" has a dot, not a suffix)
        path = RECIPES_DIR / f"{name_or_path}.toml"
        if not path.is_file():
            raise RecipeError(
                f"no bundled recipe named {name_or_path!r}; bundled recipes: {', '.join(bundled_recipe_names())}"
                " (or pass a path to a .toml file)"
            )
    if not path.is_file():
        raise RecipeError(f"{path}: recipe file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RecipeError(f"{path}: not valid TOML ({error})") from None
    return parse_recipe(data, str(path))
