"""The dataset card (README.md) of an export: YAML front matter that `datasets` and the Hub read, then prose.

The front matter declares one `default` config (every type, per split) and one config per degradation type
(its own shards), `dataset_info` with the features and per-split row counts (`datasets` checks the counts on
load), the license (with `license_link` to LICENSE.md when the sources do not share one Hub license id),
size categories and `task_categories` (hub-docs datasets-manual-configuration, datasets-cards). The prose
cites the paper, shows one LQ|GT example per type and lists every source's license.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

import pyarrow as pa
import yaml

from uir_data.hub.layout import (
    HUB_SPLIT_ORDER,
    LICENSE_NAME,
    features_yaml,
    hub_split,
    rank,
    split_glob,
)
from uir_data.hub.licenses import SourceLicense, hub_license
from uir_data.manifest import SPLITS
from uir_data.taxonomy import ABBREVS, BY_ABBREV

ARXIV_URL = "https://arxiv.org/abs/2510.13282"
# The paper's citation (author list and year from its arXiv listing).
BIBTEX = """@article{hu2025maskdcpt,
  title   = {Universal Image Restoration Pre-training via Masked Degradation Classification},
  author  = {Hu, JiaKui and Yao, Zhengjian and Jin, Lujia and Chen, Yinghao and Lu, Yanye},
  journal = {arXiv preprint arXiv:2510.13282},
  year    = {2025}
}"""
# Hub size buckets (hub-docs: size_categories).
SIZE_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))


class ShardInfo(Protocol):
    path: str
    bytes: int
    rows: int
    degradation: str
    split: str


def size_category(rows: int) -> str:
    for bound, name in SIZE_BUCKETS:
        if rows < bound:
            return name
    return "n>100M"


def _ordered(values: set[str], order: tuple[str, ...]) -> list[str]:
    return sorted(values, key=lambda value: rank(value, order))


def front_matter(
    shards: Sequence[ShardInfo], license_texts: Sequence[str], pretty_name: str, total_rows: int
) -> dict[str, Any]:
    """The YAML mapping: license, task, configs (default + one per type) and dataset_info with row counts."""
    per_config: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for shard in shards:
        for config in ("default", shard.degradation):
            counts = per_config[config][shard.split]
            counts[0] += shard.rows
            counts[1] += shard.bytes
    types = _ordered({s.degradation for s in shards}, ABBREVS)

    def data_files(config: str) -> list[dict[str, str]]:
        splits = _ordered(set(per_config[config]), HUB_SPLIT_ORDER)
        pattern = "*" if config == "default" else config
        return [{"split": split, "path": split_glob(split, pattern)} for split in splits]

    def info(config: str) -> dict[str, Any]:
        splits = _ordered(set(per_config[config]), HUB_SPLIT_ORDER)
        entry: dict[str, Any] = {"config_name": config}
        if config == "default":
            entry["features"] = features_yaml()
        entry["splits"] = [
            {"name": s, "num_bytes": per_config[config][s][1], "num_examples": per_config[config][s][0]}
            for s in splits
        ]
        size = sum(per_config[config][s][1] for s in splits)
        entry["download_size"] = size
        entry["dataset_size"] = size
        return entry

    license_id = hub_license(license_texts)
    front: dict[str, Any] = {"pretty_name": pretty_name, "license": license_id}
    if license_id == "other":  # the Hub asks for a name and a link for licenses outside its list
        front["license_name"] = "per-source-licenses"
        front["license_link"] = LICENSE_NAME
    front.update(
        {
            "task_categories": ["image-to-image"],
            "tags": ["image-restoration", "paired-images", "degradation", "uir", "maskdcpt"],
            "size_categories": [size_category(total_rows)],
            "configs": [{"config_name": "default", "default": True, "data_files": data_files("default")}]
            + [{"config_name": t, "data_files": data_files(t)} for t in types],
            "dataset_info": [info("default")] + [info(t) for t in types],
        }
    )
    return front


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def composition_table(table: pa.Table) -> str:
    """Markdown: pairs per type x origin, one column per split, with totals."""
    keys = zip(*(table.column(c).to_pylist() for c in ("degradation", "origin", "split")), strict=True)
    counts = Counter(keys)
    splits = _ordered({k[2] for k in counts}, SPLITS)
    pairs = sorted({(k[0], k[1]) for k in counts}, key=lambda p: (rank(p[0], ABBREVS), p[1]))
    rows = []
    for abbrev, origin in pairs:
        per_split = [counts[(abbrev, origin, s)] for s in splits]
        name = BY_ABBREV[abbrev].name if abbrev in BY_ABBREV else abbrev
        rows.append([f"`{abbrev}`", name, origin, *per_split, sum(per_split)])
    totals = [sum(counts[(a, o, s)] for a, o in pairs) for s in splits]
    rows.append(["**total**", "", "", *totals, sum(totals)])
    return _table(["type", "name", "origin", *(hub_split(s) for s in splits), "total"], rows)


def license_table(licenses: Sequence[SourceLicense]) -> str:
    rows = [[e.source, e.license, e.pairs, f"restricted: {e.restriction}" if e.restriction else "allowed"]
            for e in licenses]
    return _table(["source dataset", "license", "pairs", "redistribution"], rows)


def examples_table(examples: dict[str, str]) -> str:
    """Markdown: one row per type with its LQ|GT image."""
    rows = [[f"`{t}`", BY_ABBREV[t].name if t in BY_ABBREV else t, f"![{t}: LQ and GT]({path})"]
            for t, path in examples.items()]
    return _table(["type", "name", "LQ \\| GT"], rows)


def public_recipe(value: Any) -> Any:
    """The recipe with local absolute paths cut to their last component ('folder:/home/me/photos' -> 'folder:photos')."""
    if isinstance(value, dict):
        return {key: public_recipe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [public_recipe(item) for item in value]
    if isinstance(value, str) and (match := re.fullmatch(r"(\w+[:=])?(/[^\n]*|[A-Za-z]:[\\/][^\n]*)", value)):
        prefix, path = match.group(1) or "", match.group(2).rstrip("/\\")
        return prefix + re.split(r"[\\/]", path)[-1]
    return value


def render_card(
    *,
    table: pa.Table,
    shards: Sequence[ShardInfo],
    metadata: dict[str, str],
    recipe: dict[str, Any],
    gallery: Sequence[str],
    repo_id: str | None,
    pretty_name: str,
    licenses: Sequence[SourceLicense],
    examples: dict[str, str] | None = None,
    incomplete: str = "",
) -> str:
    """The whole README.md: front matter, loading, examples, composition, licenses, gallery, provenance, citation."""
    front = front_matter(shards, [e.license for e in licenses], pretty_name, table.num_rows)
    repo = repo_id or "OWNER/NAME"
    types = [c["config_name"] for c in front["configs"][1:]]
    splits = [entry["split"] for entry in front["configs"][0]["data_files"]]
    example_type = types[0] if types else "GN"
    recipe_name = metadata.get("uir.recipe_name", recipe.get("name", "?"))
    seed = recipe.get("seed", "?")
    parts = [
        "---",
        yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=1000).rstrip(),
        "---",
        "",
        f"# {pretty_name}",
        "",
        f"Paired degraded (`lq`) and clean (`gt`) images for universal image restoration: {table.num_rows} pairs "
        f"over {len(types)} degradation types, built with the `uir` toolkit for MaskDCPT pre-training "
        f"([arXiv 2510.13282]({ARXIV_URL})). Image bytes are embedded exactly as the build wrote them (no "
        "re-encoding), so `lq_sha256` / `gt_sha256` hold for the image columns' bytes.",
        "",
    ]
    if incomplete:
        parts += [f"**Partial dataset**: exported from an unfinished build ({incomplete}).", ""]
    parts += [
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'pairs = load_dataset("{repo}")  # every type; splits: {", ".join(splits)}',
        f'one_type = load_dataset("{repo}", name="{example_type}")  # one degradation type',
        'pair = pairs["train"][0]  # pair["lq"], pair["gt"]: PIL images; pair["degradation"], pair["params"]',
        'names = pairs["train"].features["label"].names  # the 19 type abbreviations, in label order',
        "```",
        "",
        f"Configs: `default` (all types) and one per type: {', '.join(f'`{t}`' for t in types)}. Files follow "
        "the layout `datasets` writes (`<TYPE>/<split>-NNNNN-of-NNNNN.parquet`), so the folder also loads "
        "without this card.",
        "Every row also carries the manifest columns (schema v1): `sample_id`, `split` (the manifest's name: "
        "`val` rows form the `validation` split), `degradation`, `label` (a ClassLabel over the type "
        "abbreviations; stable class index), `components`, `level`, `params` (JSON of the sampled parameters, "
        "enough to replay "
        "the degradation), `origin`, `source_dataset`, `source_path`, `group_id` (never spans two splits), "
        "`license`, `lq_path`, `gt_path`, `height`, `width`, digests, byte sizes and the per-sample `seed`.",
        "",
    ]
    if examples:
        parts += ["## Examples", "", "One pair per type: degraded (left) and clean (right).", "",
                  examples_table(examples), ""]
    parts += [
        "## Composition",
        "",
        composition_table(table),
        "",
        "## Licenses",
        "",
        "Each pair keeps the license of its clean source (the `license` column); the degraded images are "
        f"derivatives of those sources. Every source and what its license allows (also in [{LICENSE_NAME}]"
        f"({LICENSE_NAME})):",
        "",
        license_table(licenses),
        "",
    ]
    if gallery:
        parts += ["## Gallery", ""] + [f"![{path}]({path})" for path in gallery] + [""]
    parts += [
        "## How it was built",
        "",
        _table(
            ["field", "value"],
            [
                ["recipe", f"`{recipe_name}`"],
                ["recipe hash", f"`{metadata.get('uir.recipe_hash', '?')}`"],
                ["seed", f"`{seed}`"],
                ["engine version", f"`{metadata.get('uir.engine_version', '?')}`"],
                ["manifest schema", f"v{metadata.get('uir.schema_version', '?')}"],
            ],
        ),
        "",
        "Every random draw is seeded from (seed, sample_id, op index) and each row stores its sampled `params`, "
        "so the resolved recipe below and the seed determine every byte, whatever the worker count.",
        "",
    ]
    if recipe:
        parts += [
            "<details><summary>Resolved recipe</summary>",
            "",
            "```json",
            json.dumps(public_recipe(recipe), indent=2, sort_keys=True),
            "```",
            "",
            "</details>",
            "",
        ]
    parts += [
        "## Citation",
        "",
        f"The method and the UIR-2.5M dataset recipe are from the MaskDCPT paper ({ARXIV_URL}):",
        "",
        "```bibtex",
        BIBTEX,
        "```",
        "",
    ]
    return "\n".join(parts)
