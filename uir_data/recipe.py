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
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator

from uir_data.errors import UsageError
from uir_data.taxonomy import ABBREVS, get_type
from uir_data.validation import Location, Table, dotted, first_problem

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


def _canonical_types(raw: list[str]) -> tuple[str, ...]:
    """Type names or abbrevs (or "all") -> abbrevs in taxonomy order; get_type's error names the bad one."""
    if raw == ["all"]:
        return ABBREVS
    wanted = {get_type(name).abbrev for name in raw}
    return tuple(a for a in ABBREVS if a in wanted)


def _comma_list(raw: Any) -> Any:
    # A recipe may write types = "GN, J" (as the --types flag does) or "all"; empty parts are dropped.
    return [part for part in raw.split(",") if part.strip()] if isinstance(raw, str) else raw


def _one_or_many(raw: Any) -> Any:
    return [raw] if isinstance(raw, str) else raw


def _levels_shape(raw: Any) -> Any:
    # A mode name or a list of level names; checked here so an error names the key, not a union branch.
    if isinstance(raw, str) and raw not in LEVEL_MODES:
        raise ValueError(f"must be one of {LEVEL_MODES} or a list of level names, got {raw!r}")
    if raw == []:
        raise ValueError("is an empty list; name at least one level or use a mode such as 'spread'")
    return raw


TypeList = Annotated[list[str], BeforeValidator(_comma_list), AfterValidator(_canonical_types)]
TypeName = Annotated[str, AfterValidator(lambda name: get_type(name).abbrev)]
Pixels = Annotated[int, Field(ge=0)]
Count = Annotated[int, Field(ge=0)]


# The file's shape, which differs from Recipe's (tables, "levels" as mode or list); parse_recipe maps one
# to the other. Defaults are already in their parsed form (pydantic does not validate defaults).
class _ImageTable(Table):
    min_side: Pixels = 32
    max_pixels: Pixels = 40_000_000
    max_side: Pixels = 0
    short_side: Pixels = 0
    tile_size: Pixels = 0
    tile_step: Pixels = 0

    @model_validator(mode="after")
    def _tiles_fit_min_side(self) -> _ImageTable:
        if 0 < self.tile_size < self.min_side:
            raise ValueError(f"tile_size {self.tile_size} is below min_side {self.min_side}; "
                             "use at least that many pixels")
        return self


class _SyntheticTable(Table):
    sources: Annotated[list[str], BeforeValidator(_one_or_many)] = ["bundled-demo"]
    types: TypeList = list(ABBREVS)
    levels: Annotated[str | list[str], BeforeValidator(_levels_shape)] = "spread"
    variants_per_type: Annotated[int, Field(ge=1)] = 1
    target_count: Count = 0


class _PairedTable(Table):
    dataset: str
    types: TypeList = []
    splits: list[str] = []
    target_count: Count = 0


class _TrainingTable(Table):
    repeat_factors: dict[TypeName, Annotated[int, Field(ge=1)]] = {}


def _fractions_sum_to_one(splits: dict[str, float]) -> dict[str, float]:
    if abs(sum(splits.values()) - 1.0) > 1e-6:
        raise ValueError(f"must give train/val/test fractions summing to 1, got {splits}")
    return splits


class _RecipeFile(Table):
    name: str
    description: str = ""
    seed: int = 0
    splits: Annotated[
        dict[Literal["train", "val", "test"], Annotated[float, Field(ge=0, le=1)]],
        AfterValidator(_fractions_sum_to_one),
    ] = {"train": 0.8, "val": 0.1, "test": 0.1}
    image: _ImageTable = _ImageTable()
    synthetic: list[_SyntheticTable] = []
    paired: list[_PairedTable] = []
    training: _TrainingTable = _TrainingTable()
    test_sets: list[str] = []


def _where(location: Location) -> str:
    """The TOML spelling of a key path, as a message prefix: "[image] tile_size: ", "[[synthetic]] block 0,
    levels: ", "seed: "; a whole table ("[image] ") takes no colon."""
    if not location:
        return ""
    head, rest = location[0], location[1:]
    if rest and isinstance(rest[0], int):  # an array of tables
        table, rest = f"[[{head}]] block {rest[0]}", rest[1:]
        return f"{table}, {dotted(rest)}: " if rest else f"{table}: "
    if head in ("image", "splits", "training"):
        return f"[{head}] {dotted(rest)}: " if rest else f"[{head}] "
    return f"{dotted(location)}: "


def parse_recipe(data: dict[str, Any], origin: str) -> Recipe:
    """Validate a recipe mapping (from TOML); `origin` names the file in error messages."""
    try:
        file = _RecipeFile.model_validate(data)
    except ValidationError as error:
        location, problem = first_problem(error)
        raise RecipeError(f"{origin}: {_where(location)}{problem}") from None
    image = file.image
    synthetic = tuple(
        SyntheticBlock(
            sources=tuple(block.sources),
            types=tuple(block.types),
            levels="named" if isinstance(block.levels, list) else block.levels,
            level_names=tuple(block.levels) if isinstance(block.levels, list) else (),
            variants_per_type=block.variants_per_type,
            target_count=block.target_count,
        )
        for block in file.synthetic
    )
    paired = tuple(
        PairedBlock(dataset=block.dataset, types=tuple(block.types), splits=tuple(block.splits),
                    target_count=block.target_count)
        for block in file.paired
    )
    return Recipe(
        name=file.name,
        description=file.description,
        seed=file.seed,
        split_fractions=dict(file.splits),
        min_side=image.min_side,
        max_pixels=image.max_pixels,
        max_side=image.max_side,
        short_side=image.short_side,
        tile_size=image.tile_size,
        tile_step=image.tile_step or image.tile_size // 2,
        synthetic=synthetic,
        paired=paired,
        repeat_factors=dict(file.training.repeat_factors),
        test_sets=tuple(file.test_sets),
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
