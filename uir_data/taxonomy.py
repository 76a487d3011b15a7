"""The 19 UIR-2.5M degradation types: the one vocabulary shared by code, manifests, CLI and docs.

Labels are stable class indices: never renumber an existing type, only append. The order follows the
UIR-2.5M composition table (paper Table/appendix): 14 single types, then 5 mixed.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DegradationType:
    abbrev: str
    name: str
    family: str
    label: int
    components: tuple[str, ...]

    @property
    def is_mixed(self) -> bool:
        return len(self.components) > 1


def _single(abbrev: str, name: str, family: str, label: int) -> DegradationType:
    return DegradationType(abbrev, name, family, label, (abbrev,))


TYPES: tuple[DegradationType, ...] = (
    _single("GN", "Gaussian / Poisson / salt-and-pepper noise", "noise", 0),
    _single("RN", "Real-camera noise", "noise", 1),
    _single("MB", "Motion blur", "blur", 2),
    _single("DB", "Defocus blur", "blur", 3),
    _single("GB", "Gaussian and sinc blur", "blur", 4),
    _single("J", "JPEG compression", "compression", 5),
    _single("H", "Haze", "weather", 6),
    _single("RS", "Rain streaks", "weather", 7),
    _single("RD", "Raindrops", "weather", 8),
    _single("RSD", "Rain streaks + raindrops", "weather", 9),
    _single("S", "Snow", "weather", 10),
    _single("MS", "Mosaic (Bayer CFA)", "others", 11),
    _single("LL", "Low-light", "others", 12),
    _single("MR", "Moiré", "others", 13),
    DegradationType("BJ", "Blur + JPEG", "mixed", 14, ("GB", "J")),
    DegradationType("BR", "Blur + rain", "mixed", 15, ("DB", "RD")),
    DegradationType("BLN", "Blur + low-light + noise", "mixed", 16, ("MB", "LL", "GN")),
    DegradationType("LHRS", "Low-light + haze + rain + snow", "mixed", 17, ("LL", "H", "RS", "S")),
    DegradationType("DNBJ", "Downsample + noise + blur + JPEG", "mixed", 18, ("DS", "GN", "GB", "J")),
)

BY_ABBREV: dict[str, DegradationType] = {t.abbrev: t for t in TYPES}
ABBREVS: tuple[str, ...] = tuple(t.abbrev for t in TYPES)
SINGLE_ABBREVS: tuple[str, ...] = tuple(t.abbrev for t in TYPES if not t.is_mixed)
MIXED_ABBREVS: tuple[str, ...] = tuple(t.abbrev for t in TYPES if t.is_mixed)


class UnknownDegradationError(ValueError):
    """A degradation name that is not one of the 19 UIR types."""


def get_type(abbrev: str) -> DegradationType:
    """Look a type up by abbreviation, case-insensitively."""
    found = BY_ABBREV.get(abbrev.strip().upper())
    if found is None:
        raise UnknownDegradationError(
            f"unknown degradation type {abbrev!r}; known types: {', '.join(ABBREVS)}"
        )
    return found


def parse_type_list(text: str) -> tuple[str, ...]:
    """Parse 'GN,J,...' (or 'all') into validated abbreviations in taxonomy order."""
    if text.strip().lower() in ("", "all"):
        return ABBREVS
    wanted = {get_type(part).abbrev for part in text.split(",") if part.strip()}
    return tuple(a for a in ABBREVS if a in wanted)


def label_map() -> dict[str, int]:
    """abbrev -> stable class label, as stored in manifest metadata."""
    return {t.abbrev: t.label for t in TYPES}
