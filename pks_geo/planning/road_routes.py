"""Distances and paths along the loaded road network (pgRouting), for patrol plans.

With a road network loaded (``pks-geo roads load``), the cost between a post and a TPS is
what a patrol drives: each point snaps to its nearest road vertex (a KNN scan of
``road_vertex``), one ``pgr_dijkstraCostMatrix`` per Polsek gives the road metres between
the vertices, and the short hops from each point to its vertex are added. Route lines are
the edges of ``pgr_dijkstra`` for the legs a route actually drives, one query per sector.

Points farther than ``SNAP_LIMIT_M`` from any road vertex, and pairs the roads do not join
(a road file that stops at the district edge), keep the method used without roads (straight,
or over land round bays) with its ``detour_factor``, so a plan never loses a TPS to a gap in
the road data. The matrix is planned symmetric (the mean of both directions, one-way roads
included); a leg's reported length is its own direction's.

Queries read only the edges in the box of the Polsek's points widened by ``MARGIN_DEG`` (or
a quarter of the points' extent, if larger), and the lines of all of a Polsek's routes come in
one query: pgRouting loads its edges on every call, and a district's whole network per sector
took five times as long as the plan without roads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

import numpy as np
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID, STORAGE_SRID

SNAP_LIMIT_M = 1000.0
"""A point farther than this from every road vertex is routed without roads."""
MARGIN_DEG = 0.05
"""Edges read around the points' box, in degrees (about 5.5 km), or a quarter of the box's
larger side if that is more: room for a road's detour."""

_to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
_to_wgs84 = Transformer.from_crs(METRIC_SRID, STORAGE_SRID, always_xy=True)

HAS_ROADS_SQL = text("""
SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pgrouting')
   AND to_regclass('road_edge') IS NOT NULL
""")
SNAP_SQL = text("""
SELECT v.id, ST_X(v.geom), ST_Y(v.geom)
FROM unnest(CAST(:xs AS float8[]), CAST(:ys AS float8[])) WITH ORDINALITY AS p(x, y, i)
CROSS JOIN LATERAL (SELECT id, geom FROM road_vertex
                    ORDER BY geom <-> ST_SetSRID(ST_MakePoint(p.x, p.y), 4326) LIMIT 1) v
ORDER BY p.i
""")
MATRIX_SQL = text("""
SELECT start_vid, end_vid, agg_cost
FROM pgr_dijkstraCostMatrix(CAST(:edges AS text), CAST(:vids AS bigint[]), directed := true)
""")
LEGS_SQL = text("""
SELECT d.start_vid, d.end_vid,
       ST_AsBinary(CASE WHEN d.node = e.source THEN e.geom ELSE ST_Reverse(e.geom) END)
FROM pgr_dijkstra(CAST(:edges AS text), CAST(:pairs AS text), directed := true) d
JOIN road_edge e ON e.id = d.edge
ORDER BY d.start_vid, d.end_vid, d.path_seq
""")


class Paths(Protocol):
    """Distances (``dist``, inf where no path) and leg coordinates between points of ``xy``."""

    dist: np.ndarray

    def leg(self, i: int, j: int) -> np.ndarray: ...


class StraightPaths:
    """Straight lines: the fallback when no district outline is loaded either."""

    def __init__(self, xy: np.ndarray) -> None:
        self.xy = xy
        self.dist = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))

    def leg(self, i: int, j: int) -> np.ndarray:
        return np.vstack([self.xy[i], self.xy[j]])


def edges_sql(xy: np.ndarray) -> str:
    """pgRouting's edge query for the box of ``xy`` (metric) widened by the margin.

    The box is four floats formatted here, never text from a request."""
    lon, lat = _to_wgs84.transform(xy[:, 0], xy[:, 1])
    margin = max(MARGIN_DEG, float(np.ptp(lon)) / 4, float(np.ptp(lat)) / 4)
    box = [float(np.min(lon)) - margin, float(np.min(lat)) - margin,
           float(np.max(lon)) + margin, float(np.max(lat)) + margin]
    return ("SELECT id, source, target, cost, reverse_cost FROM road_edge WHERE geom && "
            f"ST_MakeEnvelope({box[0]!r}, {box[1]!r}, {box[2]!r}, {box[3]!r}, 4326)")


def road_matrix(n: int, vid: np.ndarray, hop: np.ndarray, snapped: np.ndarray, vids: np.ndarray,
                rows: Sequence[Sequence[float]]) -> np.ndarray:
    """Directed road metres between ``n`` points (inf: off the roads, or not joined by them).

    ``rows`` are ``pgr_dijkstraCostMatrix``'s (start vertex, end vertex, cost) between the sorted
    vertex ids ``vids``; each point adds its hop to its vertex ``vid`` at both ends."""
    between = np.full((len(vids), len(vids)), np.inf)
    np.fill_diagonal(between, 0.0)  # two points on one vertex: just the two hops
    if len(rows):
        table = np.array([tuple(r) for r in rows], dtype=float)  # Row objects: slow for numpy
        between[np.searchsorted(vids, table[:, 0].astype(np.int64)),
                np.searchsorted(vids, table[:, 1].astype(np.int64))] = table[:, 2]
    road = np.full((n, n), np.inf)
    on = np.flatnonzero(snapped)
    k = np.searchsorted(vids, vid[on])
    block = hop[on, None] + between[np.ix_(k, k)] + hop[None, on]
    np.fill_diagonal(block, 0.0)
    road[np.ix_(on, on)] = block
    return road


