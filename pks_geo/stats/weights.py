"""Spatial weights between administrative areas, for the local statistics in ``hotspots``.

Two kinds, both built in WGS 84 / UTM 51S (EPSG:32751) so that tolerances are metres:

``queen``
    Polygons that touch at an edge or a corner are neighbours. The shared boundary files
    are *not* topologically clean (desa polygons leave sliver gaps and overlap slightly; the
    generalised kecamatan polygons overlap by up to 2.8 km² without sharing vertices), so
    strict vertex-sharing queen contiguity misses real neighbours (42 of ~925 desa links and
    13 of 55 kecamatan links in Konawe Selatan). We therefore use *fuzzy* queen contiguity
    (``libpysal.weights.fuzzy_contiguity``): two areas are neighbours when their polygons
    touch, overlap or lie within ``snap_m`` metres (default 10 m) of each other.

``distance``
    Areas whose centroids lie within ``band_m`` metres are neighbours (binary band, as in
    ArcGIS's fixed distance band).

**Islands and disconnected parts.** A local statistic on an area without neighbours is
undefined (esda gives it a zero lag, which reads as "cold"), and a group of areas cut off
from the rest (coastal islands of Laonti and Laeya, or a whole island in the province) is
tested only against itself. We therefore *join*:

* for ``queen``: every connected component other than the largest is linked to the single
  nearest area outside it (shortest polygon-to-polygon distance), repeatedly, until the
  graph is connected. An island is simply a component of one area. This is the minimum
  number of added links that makes every area reachable, and each added link is the
  geographically closest one, so the result stays as close to contiguity as possible.
* for ``distance``: only areas with no neighbour inside the band get a link to the area with
  the nearest centroid (ArcGIS's rule that every feature has at least one neighbour); a
  band that splits the map into groups is the user's explicit choice and is kept.

Every added link is listed in :attr:`AreaWeights.added` (with its distance) so the API and
the docs (docs/statistics.md) can show what was joined.

**Caching.** Weights are cached per database, level, kind, tolerance and *boundary version*
(a digest of the codes and geometries at that level), so reloading boundaries invalidates
them and nothing else does.
"""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely
from libpysal.weights import W, fill_diagonal, fuzzy_contiguity
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree
from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID
from pks_geo.stats.significance import to_csr

WEIGHT_KINDS = ("queen", "distance")
ANALYSIS_LEVELS = ("kecamatan", "desa")
DEFAULT_SNAP_M = 10.0
BAND_RANGE_M = (100.0, 50_000.0)
"""Allowed distance bands: below 100 m nearly every desa is an island; above 50 km every desa
of the district neighbours nearly every other and the permutation test slows to a crawl."""

VERSION_SQL = text("""
SELECT count(*), coalesce(md5(string_agg(kode || ':' || md5(ST_AsEWKB(geom)), ',' ORDER BY kode)), '')
FROM admin_area WHERE level = :level
""")

AREAS_SQL = text("""
SELECT kode, nama, ST_AsBinary(ST_Transform(geom, :srid)) AS wkb,
       ST_AsGeoJSON(ST_ForcePolygonCCW(geom), 6) AS geojson
FROM admin_area WHERE level = :level ORDER BY kode
""")


@dataclass(frozen=True)
class AreaLayer:
    """All areas of one level: codes, names, metric polygons and RFC 7946 geometry text."""

    level: str
    version: str
    frame: gpd.GeoDataFrame
    """Index ``kode``; columns ``nama``, ``geometry`` (EPSG:32751)."""
    geojson: dict[str, str]
    """``kode`` -> GeoJSON geometry text in WGS 84 (counter-clockwise exteriors, 6 decimals)."""


