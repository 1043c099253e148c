"""Data versions of the tables maps are computed from (table ``data_version``, migration 0005).

A trigger bumps a table's version in the same transaction that changes it, so a version
read here always matches the data a query in the next moment sees (or is older, never
newer). Caches key on these versions; HTTP responses derive ETag and Last-Modified from
them, which makes "nothing changed" a one-row lookup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text

VERSIONS_SQL = text("SELECT table_name, version, changed_at FROM data_version "
                    "WHERE table_name = ANY(:tables) ORDER BY table_name")


@dataclass(frozen=True)
class DataVersions:
    """Versions of a set of tables: a digest for ETags and the latest change time."""

    versions: dict[str, int]
    last_modified: datetime | None

    def digest(self, *extra: str) -> str:
        """A short stable hash of the versions plus ``extra`` (request parameters, code version)."""
        parts = [f"{t}={v}" for t, v in sorted(self.versions.items())] + list(extra)
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def data_versions(bind: Engine | Connection, tables: tuple[str, ...]) -> DataVersions:
    """Current versions of ``tables``; raises when migration 0005 has not been applied."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return data_versions(conn, tables)
    rows = bind.execute(VERSIONS_SQL, {"tables": list(tables)}).all()
    versions = {name: int(version) for name, version, _ in rows}
    missing = set(tables) - set(versions)
    if missing:
        raise LookupError(f"data_version has no row for {', '.join(sorted(missing))}; "
                          "run 'pks-geo db upgrade'")
    last = max((changed for _, _, changed in rows), default=None)
    return DataVersions(versions, last)