class RoadNetwork:
    """The loaded road network of one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def paths(self, xy: np.ndarray, fallback: Callable[[np.ndarray], Paths],
              detour_factor: float) -> RoadPaths:
        """Road distances between all points of ``xy`` (metric), ``fallback`` where roads fail."""
        return RoadPaths(self.engine, xy, fallback, detour_factor)


class RoadPaths:
    """Pairwise costs of a few points over roads; see the module docstring.

    ``dist`` (symmetric, road-equivalent metres: fallback legs times ``detour_factor``) is for
    planning; :meth:`length`, :meth:`factor` and :meth:`leg` describe the legs driven."""

    def __init__(self, engine: Engine, xy: np.ndarray, fallback: Callable[[np.ndarray], Paths],
                 detour_factor: float) -> None:
        self.engine, self.xy, self.detour = engine, xy, detour_factor
        n = len(xy)
        self.edges = edges_sql(xy)
        lon, lat = _to_wgs84.transform(xy[:, 0], xy[:, 1])
        with engine.connect() as conn:
            snapped = conn.execute(SNAP_SQL, {"xs": list(map(float, lon)), "ys": list(map(float, lat))}).all()
            self.vid = np.array([row[0] for row in snapped], dtype=np.int64)
            vx, vy = _to_metric.transform([row[1] for row in snapped], [row[2] for row in snapped])
            self.vertex = np.column_stack([vx, vy])
            self.hop = np.hypot(*(xy - self.vertex).T)
            self.snapped = self.hop <= SNAP_LIMIT_M
            vids = np.unique(self.vid[self.snapped])
            rows = (conn.execute(MATRIX_SQL, {"edges": self.edges, "vids": vids.tolist()}).all()
                    if len(vids) > 1 else [])
        self.road = road_matrix(n, self.vid, self.hop, self.snapped, vids, rows)
        road = self.road
        self.on_road = np.isfinite(road) & np.isfinite(road.T)
        need = np.flatnonzero(~self.on_road.all(axis=1))
        self.fallback_index = {int(k): pos for pos, k in enumerate(need)}
        self.fallback = fallback(xy[need]) if len(need) else None
        self.dist = np.where(self.on_road, (road + road.T) / 2, np.inf)
        for i in need:
            for j in need:
                if not self.on_road[i, j]:
                    self.dist[i, j] = self._fallback_dist(int(i), int(j)) * detour_factor
        self._legs: dict[tuple[int, int], np.ndarray] = {}

    def _fallback_dist(self, i: int, j: int) -> float:
        assert self.fallback is not None
        return float(self.fallback.dist[self.fallback_index[i], self.fallback_index[j]])

    def length(self, i: int, j: int) -> float:
        """Metres of the leg i→j: along the roads, else the fallback's line."""
        return float(self.road[i, j]) if self.on_road[i, j] else self._fallback_dist(i, j)

    def factor(self, i: int, j: int) -> float:
        """Road length per metre of the leg: 1 on roads, the detour factor on a fallback line."""
        return 1.0 if self.on_road[i, j] else self.detour

    def prefetch(self, pairs: list[tuple[int, int]]) -> None:
        """Fetch the road lines of the legs a route drives, in one ``pgr_dijkstra`` query."""
        wanted = {(int(self.vid[i]), int(self.vid[j])) for i, j in pairs
                  if i != j and self.on_road[i, j] and self.vid[i] != self.vid[j]
                  and (i, j) not in self._legs}
        pieces: dict[tuple[int, int], list[np.ndarray]] = {}
        if wanted:
            values = ", ".join(f"({a}, {b})" for a, b in sorted(wanted))  # integers from the database
            with self.engine.connect() as conn:
                rows = conn.execute(LEGS_SQL, {"edges": self.edges, "pairs":
                                               f"SELECT * FROM (VALUES {values}) AS t(source, target)"}).all()
            for a, b, wkb in rows:
                coords = shapely.get_coordinates(shapely.from_wkb(bytes(wkb)))
                pieces.setdefault((int(a), int(b)), []).append(coords)
        for i, j in pairs:
            if (i, j) in self._legs:
                continue
            if not self.on_road[i, j]:
                assert self.fallback is not None
                self._legs[(i, j)] = self.fallback.leg(self.fallback_index[i], self.fallback_index[j])
                continue
            parts = pieces.get((int(self.vid[i]), int(self.vid[j])), [])
            lonlat = np.vstack(parts) if parts else np.zeros((0, 2))
            x, y = _to_metric.transform(lonlat[:, 0], lonlat[:, 1])
            self._legs[(i, j)] = np.vstack([self.xy[i], self.vertex[i], np.column_stack([x, y]),
                                            self.vertex[j], self.xy[j]])

    def leg(self, i: int, j: int) -> np.ndarray:
        """Coordinates of the leg i→j (both ends exact)."""
        if (i, j) not in self._legs:
            self.prefetch([(i, j)])
        return self._legs[(i, j)]


def road_network(engine: Engine) -> RoadNetwork | None:
    """The loaded road network, or None when pgRouting or any road edge is missing."""
    with engine.connect() as conn:
        if not conn.execute(HAS_ROADS_SQL).scalar():
            return None
        if conn.execute(text("SELECT 1 FROM road_edge LIMIT 1")).first() is None:
            return None
    return RoadNetwork(engine)
