"""Patrol sectors and routes: which TPS one team covers, and in which order.

For each Polsek, its TPS are split into sectors that one team can cover: k-means bisection
(scipy, two clusters at a time, on UTM 51S metres) until every sector has at most
``max_tps`` TPS and no two of its TPS lie more than ``max_diameter_m`` apart. Bisection
keeps sectors compact and, unlike one k-means with a fixed k, meets both limits without a
search over k.

Each sector's route starts at the Polsek's post and visits every TPS exactly once:
nearest neighbour to start, then 2-opt (reverse a stretch of the tour whenever that
shortens it) until no reversal helps. Sectors are small (a handful of TPS), so 2-opt on
the full distance matrix is instant and usually optimal.

Distances stay on land (:mod:`pks_geo.planning.land_routes`): a leg whose straight line
crosses the sea (a bay, a strait) follows the shortest path over the district's land
instead, TPS on land that does not touch (islands) never share a sector, and a sector's
diameter is measured over land, so TPS on both shores of a bay are split. ``detour_factor``
turns these lengths into an estimate of road length, and the estimated time adds
``stop_minutes`` per TPS at ``speed_kmh``. With a road network loaded (``pks-geo roads load``),
costs and route lines follow the roads instead (:mod:`pks_geo.planning.road_routes`, pgRouting)
and no detour factor applies to them; a TPS far from every road keeps the method above. The
plan's ``routing`` / ``routing_method`` say which method drew it.

Outputs per sector: the ordered TPS list, a route line with length and time, and a sector
polygon (convex hull of its TPS, buffered by ``sector_buffer_m``), in WGS 84.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from scipy.cluster.vq import kmeans2
from scipy.spatial import ConvexHull, QhullError
from scipy.spatial.distance import cdist, pdist
from shapely.geometry import LineString, MultiPoint, Point, mapping
from shapely.geometry.polygon import orient
from sqlalchemy import Engine

from pks_geo.models import METRIC_SRID, STORAGE_SRID
from pks_geo.planning.land_routes import LandGrid, LandPaths, land_grid
from pks_geo.planning.risk import RiskResult, TpsRisk, compute_risk
from pks_geo.planning.road_routes import (
    SNAP_LIMIT_M,
    Paths,
    RoadNetwork,
    RoadPaths,
    StraightPaths,
    road_network,
)
from pks_geo.planning.security_data import PatrolConfig, SecurityData, load_security_data
from pks_geo.queries.filters import ParameterError

_to_metric = Transformer.from_crs(STORAGE_SRID, METRIC_SRID, always_xy=True)
_to_wgs84 = Transformer.from_crs(METRIC_SRID, STORAGE_SRID, always_xy=True)


# --- sectors ----------------------------------------------------------------------------------

def diameter(xy: np.ndarray) -> float:
    """Largest distance between two points (on the convex hull when there are many)."""
    if len(xy) < 2:
        return 0.0
    pts = xy
    if len(xy) > 3:
        try:
            pts = xy[ConvexHull(xy).vertices]
        except QhullError:  # collinear or repeated points: use them all
            pts = xy
    return float(pdist(pts).max())


def _bisect(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Two groups of positions: k-means (k=2, fixed seed), else a median cut along the longest axis."""
    if len(np.unique(xy, axis=0)) >= 2:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            _, labels = kmeans2(xy, 2, seed=7, minit="++")
        a, b = np.flatnonzero(labels == 0), np.flatnonzero(labels == 1)
        if len(a) and len(b):
            return a, b
    axis = int(np.argmax(np.ptp(xy, axis=0))) if len(xy) else 0
    order = np.argsort(xy[:, axis], kind="stable")
    half = len(order) // 2
    return np.sort(order[:half]), np.sort(order[half:])


LandSplit = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray] | None]
"""Given a group (indices), two subgroups when it is too wide over land, else None."""