@dataclass
class AreaWeights:
    """Binary symmetric neighbour lists over ``ids`` plus the links added to join islands."""

    kind: str
    ids: list[str]
    neighbors: dict[str, list[str]]
    geoms: gpd.GeoSeries
    """Metric polygons (EPSG:32751) indexed by ``kode``, in ``ids`` order."""
    band_m: float | None = None
    snap_m: float | None = None
    added: list[tuple[str, str, float]] = field(default_factory=list)
    _w: W | None = field(default=None, repr=False)
    _star: W | None = field(default=None, repr=False)
    _subsets: OrderedDict = field(default_factory=OrderedDict, repr=False)
    _csr: dict = field(default_factory=dict, repr=False)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    """Held while a statistic uses :attr:`star_w` (esda resets its caches in place)."""

    @property
    def w(self) -> W:
        """A libpysal ``W`` (binary, ids = codes). Shared: esda's Gi* copies before changing it;
        call :meth:`fresh_w` for statistics that set ``w.transform`` in place."""
        if self._w is None:
            self._w = self.fresh_w()
        return self._w

    @property
    def star_w(self) -> W:
        """Binary weights with self-weight 1 (Gi*'s matrix), built once: esda would otherwise
        rebuild and re-transform it on every call (half the cost of a Gi* run)."""
        if self._star is None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                star = fill_diagonal(self.fresh_w(), 1.0)
                star.transform = "B"
            self._star = star
        return self._star

    def csr(self, self_weight: float = 0.0) -> csr_matrix:
        """Binary weights as a sparse matrix in ``ids`` order with ``self_weight`` on the
        diagonal (1 for Gi*), built once: analytic Gi* is then one sparse product."""
        if self_weight not in self._csr:
            self._csr[self_weight] = to_csr(self.neighbors, self.ids, self_weight)
        return self._csr[self_weight]

    def fresh_w(self) -> W:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return W({k: self.neighbors[k] for k in self.ids}, id_order=list(self.ids),
                     silence_warnings=True)

    def describe(self) -> str:
        """Short label for API metadata: ``queen`` or ``distance:2500``."""
        return f"distance:{self.band_m:g}" if self.kind == "distance" else self.kind

    def subset(self, kodes: list[str]) -> AreaWeights:
        """Weights restricted to ``kodes`` (in that order), islands and parts re-joined.

        Used when a filter limits the areas (``within``) or some areas have no value."""
        if list(kodes) == self.ids:
            return self
        key = tuple(kodes)
        with _lock:
            if key in self._subsets:
                self._subsets.move_to_end(key)
                return self._subsets[key]
        missing = [k for k in kodes if k not in self.neighbors]
        if missing:
            raise KeyError(f"no weights for area(s) {', '.join(missing[:5])}")
        keep = set(kodes)
        neighbors = {k: [n for n in self.neighbors[k] if n in keep] for k in kodes}
        geoms = self.geoms.loc[list(kodes)]
        if self.kind == "queen":
            added = _join_components(neighbors, geoms)
        else:
            added = _join_islands(neighbors, geoms)
        sub = AreaWeights(self.kind, list(kodes), neighbors, geoms, self.band_m, self.snap_m,
                          added=added)
        with _lock:
            _remember(self._subsets, key, sub)
        return sub


def _add_link(neighbors: dict[str, list[str]], a: str, b: str) -> None:
    if b not in neighbors[a]:
        neighbors[a].append(b)
    if a not in neighbors[b]:
        neighbors[b].append(a)


def _components(neighbors: dict[str, list[str]], ids: list[str]) -> np.ndarray:
    pos = {k: i for i, k in enumerate(ids)}
    rows = [pos[a] for a in ids for _ in neighbors[a]]
    cols = [pos[b] for a in ids for b in neighbors[a]]
    graph = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), len(ids)))
    return connected_components(graph, directed=False)[1]


def _join_components(neighbors: dict[str, list[str]], geoms: gpd.GeoSeries) -> list[tuple[str, str, float]]:
    """Link every component but the largest to its nearest outside area until connected."""
    ids = list(geoms.index)
    arr = np.asarray(geoms.values)
    added: list[tuple[str, str, float]] = []
    while len(ids) > 1:
        labels = _components(neighbors, ids)
        counts = np.bincount(labels)
        if len(counts) == 1:
            break
        largest = int(np.argmax(counts))
        for comp in range(len(counts)):
            if comp == largest:
                continue
            inside = np.flatnonzero(labels == comp)
            outside = np.flatnonzero(labels != comp)
            tree = shapely.STRtree(arr[outside])
            (src, dst), dist = tree.query_nearest(arr[inside], return_distance=True, all_matches=False)
            best = int(np.argmin(dist))
            a, b = ids[inside[src[best]]], ids[outside[dst[best]]]
            if b not in neighbors[a]:
                _add_link(neighbors, a, b)
                added.append((a, b, round(float(dist[best]), 1)))
    return added


def _join_islands(neighbors: dict[str, list[str]], geoms: gpd.GeoSeries) -> list[tuple[str, str, float]]:
    """Give every area without neighbours a link to the area with the nearest centroid."""
    ids = list(geoms.index)
    if len(ids) < 2:
        return []
    xy = shapely.get_coordinates(geoms.centroid.values)
    tree = cKDTree(xy)
    added = []
    for i, kode in enumerate(ids):
        if not neighbors[kode]:
            dist, j = tree.query(xy[i], k=2)
            other = ids[int(j[1])]
            _add_link(neighbors, kode, other)
            added.append((kode, other, round(float(dist[1]), 1)))
    return added


