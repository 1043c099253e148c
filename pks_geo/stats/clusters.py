"""Incident clusters on the ground: PostGIS ``ST_ClusterDBSCAN`` in metres (EPSG:32751).

DBSCAN groups points that have at least ``min_points`` points (themselves included) within
``eps_m`` metres, chaining such neighbourhoods together; points in no dense neighbourhood
are noise and belong to no cluster. Each cluster comes back as a polygon only (no incident
ids, dates of single incidents or descriptions), so the layer is fit for every role:

* the polygon is the convex hull of the cluster's points (``hull=concave`` gives
  ``ST_ConcaveHull`` with ``concavity`` 0..1 instead); a hull that is a point or a line
  (one or two points, or collinear points) is buffered by ``eps_m / 2`` so that it still
  has an area;
* properties: ``cluster`` (1..k, largest first), ``count``, ``first_date``, ``last_date``,
  ``days`` (span), ``kategori`` (the most frequent; ties broken alphabetically) and
  ``kategori_count``, ``area_km2``.

Only incidents with a point of their own are clustered: by default ``exact`` and ``near``
precision (``points=all`` adds those placed at a desa's point-on-surface, which would
otherwise pile up into artificial clusters). Everything is one SQL statement with bound
parameters; the filters come from :class:`~pks_geo.queries.filters.FilterSet`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID
from pks_geo.queries.disclosure import CLUSTER_GRID_M, EXACT, Disclosure
from pks_geo.queries.filters import FilterSet

HULLS = ("convex", "concave")
POINT_SETS = ("exact", "all")
EPS_RANGE_M = (10.0, 50_000.0)
MIN_POINTS_RANGE = (1, 1000)
EXACT_PRECISIONS = ("exact", "near")

CLUSTER_SQL = """
WITH pts AS (
    SELECT i.event_date, i.kategori, ST_Transform(i.geom, {srid}) AS g
    FROM incident i
    WHERE {where}
), labelled AS (
    SELECT *, ST_ClusterDBSCAN(g, eps => :eps, minpoints => :min_points) OVER () AS cid FROM pts
), kat AS (
    SELECT cid, kategori, count(*) AS n,
           row_number() OVER (PARTITION BY cid ORDER BY count(*) DESC, kategori) AS rank
    FROM labelled WHERE cid IS NOT NULL GROUP BY cid, kategori
), cl AS (
    SELECT cid, count(*) AS n, min(event_date) AS first_date, max(event_date) AS last_date,
           CASE WHEN :concave THEN ST_ConcaveHull(ST_Collect(g), :concavity)
                ELSE ST_ConvexHull(ST_Collect(g)) END AS hull
    FROM labelled WHERE cid IS NOT NULL GROUP BY cid
), shaped AS (
    {shaped}
)
SELECT s.n, s.first_date, s.last_date, k.kategori, k.n AS kategori_n,
       ST_Area(s.poly) / 1e6 AS area_km2,
       ST_AsGeoJSON(ST_ForcePolygonCCW(ST_Transform(s.poly, 4326)), 6) AS geometry,
       (SELECT count(*) FROM labelled) AS n_points,
       (SELECT count(*) FROM labelled WHERE cid IS NULL) AS n_noise