def make_sectors(xy: np.ndarray, max_tps: int, max_diameter_m: float,
                 land_split: LandSplit | None = None) -> list[np.ndarray]:
    """Split points into groups of at most ``max_tps`` and at most ``max_diameter_m`` across.

    ``land_split`` checks a group that is narrow enough in straight lines once more over land
    (a straight line is never longer than the land path). Returns index arrays into ``xy``;
    every index appears in exactly one group."""
    if len(xy) == 0:
        return []
    done: list[np.ndarray] = []
    stack = [np.arange(len(xy))]
    while stack:
        idx = stack.pop()
        if len(idx) == 1 or (len(idx) <= max_tps and diameter(xy[idx]) <= max_diameter_m):
            split = land_split(idx) if land_split is not None and len(idx) > 1 else None
            if split is None:
                done.append(idx)
            else:
                stack.extend([idx[split[1]], idx[split[0]]])
            continue
        a, b = _bisect(xy[idx])
        stack.extend([idx[b], idx[a]])
    return done


def split_by_land(xy: np.ndarray, max_diameter_m: float, grid: LandGrid) -> LandSplit:
    """A :data:`LandSplit` for points ``xy``: the two points farthest apart over land seed two
    groups, and every other point joins the seed it is nearer to over land."""
    return split_by_distance(lambda idx: grid.paths(xy[idx]).dist, max_diameter_m)


