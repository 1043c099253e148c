"""Administrative areas as RFC 7946 GeoJSON, built by PostGIS itself.

PostGIS writes the GeoJSON (``ST_AsGeoJSON`` + ``json_agg``) so Python never decodes and
re-encodes geometries; ``ST_ForcePolygonCCW`` guarantees RFC 7946 winding whatever was
loaded, and 6 decimals (~0.1 m) keep payloads small without visible loss.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID
from pks_geo.queries.versions import data_versions

AREA_LEVELS = ("kabupaten", "kecamatan", "desa")

AREAS_SQL = text("""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.kode), '[]'::json)
)::text
FROM (
    SELECT a.kode, json_build_object(
        'type', 'Feature',
        'id', a.kode,
        'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(a.geom), 6)::json,
        'properties', json_build_object(
            'kode', a.kode, 'nama', a.nama, 'level', a.level,
            'parent_kode', a.parent_kode, 'jenis', a.jenis,
            'area_km2', round(a.area_km2::numeric, 3))
    ) AS feature
    FROM admin_area a
    WHERE a.level = :level
      AND (CAST(:parent AS text) IS NULL OR a.kode LIKE CAST(:parent AS text) || '.%')
) f
""")

DISSOLVED_SQL = text("""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(f.feature ORDER BY f.kode), '[]'::json)
)::text
FROM (
    SELECT p.kode, json_build_object(
        'type', 'Feature',
        'id', p.kode,
        'geometry', ST_AsGeoJSON(ST_ForcePolygonCCW(d.geom), 6)::json,
        'properties', json_build_object(
            'kode', p.kode, 'nama', p.nama, 'level', p.level, 'parent_kode', p.parent_kode,
            'jenis', p.jenis, 'area_km2', round(p.area_km2::numeric, 3), 'outline', 'desa')
    ) AS feature
    FROM admin_area p
    JOIN LATERAL (
        -- the union of the desa, closed over the slivers between neighbours (~30 m) and
        -- without the holes those leave, so the outline is what the desa themselves draw
        SELECT ST_Transform(ST_MakeValid(ST_Buffer(ST_Buffer(ST_Union(ST_Transform(c.geom, :metric)),
                                                             30, 'join=mitre'), -30, 'join=mitre')),
                            4326) AS geom
        FROM admin_area c WHERE c.level = 'desa' AND c.kode LIKE p.kode || '.%'
    ) d ON d.geom IS NOT NULL
    WHERE p.level = :level
      AND (CAST(:parent AS text) IS NULL OR p.kode LIKE CAST(:parent AS text) || '.%')
) f
""")
"""Kecamatan (or kabupaten) drawn as the union of their desa: the desa and their kecamatan come
from sources of different detail, so the source kecamatan outline cuts through desa at desa
level; prints draw this union too (:func:`pks_geo.maps.static.dissolve_outlines`)."""

COUNTS_SQL = text("""
SELECT level, coalesce(jenis, ''), count(*) FROM admin_area GROUP BY level, jenis ORDER BY 1, 2
""")


OUTLINES = ("source", "desa")
"""``source``: each area's own boundary; ``desa``: the union of its desa (not for desa)."""
_DISSOLVED: dict[tuple[str, str, str | None, int], str] = {}


def areas_geojson(engine: Engine, level: str, within: str | None = None, outline: str = "source") -> str:
    """FeatureCollection text of all areas at ``level``, optionally below the code ``within``;
    with ``outline="desa"`` kecamatan/kabupaten are the union of their desa (cached per data version)."""
    if level not in AREA_LEVELS:
        raise ValueError(f"level must be one of {', '.join(AREA_LEVELS)}")
    if outline not in OUTLINES:
        raise ValueError(f"outline must be one of {', '.join(OUTLINES)}")
    if outline == "desa" and level != "desa":
        version = data_versions(engine, ("admin_area",)).versions["admin_area"]
        key = (engine.url.render_as_string(hide_password=True), level, within, version)
        if key not in _DISSOLVED:
            with engine.connect() as conn:
                body = conn.execute(DISSOLVED_SQL, {"level": level, "parent": within,
                                                    "metric": METRIC_SRID}).scalar_one()
            if len(_DISSOLVED) > 16:
                _DISSOLVED.clear()
            _DISSOLVED[key] = body
        return _DISSOLVED[key]
    with engine.connect() as conn:
        return conn.execute(AREAS_SQL, {"level": level, "parent": within}).scalar_one()


def area_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """{level: {jenis: count}} of what is loaded, for status output and checks."""
    out: dict[str, dict[str, int]] = {}
    with engine.connect() as conn:
        for level, jenis, count in conn.execute(COUNTS_SQL):
            out.setdefault(level, {})[jenis] = count
    return out


def kecamatan_codes(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT kode, nama FROM admin_area WHERE level = 'kecamatan'"))
        return {kode: nama for kode, nama in rows}


EXTENT_SQL = text("""
SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e)
FROM (SELECT ST_Extent(geom) AS e FROM admin_area WHERE level = :level) s
""")


def loaded_extent(engine: Engine, level: str) -> list[list[float]] | None:
    """Leaflet bounds [[south, west], [north, east]] of the loaded areas of ``level``, or None."""
    if level not in AREA_LEVELS:
        raise ValueError(f"level must be one of {', '.join(AREA_LEVELS)}")
    with engine.connect() as conn:
        row = conn.execute(EXTENT_SQL, {"level": level}).one()
    return None if row[0] is None else [[row[1], row[0]], [row[3], row[2]]]


DESA_CHOICES_SQL = text("""
SELECT d.kode, d.nama, coalesce(k.nama, '') AS kecamatan
FROM admin_area d LEFT JOIN admin_area k ON k.kode = d.parent_kode
WHERE d.level = 'desa'
ORDER BY d.nama, k.nama
""")


def desa_choices(engine: Engine) -> list[tuple[str, str, str]]:
    """(kode, desa name, kecamatan name) of every loaded desa, for pickers that choose by name."""
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(DESA_CHOICES_SQL)]  # type: ignore[misc]