def queen_weights(geoms: gpd.GeoSeries, snap_m: float = DEFAULT_SNAP_M) -> AreaWeights:
    """Fuzzy queen contiguity on metric polygons (index = codes), islands and parts joined."""
    frame = gpd.GeoDataFrame(geometry=geoms.values, index=list(geoms.index), crs=geoms.crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = fuzzy_contiguity(frame, buffering=True, buffer=snap_m / 2.0, drop=True,
                               silence_warnings=True)
    neighbors = {k: [n for n in raw.neighbors[k] if n != k] for k in frame.index}
    added = _join_components(neighbors, geoms)
    return AreaWeights("queen", list(geoms.index), neighbors, geoms, snap_m=snap_m, added=added)


def distance_weights(geoms: gpd.GeoSeries, band_m: float) -> AreaWeights:
    """Binary distance band on centroids (metres), isolated areas linked to the nearest one."""
    xy = shapely.get_coordinates(geoms.centroid.values)
    ids = list(geoms.index)
    pairs = cKDTree(xy).query_pairs(r=band_m, output_type="ndarray")
    neighbors: dict[str, list[str]] = {k: [] for k in ids}
    for i, j in pairs:
        neighbors[ids[i]].append(ids[j])
        neighbors[ids[j]].append(ids[i])
    added = _join_islands(neighbors, geoms)
    return AreaWeights("distance", ids, neighbors, geoms, band_m=band_m, added=added)


def build_weights(geoms: gpd.GeoSeries, kind: str = "queen", band_m: float | None = None,
                  snap_m: float = DEFAULT_SNAP_M) -> AreaWeights:
    """Weights of ``kind`` for metric polygons ``geoms`` (EPSG:32751, index = codes)."""
    if kind == "queen":
        return queen_weights(geoms, snap_m)
    if kind == "distance":
        if band_m is None:
            raise ValueError("band_m is required for distance weights")
        return distance_weights(geoms, float(band_m))
    raise ValueError(f"weights must be one of {', '.join(WEIGHT_KINDS)}, got {kind!r}")


def frame_from_geojson(path: str, id_field: str = "kode") -> gpd.GeoDataFrame:
    """Read a boundary file into the same shape as :class:`AreaLayer` (benchmarks, tests)."""
    frame = gpd.read_file(path).to_crs(METRIC_SRID)
    frame["geometry"] = frame.geometry.make_valid()
    return frame.set_index(id_field)[["nama", "geometry"]]


# --- database-backed layers and the cache --------------------------------------------------

_lock = threading.Lock()
_layers: OrderedDict[tuple, AreaLayer] = OrderedDict()
_weights: OrderedDict[tuple, AreaWeights] = OrderedDict()
_CACHE_SIZE = 16


def boundary_version(engine: Engine, level: str) -> str:
    """Digest of the codes and geometries at ``level``; changes whenever boundaries change."""
    with engine.connect() as conn:
        count, digest = conn.execute(VERSION_SQL, {"level": level}).one()
    return f"{count}:{digest}"


def _remember(cache: OrderedDict, key: tuple, value: object) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def area_layer(engine: Engine, level: str) -> AreaLayer:
    """Areas of ``level`` from ``admin_area`` (cached per boundary version)."""
    if level not in ANALYSIS_LEVELS:
        raise ValueError(f"level must be one of {', '.join(ANALYSIS_LEVELS)}, got {level!r}")
    version = boundary_version(engine, level)
    key = (str(engine.url), level, version)
    with _lock:
        if key in _layers:
            return _layers[key]
    with engine.connect() as conn:
        rows = conn.execute(AREAS_SQL, {"level": level, "srid": METRIC_SRID}).all()
    frame = gpd.GeoDataFrame(
        {"nama": [r.nama for r in rows]},
        geometry=shapely.from_wkb([bytes(r.wkb) for r in rows]) if rows else [],
        index=[r.kode for r in rows], crs=METRIC_SRID)
    frame.index.name = "kode"
    layer = AreaLayer(level, version, frame, {r.kode: r.geojson for r in rows})
    with _lock:
        _remember(_layers, key, layer)
    return layer


def area_weights(engine: Engine, level: str, kind: str = "queen", band_m: float | None = None,
                 snap_m: float = DEFAULT_SNAP_M) -> AreaWeights:
    """Weights for every area of ``level``, cached per boundary version."""
    layer = area_layer(engine, level)
    key = (str(engine.url), level, layer.version, kind, band_m if kind == "distance" else None, snap_m)
    with _lock:
        if key in _weights:
            _weights.move_to_end(key)
            return _weights[key]
    weights = build_weights(layer.frame.geometry, kind, band_m, snap_m)
    with _lock:
        _remember(_weights, key, weights)
    return weights