def split_by_distance(dist_of: Callable[[np.ndarray], np.ndarray], max_diameter_m: float) -> LandSplit:
    """A :data:`LandSplit` from a distance matrix of a group (over land, or over roads)."""

    def split(idx: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        dist = dist_of(idx)  # inf between pieces of land that do not touch
        i, j = np.unravel_index(int(np.argmax(dist)), dist.shape)
        if dist[i, j] <= max_diameter_m:
            return None
        near_i = dist[:, i] <= dist[:, j]  # a third island (inf to both) is split off later
        near_i[i], near_i[j] = True, False
        return np.flatnonzero(near_i), np.flatnonzero(~near_i)

    return split


# --- routes ---------------------------------------------------------------------------------

def order_route(start: np.ndarray, xy: np.ndarray, closed: bool = True,
                dist: np.ndarray | None = None) -> list[int]:
    """Visiting order (indices into ``xy``) from ``start``: nearest neighbour, then 2-opt.

    ``closed`` routes return to ``start``. ``dist`` is the distance matrix of ``start``
    followed by ``xy`` (over land); straight lines without it. Every index appears exactly once."""
    n = len(xy)
    if n == 0:
        return []
    if dist is None:
        nodes = np.vstack([start.reshape(1, 2), xy])
        dist = cdist(nodes, nodes)
    order = [0]
    remaining = set(range(1, n + 1))
    while remaining:
        last = order[-1]
        nxt = min(remaining, key=lambda j: (dist[last, j], j))
        order.append(nxt)
        remaining.remove(nxt)
    improved = True
    while improved:
        improved = False
        for i in range(1, n):
            for j in range(i + 1, n + 1):
                a, b = order[i - 1], order[i]
                c = order[j]
                if j + 1 <= n:
                    d = order[j + 1]
                elif closed:
                    d = order[0]
                else:
                    d = None
                before = dist[a, b] + (dist[c, d] if d is not None else 0.0)
                after = dist[a, c] + (dist[b, d] if d is not None else 0.0)
                if after < before - 1e-9:
                    order[i:j + 1] = reversed(order[i:j + 1])
                    improved = True
    return [k - 1 for k in order[1:]]


# --- plan ---------------------------------------------------------------------------------

@dataclass
class Stop:
    order: int
    kode_tps: str
    no_tps: int
    desa_nama: str | None
    kecamatan_nama: str | None
    category: str
    category_source: str
    score: float
    dpt: int | None
    lon: float
    lat: float
    location_approx: bool
    leg_m: float
    cumulative_m: float


@dataclass
class Sector:
    id: str
    polsek: str
    polsek_nama: str
    polres: str | None
    number: int
    start: str
    """Post id the route starts from, or ``first-tps`` when the Polsek has no post."""
    start_name: str
    start_lon: float
    start_lat: float
    stops: list[Stop]
    length_m: float
    road_km_est: float
    minutes_est: float
    diameter_m: float
    closed: bool
    route: LineString
    polygon: Any

    @property
    def categories(self) -> dict[str, int]:
        return dict(Counter(s.category for s in self.stops))

    def summary(self) -> dict[str, Any]:
        return {
            "sector": self.id, "polsek": self.polsek, "polsek_nama": self.polsek_nama, "polres": self.polres,
            "number": self.number, "start": self.start, "start_name": self.start_name,
            "n_tps": len(self.stops), "length_km": round(self.length_m / 1000, 2),
            "road_km_est": round(self.road_km_est, 2), "minutes_est": round(self.minutes_est),
            "diameter_km": round(self.diameter_m / 1000, 2), "closed": self.closed,
            "categories": self.categories, "tps": [s.kode_tps for s in self.stops],
        }


@dataclass
class PatrolPlan:
    election: str
    config: PatrolConfig
    sectors: list[Sector]
    notes: list[str] = field(default_factory=list)
    polsek: str | None = None
    routing: str = "straight"
    """``road`` (along the loaded road network), ``land`` (legs over water go round by land) or
    ``straight`` (no boundaries to route on)."""
    off_road: list[str] = field(default_factory=list)
    """TPS (and posts) farther than the snapping limit from every road, routed without roads."""

    def meta(self) -> dict[str, Any]:
        c = self.config
        return {"election": self.election, "polsek": self.polsek, "n_sectors": len(self.sectors),
                "routing": self.routing,
                "routing_method": "road" if self.routing == "road" else "straight_line",
                "off_road": self.off_road,
                "n_tps": sum(len(s.stops) for s in self.sectors),
                "parameters": {"max_tps": c.max_tps, "max_diameter_m": c.max_diameter_m,
                               "speed_kmh": c.speed_kmh, "stop_minutes": c.stop_minutes,
                               "detour_factor": c.detour_factor, "return_to_post": c.return_to_post,
                               "sector_buffer_m": c.sector_buffer_m},
                "notes": self.notes}

    def features(self) -> list[dict[str, Any]]:
        """RFC 7946 features: sector polygons, route lines and ordered stops (``feature_type``)."""
        out: list[dict[str, Any]] = []
        for sector in self.sectors:
            summary = sector.summary()
            out.append({"type": "Feature", "id": f"sector-{sector.id}", "geometry": _rounded(sector.polygon),
                        "properties": {"feature_type": "sector", **summary}})
            out.append({"type": "Feature", "id": f"route-{sector.id}", "geometry": _rounded(sector.route),
                        "properties": {"feature_type": "route", **{k: v for k, v in summary.items()
                                                                    if k != "tps"}}})
            for stop in sector.stops:
                out.append({"type": "Feature", "id": f"stop-{sector.id}-{stop.order}",
                            "geometry": {"type": "Point", "coordinates": [stop.lon, stop.lat]},
                            "properties": {"feature_type": "stop", "sector": sector.id,
                                           "polsek": sector.polsek, **stop.__dict__}})
        return out


def _rounded(geom: Any) -> dict[str, Any]:
    """GeoJSON mapping with 6 decimals (~0.1 m); polygons keep counter-clockwise exteriors."""
    return mapping(shapely.transform(geom, lambda c: np.round(c, 6)))


PARAMETER_LIMITS: dict[str, tuple[str, float, float, type]] = {
    "max_tps": ("max_tps", 1, 200, int), "max_km": ("max_diameter_m", 0.1, 200, float),
    "speed": ("speed_kmh", 1, 200, float), "stop_min": ("stop_minutes", 0, 240, float)}
"""Request parameter -> (PatrolConfig field, lowest, highest, type); shared with the page, which
names the same limits in its own language."""


def check_config(config: PatrolConfig, overrides: dict[str, Any]) -> PatrolConfig:
    """Apply request overrides (``max_tps``, ``max_km``, ``speed``, ``stop_min``) with checks."""
    changes: dict[str, Any] = {}
    for name, (attr, low, high, kind) in PARAMETER_LIMITS.items():
        raw = overrides.get(name)
        if raw is None or raw == "":
            continue
        try:
            value = kind(raw)
        except (TypeError, ValueError):
            raise ParameterError(name, f"expected a number between {low} and {high}, got {raw!r}") from None
        if not low <= value <= high:
            raise ParameterError(name, f"expected a number between {low} and {high}, got {raw!r}")
        changes[attr] = value * 1000 if name == "max_km" else value
    return replace(config, **changes)


def plan_sectors(items: list[TpsRisk], data: SecurityData, config: PatrolConfig,
                 election: str, polsek: str | None = None, land: LandGrid | None = None,
                 roads: RoadNetwork | None = None) -> PatrolPlan:
    """Sectors and routes for TPS already scored (``items``), grouped by their Polsek; over
    ``land`` when given (:func:`pks_geo.planning.land_routes.land_grid`), along ``roads`` when
    given (:func:`pks_geo.planning.road_routes.road_network`)."""
    notes: list[str] = []
    unlocated = [i.kode_tps for i in items if i.x is None]
    if unlocated:
        notes.append(f"{len(unlocated)} TPS without any location are left out: {', '.join(unlocated[:10])}")
    unassigned = [i.kode_tps for i in items if i.polsek is None and i.x is not None]
    if unassigned:
        notes.append(f"{len(unassigned)} TPS are in kecamatan assigned to no Polsek and are left out")
    by_polsek: dict[str, list[TpsRisk]] = {}
    for item in items:
        if item.x is not None and item.polsek is not None:
            by_polsek.setdefault(item.polsek, []).append(item)
    sectors: list[Sector] = []
    off_road: list[str] = []
    for sid in data.jurisdictions.polsek:
        members = by_polsek.get(sid)
        if members:
            sectors.extend(_polsek_sectors(sid, members, data, config, notes, land, roads, off_road))
    routing = "land" if land is not None else "straight"
    if roads is not None and sectors:
        routing = "road"
        notes.append("routes follow the loaded road network (pgRouting)"
                     + (f"; {len(off_road)} points farther than {SNAP_LIMIT_M:.0f} m from any road are "
                        f"routed {'over land' if land is not None else 'in straight lines'}: "
                        f"{', '.join(off_road[:10])}" if off_road else ""))
    elif land is not None:
        notes.append("routes go round bays and straits over land (no road network is loaded): "
                     "lengths are lower bounds of the road distance")
    return PatrolPlan(election, config, sectors, notes, polsek, routing, off_road)


def _polsek_sectors(sid: str, members: list[TpsRisk], data: SecurityData, config: PatrolConfig,
                    notes: list[str], land: LandGrid | None, roads: RoadNetwork | None = None,
                    off_road: list[str] | None = None) -> list[Sector]:
    unit = data.jurisdictions.polsek[sid]
    xy = np.array([[m.x, m.y] for m in members], dtype=float)
    post = data.posts.get(unit.post) if unit.post else None
    if post is not None:
        start = np.array(_to_metric.transform(post.lon, post.lat))
        start_id, start_name = post.id, post.name
    else:
        start = xy.mean(axis=0)
        start = xy[int(np.argmin(((xy - start) ** 2).sum(axis=1)))]
        start_id, start_name = "first-tps", "TPS pertama"
        notes.append(f"{unit.name} has no post in posts.csv: its routes start at a TPS")
    road: RoadPaths | None = None
    if roads is not None:  # one cost matrix for the post (node 0) and every TPS of the Polsek
        road = roads.paths(np.vstack([start.reshape(1, 2), xy]),
                           land.paths if land is not None else StraightPaths, config.detour_factor)
        if off_road is not None:
            off_road.extend([start_id] * int(not road.snapped[0])
                            + [members[k].kode_tps for k in np.flatnonzero(~road.snapped[1:])])
        land_split: LandSplit | None = split_by_distance(lambda idx: road.dist[np.ix_(idx + 1, idx + 1)],
                                                         config.max_diameter_m)
    else:
        land_split = split_by_land(xy, config.max_diameter_m, land) if land is not None else None
    groups = make_sectors(xy, config.max_tps, config.max_diameter_m, land_split)
    groups.sort(key=lambda g: (float(np.hypot(*(xy[g].mean(axis=0) - start))), members[g[0]].kode_tps))
    polres = unit.polres
    out = []
    planned = []
    for group in groups:
        paths: Paths | None = None
        if road is not None:
            paths = _Subset(road, np.r_[0, np.asarray(group) + 1])
        elif land is not None:
            paths = land.paths(np.vstack([start.reshape(1, 2), xy[group]]))
        order = order_route(start, xy[group], config.return_to_post,
                            None if paths is None else _finite(paths.dist))
        planned.append((group, paths, order))
    if road is not None:  # the road lines of every sector's legs in one query (pgRouting reads its
        # edges on every call: one call per sector cost more than the routing itself)
        road.prefetch([pair for group, _, order in planned
                       for pair in _legs(np.r_[0, np.asarray(group)[order] + 1], config.return_to_post)])
    for number, (group, paths, order) in enumerate(planned, start=1):
        route = [int(group[k]) for k in order]
        out.append(_sector(f"{sid}-{number:02d}", sid, unit.name, polres, number, start, start_id, start_name,
                           [members[k] for k in route], xy[route], config,
                           None if paths is None else _OrderedPaths(paths, order)))
    return out


def _legs(nodes: np.ndarray, closed: bool) -> list[tuple[int, int]]:
    """The (from, to) pairs a route over ``nodes`` (start first) drives."""
    hops = [int(k) for k in nodes] + ([int(nodes[0])] if closed else [])
    return list(zip(hops, hops[1:], strict=False))


def _finite(dist: np.ndarray) -> np.ndarray:
    """Unreachable pairs (the post on another island) as a long straight-line-free detour."""
    return np.where(np.isfinite(dist), dist, np.nanmax(np.where(np.isfinite(dist), dist, 0)) * 10 + 1e6)


class _Subset:
    """The road paths of one sector: rows ``index`` (the post, then its TPS) of the Polsek's."""

    def __init__(self, road: RoadPaths, index: np.ndarray) -> None:
        self.road, self.index = road, [int(k) for k in index]
        self.dist = road.dist[np.ix_(index, index)]

    def leg(self, i: int, j: int) -> np.ndarray:
        return self.road.leg(self.index[i], self.index[j])

    def length(self, i: int, j: int) -> float:
        return self.road.length(self.index[i], self.index[j])

    def factor(self, i: int, j: int) -> float:
        return self.road.factor(self.index[i], self.index[j])

    def prefetch(self, pairs: list[tuple[int, int]]) -> None:
        self.road.prefetch([(self.index[i], self.index[j]) for i, j in pairs])


class _OrderedPaths:
    """Paths of a sector (over land or roads) in visiting order: node 0 is the start, then the
    route's stops."""

    def __init__(self, paths: LandPaths | _Subset | Paths, order: list[int]) -> None:
        self.paths = paths
        self.nodes = [0] + [k + 1 for k in order]

    def leg(self, i: int, j: int) -> np.ndarray:
        return self.paths.leg(self.nodes[i], self.nodes[j])

    def length(self, i: int, j: int) -> float:
        if isinstance(self.paths, _Subset):
            return self.paths.length(self.nodes[i], self.nodes[j])
        return float(self.paths.dist[self.nodes[i], self.nodes[j]])

    def factor(self, i: int, j: int) -> float | None:
        """Road length per metre of the leg (roads: 1); None without roads (the plan's detour factor)."""
        return self.paths.factor(self.nodes[i], self.nodes[j]) if isinstance(self.paths, _Subset) else None

    def prefetch(self, hops: list[int]) -> None:
        if isinstance(self.paths, _Subset):
            pairs = zip(hops, hops[1:], strict=False)
            self.paths.prefetch([(self.nodes[a], self.nodes[b]) for a, b in pairs])



def _wgs84_coords(coords: np.ndarray) -> np.ndarray:
    return np.column_stack(_to_wgs84.transform(coords[:, 0], coords[:, 1]))


def _sector(sector_id: str, sid: str, name: str, polres: str | None, number: int, start: np.ndarray,
            start_id: str, start_name: str, ordered: list[TpsRisk], xy: np.ndarray,
            config: PatrolConfig, land: _OrderedPaths | None = None) -> Sector:
    back = [start.reshape(1, 2)] if config.return_to_post else []
    stops_path = np.vstack([start.reshape(1, 2), xy, *back])
    hops = list(range(len(xy) + 1)) + ([0] if config.return_to_post else [])
    factors = np.full(len(hops) - 1, config.detour_factor)
    if land is None:
        legs = np.hypot(*np.diff(stops_path, axis=0).T)
        path = stops_path
    else:
        land.prefetch(hops)
        legs = np.array([land.length(a, b) for a, b in zip(hops, hops[1:], strict=False)])
        factors = np.array([land.factor(a, b) or config.detour_factor
                            for a, b in zip(hops, hops[1:], strict=False)])
        pieces = [land.leg(a, b) for a, b in zip(hops, hops[1:], strict=False)]
        path = np.vstack([stops_path[:1]] + [piece[1:] for piece in pieces]) if pieces else stops_path
    cumulative = np.cumsum(legs)
    stops = [Stop(k + 1, t.kode_tps, t.no_tps, t.desa_nama, t.kecamatan_nama, t.category, t.category_source,
                  t.score, t.dpt, float(t.lon), float(t.lat),  # type: ignore[arg-type]  # located TPS only
                  t.location_approx, round(float(legs[k]), 1),
                  round(float(cumulative[k]), 1)) for k, t in enumerate(ordered)]
    length = float(legs.sum())
    road_km = float((legs * factors).sum()) / 1000
    minutes = road_km / config.speed_kmh * 60 + len(stops) * config.stop_minutes
    lon, lat = _to_wgs84.transform(path[:, 0], path[:, 1])
    line_coords = list(zip(lon, lat, strict=True))
    route = LineString(line_coords if len(line_coords) > 1 else line_coords * 2)
    hull = MultiPoint([Point(p) for p in xy]).convex_hull.buffer(max(config.sector_buffer_m, 1.0))
    polygon = orient(shapely.transform(hull, _wgs84_coords), sign=1.0)
    slon, slat = _to_wgs84.transform(float(start[0]), float(start[1]))
    across = diameter(xy) if land is None else _land_diameter(land, len(xy))
    return Sector(sector_id, sid, name, polres, number, start_id, start_name, round(slon, 6), round(slat, 6),
                  stops, length, road_km, minutes, across, config.return_to_post, route, polygon)


def _land_diameter(land: _OrderedPaths, n: int) -> float:
    """Largest distance over land (or roads) between two TPS of the sector (the post left out)."""
    return max((land.length(a, b) for a in range(1, n + 1) for b in range(a + 1, n + 1)), default=0.0)


def patrol_plan(engine: Engine, election: str | None = None, polsek: str | None = None, *,
                data: SecurityData | None = None, config: PatrolConfig | None = None,
                risk: RiskResult | None = None) -> PatrolPlan:
    """Sectors and routes for every Polsek (or one) of ``election`` (default: latest with TPS)."""
    data = data or load_security_data()
    risk = risk or compute_risk(engine, election, data=data, polsek=polsek)
    items = [i for i in risk.items if polsek is None or i.polsek == polsek]
    return plan_sectors(items, data, config or data.patrol, risk.election.code, polsek, land_grid(engine),
                        road_network(engine))
