"""What every export says about itself: when, by whom, from what, under which filters, and its
classification marking.

A file that leaves the system may be forwarded many times; the marking (default
``TERBATAS``, "restricted") and the filters travel inside it so nobody mistakes a filtered
extract for the whole picture or an internal file for a public one. The marking is set with
``PKS_GEO_EXPORT_MARKING`` (or the app config key ``EXPORT_MARKING``); an empty value turns
it off.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from pks_geo.export.model import DatasetExport

DEFAULT_MARKING = "TERBATAS"
MARKING_ENV = "PKS_GEO_EXPORT_MARKING"
MAX_MARKING = 100
BASE_SOURCES = ("pks-geo, Tim Terpadu Penanganan Konflik Sosial Kabupaten Konawe Selatan",
                "Boundaries: cahyadsn/wilayah_boundaries (MIT), Kepmendagri No 300.2.2-2430 Tahun 2025")


def export_marking(configured: str | None = None) -> str:
    """The marking from the argument, else the environment, else ``TERBATAS``."""
    value = configured if configured is not None else os.environ.get(MARKING_ENV, DEFAULT_MARKING)
    value = value.strip()
    if len(value) > MAX_MARKING or any(ch in value for ch in "\r\n"):
        raise ValueError(f"{MARKING_ENV} must be one line of at most {MAX_MARKING} characters")
    return value


def build_metadata(export: DatasetExport, fmt: str, *, filters: dict[str, Any], actor: str,
                   role: str | None, marking: str, generated_at: datetime | None = None) -> dict[str, Any]:
    generated = (generated_at or datetime.now(UTC)).replace(microsecond=0)
    return {
        "title": export.title,
        "dataset": export.dataset,
        "format": fmt,
        "marking": marking or None,
        "generated_at": generated.isoformat(),
        "generated_by": actor,
        "role": role,
        "election": export.election,
        "filters": filters,
        "parameters": export.parameters,
        "crs": "WGS 84 (EPSG:4326), longitude/latitude",
        "layers": [layer.name for layer in export.layers],
        "sources": [*BASE_SOURCES, *export.sources],
        "notes": export.notes,
    }


def metadata_lines(metadata: dict[str, Any]) -> list[str]:
    """``key: value`` lines (for CSV comments and KML/GPX descriptions)."""
    import orjson

    lines = []
    for key, value in metadata.items():
        if value in (None, [], {}):
            continue
        text = value if isinstance(value, str) else orjson.dumps(value).decode()
        lines.append(f"{key}: {text}")
    return lines
