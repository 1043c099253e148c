"""The result of every import: what was accepted, changed, rejected and warned about.

One shape for all importers so that the CLI prints and ``--report`` writes the same
structure whatever was imported, and a user can always find the row and the reason.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path


class ImportFailed(Exception):
    """A file cannot be imported at all; nothing was changed. The message names file and field."""


@dataclass
class Issue:
    """One rejected row or one warning: where (row/feature id), which field, and why."""

    row: int | str | None
    field: str | None
    reason: str
    ref: str | None = None

    def __str__(self) -> str:
        where = f"row {self.row}" if isinstance(self.row, int) else (self.row or "")
        parts = [p for p in (where, self.ref, self.field and f"field {self.field!r}") if p]
        return f"{', '.join(parts)}: {self.reason}" if parts else self.reason


@dataclass
class ImportReport:
    """Counts and per-row issues of one import run."""

    source: str
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    dry_run: bool = False

    @property
    def accepted(self) -> int:
        return self.inserted + self.updated + self.unchanged

    def reject(self, row: int | str | None, field_name: str | None, reason: str,
               ref: str | None = None) -> None:
        self.rejected.append(Issue(row, field_name, reason, ref))

    def warn(self, row: int | str | None, field_name: str | None, reason: str,
             ref: str | None = None) -> None:
        self.warnings.append(Issue(row, field_name, reason, ref))

    def summary(self) -> str:
        prefix = "[dry run] " if self.dry_run else ""
        return (f"{prefix}{self.source}: read {self.read}, accepted {self.accepted} "
                f"(new {self.inserted}, updated {self.updated}, unchanged {self.unchanged}), "
                f"rejected {len(self.rejected)}, warnings {len(self.warnings)}")

    def to_dict(self) -> dict[str, object]:
        data = asdict(self)
        data["accepted"] = self.accepted
        return data

    def write_json(self, path: Path) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=str))
