"""Display geometries: each level's polygons simplified as one coverage, cached per data version.

A choropleth of 2,283 desa with full-detail polygons is ~10 MB of GeoJSON. Simplifying
each polygon on its own would open slivers between neighbours; ``shapely.coverage_simplify``
simplifies every shared edge once, so neighbouring polygons still meet after
simplification (where they met before: the source data has its own gaps and overlaps,
which are kept as they are). Coordinates are then rounded to 5 decimals (~1 m), which
keeps shared vertices shared, and exteriors are wound counter-clockwise (RFC 7946).

The result is held in memory per database, level and ``admin_area`` data version
(:mod:`pks_geo.queries.versions`), as ready-made GeoJSON geometry text per kode, so a
warm request never simplifies or serialises a polygon again. Rebuilding the province's
desa takes about a quarter of a second.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from sqlalchemy import Engine, text

from pks_geo.queries.versions import data_versions

TOLERANCE_DEGREES = {"kabupaten": 0.0005, "kecamatan": 0.0005, "desa": 0.0003}
"""Simplification tolerance per level, in degrees (0.0003° ≈ 33 m at the equator)."""
DECIMALS = 5

GEOMETRY_SQL = text("SELECT kode, ST_AsBinary(geom) FROM admin_area WHERE level = :level ORDER BY kode")


@dataclass(frozen=True)
class DisplayGeometries:
    """GeoJSON geometry text (UTF-8 bytes) per area code of one level at one data version."""

    level: str
    version: int
    geometries: dict[str, bytes]


_cache: dict[tuple[str, str], DisplayGeometries] = {}
_lock = threading.Lock()


def simplify_coverage(geoms: np.ndarray, tolerance: float, decimals: int = DECIMALS) -> np.ndarray:
    """Simplify polygons as one coverage, round coordinates, wind exteriors CCW."""
    if len(geoms) == 0:
        return geoms
    simplified = shapely.coverage_simplify(geoms, tolerance)
    rounded = shapely.transform(simplified, lambda coords: np.round(coords, decimals))
    return shapely.orient_polygons(rounded, exterior_cw=False)


def display_geometries(engine: Engine, level: str, version: int | None = None) -> DisplayGeometries:
    """Simplified GeoJSON geometries of ``level``; rebuilt only when admin_area changed.

    ``version`` is the current ``admin_area`` data version when the caller already has it
    (saves a query); otherwise it is read here.
    """
    key = (engine.url.render_as_string(hide_password=True), level)
    if version is None:
        version = data_versions(engine, ("admin_area",)).versions["admin_area"]
    cached = _cache.get(key)
    if cached is not None and cached.version == version:
        return cached
    with _lock:
        cached = _cache.get(key)
        if cached is not None and cached.version == version:
            return cached
        built = _build(engine, level)
        _cache[key] = built
        return built


def _build(engine: Engine, level: str) -> DisplayGeometries:
    # Version and polygons are read in one snapshot so the cache never pairs new data with
    # an old version (or the reverse).
    with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
        version = data_versions(conn, ("admin_area",)).versions["admin_area"]
        rows = conn.execute(GEOMETRY_SQL, {"level": level}).all()
    codes = [kode for kode, _ in rows]
    geoms = shapely.from_wkb([bytes(wkb) for _, wkb in rows]) if rows else np.array([], dtype=object)
    simplified = simplify_coverage(np.asarray(geoms), TOLERANCE_DEGREES.get(level, 0.0003))
    texts: Any = shapely.to_geojson(simplified) if len(simplified) else []
    return DisplayGeometries(level, version, {kode: t.encode("utf-8") for kode, t in zip(codes, texts,
                                                                                        strict=True)})
