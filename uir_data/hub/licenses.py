"""Source licenses of an export: the Hub license id for the card, and which sources forbid redistribution.

Publishing degraded copies of a clean image is redistributing a derivative of it. Only licenses that allow
both are treated as open; everything else (non-commercial, research or academic only, no derivatives, no
license stated, or a license text this module does not recognise) is restricted: `uir push-to-hub`
warns and needs --allow-restricted-licenses to publish such pairs.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

# License ids the Hub accepts in `license:` (hub-docs repositories-licenses) that our sources use.
HUB_LICENSES = {
    "apache-2.0", "mit", "bsd-2-clause", "bsd-3-clause", "cc0-1.0", "cc-by-2.0", "cc-by-3.0", "cc-by-4.0",
    "cc-by-sa-3.0", "cc-by-sa-4.0", "cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0", "cc-by-nd-4.0", "odc-by", "odbl", "pddl",
    "unlicense", "gpl-3.0",
}
# Leading words of licenses that allow redistributing modified copies (given attribution where asked).
OPEN_PREFIXES = (
    "cc0", "public-domain", "public domain", "pddl", "unlicense", "mit", "apache", "bsd", "odc-by", "odbl",
    "cc-by", "cc by",
)
_RESTRICTIONS = (
    (re.compile(r"unstated|unknown|no (formal )?license|^\s*$"), "no license stated"),
    (re.compile(r"\bnc\b|non-?commercial"), "non-commercial only"),
    (re.compile(r"research|academic"), "research or academic use only"),
    (re.compile(r"\bnd\b|no-?deriv"), "no derivatives (degraded images are derivatives)"),
)


@dataclass(frozen=True)
class SourceLicense:
    source: str
    license: str
    pairs: int
    restriction: str  # why redistribution is not clearly allowed; '' when it is


def restriction(license_text: str) -> str:
    """Why a license text does not clearly allow redistributing derivatives, or '' when it does."""
    text = license_text.strip().lower()
    for pattern, reason in _RESTRICTIONS:
        if pattern.search(text):
            return reason
    if text.startswith(OPEN_PREFIXES):
        return ""
    return "not a license this tool recognises as open; check its terms"


def source_licenses(table: pa.Table) -> list[SourceLicense]:
    """One entry per (source dataset, license) with its pair count, sorted by source."""
    pairs = Counter(zip(table.column("source_dataset").to_pylist(), table.column("license").to_pylist(), strict=True))
    return [SourceLicense(source, text, count, restriction(text)) for (source, text), count in sorted(pairs.items())]


def restricted(licenses: Sequence[SourceLicense]) -> list[SourceLicense]:
    return [entry for entry in licenses if entry.restriction]


def hub_license_id(text: str) -> str | None:
    """'CC BY-NC-SA 4.0' -> 'cc-by-nc-sa-4.0', 'CC0-1.0 (Lav Varshney)' -> 'cc0-1.0'; None when not a Hub id."""
    head = re.split(r"[(;,]", text, maxsplit=1)[0].strip().lower()
    candidate = re.sub(r"\s+", "-", head)
    return candidate if candidate in HUB_LICENSES else None


def hub_license(texts: Sequence[str]) -> str:
    """One Hub license id for the card: the shared id when every source agrees on a known one, else 'other'."""
    ids = {hub_license_id(text) for text in texts}
    if len(ids) == 1 and (only := ids.pop()) is not None:
        return only
    return "other"


def describe(entries: Sequence[SourceLicense]) -> str:
    """'SIDD: SIDD terms of use (...) (research or academic use only, 40 pairs); ...' for messages."""
    return "; ".join(f"{e.source}: {e.license} ({e.restriction}, {e.pairs} pairs)" for e in entries)


def license_file(entries: Sequence[SourceLicense], pretty_name: str) -> str:
    """LICENSE.md of an export (the card's license_link): every source, its license, what it allows."""
    lines = [
        f"# Licenses of {pretty_name}",
        "",
        "Each pair keeps the license of its clean source image (the `license` column of every row); the",
        "degraded images are derivatives of those sources. Check each source's terms",
        "before using or redistributing its pairs; filter on `source_dataset` or `license` where it matters.",
        "",
        "| source dataset | license | pairs | redistribution |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {e.source} | {e.license} | {e.pairs} | {'restricted: ' + e.restriction if e.restriction else 'allowed'} |"
        for e in entries
    ]
    return "\n".join(lines) + "\n"
