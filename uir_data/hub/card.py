"""The dataset card (README.md) of an export: YAML front matter that `datasets` and the Hub read, then prose.

The front matter declares one `default` config (every type, per split) and one config per degradation type
(its own shards), `dataset_info` with the features and per-split row counts (`datasets` checks the counts on
load), the license and `task_categories` (research/ecosystem.md §A2, hub-docs datasets-manual-configuration).
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any, Protocol

import pyarrow as pa
import yaml

from uir_data.hub.layout import features_yaml, rank, split_glob
from uir_data.manifest import SPLITS
from uir_data.taxonomy import ABBREVS, BY_ABBREV

# License ids the Hub accepts in `license:` (hub-docs repositories-licenses), matched against the first word
# of a manifest's free-text license ("CC0-1.0 (Lav Varshney)" -> cc0-1.0).
HUB_LICENSES = {
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "cc0-1.0", "cc-by-2.0", "cc-by-3.0", "cc-by-4.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "odc-by", "odbl", "pddl",
    "unlicense", "gpl-3.0", "unknown",
}
# Hub size buckets (hub-docs: size_categories).
SIZE_BUCKETS = ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M"),
                (10_000_000, "1M<n<10M"), (100_000_000, "10M<n<100M"))


class ShardInfo(Protocol):
    path: str
    bytes: int
    rows: int
    degradation: str
    split: str


def hub_license(texts: Sequence[str]) -> str:
    """One Hub license id for the card: the shared id when every source agrees on a known one, else 'other'."""
    ids = {text.split(" ")[0].strip().lower() for text in texts}
    if len(ids) == 1 and (only := ids.pop()) in HUB_LICENSES:
        return only
    return "other"


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
        splits = _ordered(set(per_config[config]), SPLITS)
        pattern = "*" if config == "default" else config
        return [{"split": split, "path": split_glob(split, pattern)} for split in splits]

    def info(config: str) -> dict[str, Any]:
        splits = _ordered(set(per_config[config]), SPLITS)
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
    if license_id == "other":
        front["license_name"] = "mixed-per-source"
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
    return _table(["type", "name", "origin", *splits, "total"], rows)


def license_table(table: pa.Table) -> str:
    counts = Counter(zip(table.column("source_dataset").to_pylist(), table.column("license").to_pylist(), strict=True))
    rows = [[source, license_text, n] for (source, license_text), n in sorted(counts.items())]
    return _table(["source dataset", "license", "pairs"], rows)


def render_card(
    *,
    table: pa.Table,
    shards: Sequence[ShardInfo],
    metadata: dict[str, str],
    recipe: dict[str, Any],
    gallery: Sequence[str],
    repo_id: str | None,
    pretty_name: str,
) -> str:
    """The whole README.md: YAML front matter, loading snippet, composition, licenses, gallery, provenance."""
    licenses = table.column("license").to_pylist()
    front = front_matter(shards, licenses, pretty_name, table.num_rows)
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
        f"over {len(types)} degradation types, built with the `uir` toolkit (MaskDCPT, arXiv 2510.13282). "
        "Image bytes are embedded exactly as the build wrote them (no re-encoding), so `lq_sha256` / "
        "`gt_sha256` hold for the decoded columns' bytes.",
        "",
        "## Loading",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        f'pairs = load_dataset("{repo}")  # every type; splits: {", ".join(splits)}',
        f'one_type = load_dataset("{repo}", name="{example_type}")  # one degradation type',
        'pair = pairs["train"][0]  # pair["lq"], pair["gt"]: PIL images; pair["degradation"], pair["params"]',
        "```",
        "",
        f"Configs: `default` (all types) and one per type: {', '.join(f'`{t}`' for t in types)}.",
        "Every row also carries the manifest columns (schema v1): `sample_id`, `split`, `degradation`, `label` "
        "(stable class index), `components`, `level`, `params` (JSON of the sampled parameters, enough to replay "
        "the degradation), `origin`, `source_dataset`, `source_path`, `group_id` (never spans two splits), "
        "`license`, `lq_path`, `gt_path`, `height`, `width`, digests, byte sizes and the per-sample `seed`.",
        "",
        "## Composition",
        "",
        composition_table(table),
        "",
        "## Licenses",
        "",
        "Each pair keeps the license of its clean source; filter on the `license` column where it matters.",
        "",
        license_table(table),
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
            json.dumps(recipe, indent=2, sort_keys=True),
            "```",
            "",
            "</details>",
            "",
        ]
    return "\n".join(parts)
