"""Where the rows of an import landed, as map points for the Impor page.

Why inside the import's transaction: a dry run rolls back, so the rows it wrote can only be
read before that (the importers' ``inspect(conn, report)`` hook calls :func:`landed_rows`).
The rows this transaction wrote (new or changed) are those with ``updated_at = now()``:
``now()`` is the transaction's start, which inserts take by default and updates set. Rows the
file left unchanged are not drawn (the report counts them).

The Impor page is for editors, who may see exact points: up to :data:`MAP_POINTS` rows each is
one point; beyond that one point per desa with its count keeps a 100,000-row map light.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, text

MAP_POINTS = 3000

_SELECT = """
SELECT count(*) AS n, ST_X(ST_Centroid(ST_Collect(t.geom))) AS lon,
       ST_Y(ST_Centroid(ST_Collect(t.geom))) AS lat, min(d.nama) AS desa,
       min(t.location_precision) AS precision, min({label}) AS label
FROM {table} t LEFT JOIN admin_area d ON d.kode = t.desa_kode
WHERE t.source = :source AND t.updated_at = now() AND t.geom IS NOT NULL {extra}
GROUP BY CASE WHEN :per_row THEN t.id::text ELSE coalesce(t.desa_kode, t.id::text) END
"""
QUERIES = {
    "incident": (text(_SELECT.format(table="incident", label="t.external_id", extra="")),
                 text("SELECT count(*) FROM incident WHERE source = :source AND updated_at = now()")),
    "tps": (text(_SELECT.format(table="polling_site", label="t.kode_tps",
                                extra="AND t.election_code = :election")),
            text("SELECT count(*) FROM polling_site WHERE source = :source AND updated_at = now() "
                 "AND election_code = :election")),
}


def landed_rows(conn: Connection, table: str, source: str, election: str | None = None) -> dict[str, Any]:
    """GeoJSON of the rows this transaction wrote to ``table`` (``incident`` or ``tps``) for
    ``source``; ``rows`` is how many, ``grouped`` says ``row`` or ``desa``."""
    points, count = QUERIES[table]
    params = {"source": source, "election": election}
    total = conn.execute(count, params).scalar_one()
    per_row = total <= MAP_POINTS
    features = [{
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
        "properties": {"n": r.n, "desa": r.desa, "precision": r.precision,
                       "label": r.label if per_row else None},
    } for r in conn.execute(points, {**params, "per_row": per_row})]
    return {"type": "FeatureCollection", "features": features, "rows": total,
            "grouped": "row" if per_row else "desa"}
