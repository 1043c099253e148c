"""What every export says about itself: when, by whom, from what, under which filters, and its
classification marking.

A file that leaves the system may be forwarded many times; the marking (default
``TERBATAS``, "restricted") and the filters travel inside it so nobody mistakes a filtered
extract for the whole picture or an internal file for a public one. The marking is the one
of the print maps (``PKS_GEO_MARKING``); the app config key ``EXPORT_MARKING`` or the CLI's
``--marking`` override it for exports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pks_geo.config import Settings, validate_marking
from pks_geo.export.model import DatasetExport

BOUNDARY_SOURCE = "Boundaries: cahyadsn/wilayah_boundaries (MIT), Kepmendagri No 300.2.2-2430 Tahun 2025"


def base_sources(region: str | None) -> list[str]:
    """Who made the file, for the region the data are of (named from the loaded boundaries)."""
    team = "pks-geo, Tim Terpadu Penanganan Konflik Sosial" + (f" {region}" if region else "")
    return [team, BOUNDARY_SOURCE]


def export_marking(configured: str | None = None) -> str:
    """The marking: ``configured`` (checked like ``PKS_GEO_MARKING``; ``none`` or empty for no
    marking), else ``PKS_GEO_MARKING`` (default ``TERBATAS``), the marking of the print maps too."""
    if configured is None:
        return Settings.from_env().marking
    return validate_marking(configured) if configured.strip() else ""


def build_metadata(export: DatasetExport, fmt: str, *, filters: dict[str, Any], actor: str,
                   role: str | None, marking: str, generated_at: datetime | None = None,
                   region: str | None = None) -> dict[str, Any]:
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
        "region": region,
        "sources": [*base_sources(region), *export.sources],
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
