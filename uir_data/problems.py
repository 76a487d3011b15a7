"""A problem found by a check (verify-manifest, export verification, source checks)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One finding: which sample, which file, what is wrong. `sample_id`/`file` may be '' when n/a."""

    check: str  # short machine name, e.g. "sha256", "missing-file", "split-leak"
    message: str  # one sentence for a person
    sample_id: str = ""
    file: str = ""

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    def __str__(self) -> str:
        where = " ".join(part for part in (self.sample_id, self.file) if part)
        return f"[{self.check}] {where}: {self.message}" if where else f"[{self.check}] {self.message}"