FROM shaped s JOIN kat k ON k.cid = s.cid AND k.rank = 1
ORDER BY s.n DESC, s.first_date, s.cid
"""

EXACT_SHAPE = """SELECT cl.*, CASE WHEN ST_Dimension(hull) < 2 THEN ST_Buffer(hull, :eps / 2.0, 16)
                      ELSE hull END AS poly
    FROM cl"""
GRID_SHAPE = """SELECT cl.*, (SELECT ST_Union(sq.geom) FROM ST_SquareGrid(:grid, ST_Buffer(cl.hull, 1.0)) sq
                  WHERE ST_Intersects(sq.geom, cl.hull)) AS poly
    FROM cl WHERE cl.n >= :min_cell"""
"""Below analyst: the union of the grid squares the hull touches (every vertex a grid node of
UTM 51S, never an incident), and only clusters of at least ``min_cell`` incidents."""

COUNT_SQL = "SELECT count(*) FROM incident i WHERE {where}"


@dataclass(frozen=True)
class ClusterOptions:
    eps_m: float = 1000.0
    min_points: int = 5
    hull: str = "convex"
    concavity: float = 0.5
    points: str = "exact"

    def __post_init__(self) -> None:
        if not EPS_RANGE_M[0] <= self.eps_m <= EPS_RANGE_M[1]:
            raise ValueError(f"eps_m must be between {EPS_RANGE_M[0]:g} and {EPS_RANGE_M[1]:g}")
        if not MIN_POINTS_RANGE[0] <= self.min_points <= MIN_POINTS_RANGE[1]:
            raise ValueError(f"min_points must be between {MIN_POINTS_RANGE[0]} and {MIN_POINTS_RANGE[1]}")
        if self.hull not in HULLS:
            raise ValueError(f"hull must be one of {', '.join(HULLS)}")
        if not 0.0 <= self.concavity <= 1.0:
            raise ValueError("concavity must be between 0 and 1")
        if self.points not in POINT_SETS:
            raise ValueError(f"points must be one of {', '.join(POINT_SETS)}")


def point_where(filters: FilterSet, points: str = "exact") -> tuple[str, dict[str, object]]:
    """Condition on ``incident i`` for incidents with a point of their own (see module doc)."""
    where, params = filters.incident_where("i")
    where += " AND i.geom IS NOT NULL"
    if points != "all":
        where += " AND i.location_precision = ANY(:p_precisions)"
        params["p_precisions"] = list(EXACT_PRECISIONS)
    return where, params


def _params(filters: FilterSet, options: ClusterOptions) -> tuple[str, dict[str, object]]:
    where, params = point_where(filters, options.points)
    params.update(eps=float(options.eps_m), min_points=int(options.min_points),
                  concave=options.hull == "concave", concavity=float(options.concavity))
    return where, params


def cluster_sql(filters: FilterSet, options: ClusterOptions,
                disclosure: Disclosure = EXACT) -> tuple[str, dict[str, object]]:
    """The clustering statement and its bound parameters (also used by the benchmark)."""
    where, params = _params(filters, options)
    if disclosure.active:
        params.update(grid=CLUSTER_GRID_M, min_cell=disclosure.min_cell)
        return CLUSTER_SQL.format(where=where, srid=METRIC_SRID, shaped=GRID_SHAPE), params
    return CLUSTER_SQL.format(where=where, srid=METRIC_SRID, shaped=EXACT_SHAPE), params


def incident_clusters(engine: Engine, filters: FilterSet, options: ClusterOptions,
                      disclosure: Disclosure = EXACT) -> dict[str, object]:
    """Clusters as an RFC 7946 FeatureCollection (dict) with ``n_points``/``n_noise`` counts.

    Below analyst (``disclosure``) hulls are generalised to grid squares, clusters smaller than
    the minimum cell are left out, dates are months and small counts are null."""
    sql, params = cluster_sql(filters, options, disclosure)
    with engine.connect() as conn:
        rows = conn.execute(text(sql), params).all()
        if rows:
            n_points, n_noise = rows[0].n_points, rows[0].n_noise
        else:
            where, count_params = _params(filters, options)
            n_points = conn.execute(text(COUNT_SQL.format(where=where)), count_params).scalar_one()
            n_noise = n_points
    features: list[dict[str, Any]] = []
    for number, row in enumerate(rows, start=1):
        features.append({
            "type": "Feature",
            "id": number,
            "geometry": orjson.Fragment(row.geometry),
            "properties": {
                "cluster": number, "count": int(row.n),
                "first_date": disclosure.month(row.first_date), "last_date": disclosure.month(row.last_date),
                "days": (row.last_date - row.first_date).days if not disclosure.active else None,
                "kategori": row.kategori, "kategori_count": disclosure.count(int(row.kategori_n)),
                "area_km2": round(float(row.area_km2), 3),
            },
        })
    clustered = sum(f["properties"]["count"] for f in features) if disclosure.active else n_points - n_noise
    out = {"type": "FeatureCollection", "eps_m": options.eps_m, "min_points": options.min_points,
           "hull": options.hull if not disclosure.active else f"grid_{CLUSTER_GRID_M:g}m",
           "points": options.points, "n_points": disclosure.count(int(n_points)),
           "n_clustered": disclosure.count(int(clustered)),
           "n_noise": disclosure.count(int(n_points - clustered)),
           "n_clusters": len(features), "disclosure": disclosure.meta(), "features": features}
    return out
