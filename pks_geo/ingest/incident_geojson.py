"""GeoJSON incident points -> incident fields for :func:`validate_incident`.

Properties use the district-sheet names (``tanggal``, ``kategori``, ``desa``, ...); the
Point geometry gives ``lon``/``lat`` (RFC 7946 order). A feature without geometry may
still be located by its desa; other geometry types are refused per feature. The feature
number (1-based) stands in for the line number in messages.
"""

from __future__ import annotations

from pathlib import Path

import orjson

from pks_geo.ingest.report import ImportFailed, Issue
from pks_geo.ingest.sheet import Table, header_name


def _feature_fields(number: int, feature: object) -> dict[str, object] | Issue:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return Issue(number, None, "not a GeoJSON Feature")
    props = feature.get("properties") or {}
    if not isinstance(props, dict):
        return Issue(number, "properties", "properties must be an object")
    fields = {header_name(k): v for k, v in props.items()}
    if "id" not in fields and feature.get("id") is not None:
        fields["id"] = feature["id"]
    geometry = feature.get("geometry")
    if geometry is None:
        return fields
    if not isinstance(geometry, dict) or geometry.get("type") != "Point":
        kind = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return Issue(number, "geometry", f"geometry must be a Point, got {kind}")
    coords = geometry.get("coordinates")
    if (not isinstance(coords, list) or len(coords) < 2
            or not all(isinstance(c, int | float) for c in coords[:2])):
        return Issue(number, "geometry", "Point coordinates must be [lon, lat] numbers")
    fields["lon"], fields["lat"] = float(coords[0]), float(coords[1])
    return fields


def read_incident_geojson(path: Path) -> Table:
    """Read a FeatureCollection (or one Feature) of incident points."""
    try:
        data = orjson.loads(path.read_bytes())
    except OSError as exc:
        raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
    except orjson.JSONDecodeError as exc:
        raise ImportFailed(f"{path}: not valid JSON ({exc})") from exc
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise ImportFailed(f"{path}: not a GeoJSON FeatureCollection")
    table = Table(path, columns=[])
    for number, feature in enumerate(data["features"], start=1):
        fields = _feature_fields(number, feature)
        if isinstance(fields, Issue):
            table.issues.append(fields)
        else:
            table.rows.append((number, fields))  # type: ignore[attr-defined]  # a list here
    table.labels = {"lat": "geometry", "lon": "geometry"}
    return table
