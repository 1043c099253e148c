"""Heat surface: kernel density of incident points, as contour polygons clipped to the district.

Method (all in metres, WGS 84 / UTM 51S, EPSG:32751):

1. Points: incidents with a point of their own, under the map filters (same rule as
   :mod:`pks_geo.stats.clusters`: ``exact``/``near`` precision unless ``points=all``).
2. Bandwidth ``h`` (the standard deviation of an isotropic Gaussian kernel): the user's
   ``bandwidth_m``, else the 2-D normal-reference rule (Scott's rule, identical to
   Silverman's in two dimensions) ``h = sigma * n ** (-1/6)`` where ``sigma`` is the mean
   of the two axes' robust spreads ``min(SD, IQR / 1.349)``. ``h`` is kept within
   100 m .. 20 km (a single point or identical points have no spread: 1 km is used).
3. Density on a regular grid over the outline (cells of ``h / 3``, at most 400 per side):
   points are binned and the bins smoothed with ``scipy.ndimage.gaussian_filter`` (binned
   kernel density estimation). The unit is **expected incidents per km²**.
4. ``bands`` (default 5) equal-width classes from ``max / bands`` up to the maximum are
   traced with ``contourpy`` and clipped to the union of the desa polygons (the district,
   or the area named by ``within``). Density below the lowest class is not drawn.

With fewer than ``min_incidents`` points the collection is flagged ``insufficient_data``
and has no features: a surface from a handful of points suggests a pattern it cannot show.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

import contourpy
import numpy as np
import orjson
import shapely
from pyproj import Transformer
from scipy.ndimage import gaussian_filter
from shapely.geometry.base import BaseGeometry
from sqlalchemy import Engine, text

from pks_geo.models import METRIC_SRID, STORAGE_SRID
from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import FilterSet
from pks_geo.stats.clusters import point_where
from pks_geo.stats.weights import area_layer

BANDWIDTH_RANGE_M = (100.0, 20_000.0)
FALLBACK_BANDWIDTH_M = 1000.0
MAX_CELLS_PER_SIDE = 400
BAND_RANGE = (2, 9)
DEFAULT_BANDS = 5
DEFAULT_MIN_INCIDENTS = 10

POINTS_SQL = ("SELECT ST_X(p), ST_Y(p) FROM "
              "(SELECT ST_Transform(i.geom, {srid}) AS p FROM incident i WHERE {where}) s")

_to_wgs84 = Transformer.from_crs(METRIC_SRID, STORAGE_SRID, always_xy=True)


@dataclass(frozen=True)
class HeatOptions:
    bandwidth_m: float | None = None
    bands: int = DEFAULT_BANDS
    points: str = "exact"
    min_incidents: int = DEFAULT_MIN_INCIDENTS

    def __post_init__(self) -> None:
        low, high = BANDWIDTH_RANGE_M
        if self.bandwidth_m is not None and not low <= self.bandwidth_m <= high:
            raise ValueError(f"bandwidth_m must be between {low:g} and {high:g}")
        if not BAND_RANGE[0] <= self.bands <= BAND_RANGE[1]:
            raise ValueError(f"bands must be between {BAND_RANGE[0]} and {BAND_RANGE[1]}")


def _robust_sigma(values: np.ndarray) -> float:
    sd = float(np.std(values, ddof=1)) if len(values) > 1 else 0.0
    q75, q25 = np.percentile(values, [75, 25]) if len(values) else (0.0, 0.0)
    iqr = float(q75 - q25) / 1.349
    return min(sd, iqr) if iqr > 0 else sd


def scott_bandwidth(xy: np.ndarray) -> float:
    """2-D normal-reference bandwidth in metres, clamped to :data:`BANDWIDTH_RANGE_M`."""
    n = len(xy)
    if n < 2:
        return FALLBACK_BANDWIDTH_M
    sigma = (_robust_sigma(xy[:, 0]) + _robust_sigma(xy[:, 1])) / 2.0
    if sigma <= 0:
        return FALLBACK_BANDWIDTH_M
    low, high = BANDWIDTH_RANGE_M
    return float(np.clip(sigma * n ** (-1.0 / 6.0), low, high))


@dataclass
class DensityGrid:
    """Density (incidents per km²) at cell centres ``x`` (columns) and ``y`` (rows)."""

    x: np.ndarray
    y: np.ndarray
    density: np.ndarray
    cell_m: float


def density_grid(xy: np.ndarray, bounds: tuple[float, float, float, float],
                 bandwidth_m: float) -> DensityGrid:
    """Binned Gaussian kernel density of metric points over ``bounds`` (minx, miny, maxx, maxy)."""
    minx, miny, maxx, maxy = bounds
    pad = 3.0 * bandwidth_m
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    cell = max(bandwidth_m / 3.0, max(maxx - minx, maxy - miny) / MAX_CELLS_PER_SIDE)
    nx, ny = int(np.ceil((maxx - minx) / cell)), int(np.ceil((maxy - miny) / cell))
    xedges = minx + cell * np.arange(nx + 1)
    yedges = miny + cell * np.arange(ny + 1)
    counts, _, _ = np.histogram2d(xy[:, 1], xy[:, 0], bins=(yedges, xedges))
    smoothed = gaussian_filter(counts, sigma=bandwidth_m / cell, mode="constant", truncate=4.0)
    density = smoothed / (cell * cell / 1e6)
    return DensityGrid((xedges[:-1] + xedges[1:]) / 2, (yedges[:-1] + yedges[1:]) / 2, density, cell)


def contour_bands(grid: DensityGrid, bands: int) -> list[tuple[float, float, BaseGeometry | None]]:
    """(lower, upper, metric MultiPolygon) for ``bands`` equal classes from max/bands to max."""
    peak = float(grid.density.max())
    if peak <= 0:
        return []
    edges = np.linspace(peak / bands, peak, bands + 1)
    edges[-1] = peak * 1.000001  # the maximum itself belongs to the top band
    generator = contourpy.contour_generator(grid.x, grid.y, grid.density,
                                            fill_type=contourpy.FillType.OuterOffset)
    out = []
    for lower, upper in zip(edges[:-1], edges[1:], strict=True):
        points, offsets = generator.filled(lower, upper)  # type: ignore[misc]  # OuterOffset: 2 values
        polygons = []
        for pts, offs in zip(points, offsets, strict=True):
            rings = [pts[offs[i]:offs[i + 1]] for i in range(len(offs) - 1)]
            polygons.append(shapely.Polygon(rings[0], rings[1:]))
        geom = shapely.make_valid(shapely.MultiPolygon(polygons)) if polygons else None
        out.append((float(lower), float(upper), geom))
    return out


_outline_lock = threading.Lock()
_outlines: OrderedDict[tuple, BaseGeometry] = OrderedDict()


def district_outline(engine: Engine, within: str | None) -> BaseGeometry:
    """Union of the desa polygons (metric), below ``within`` when given; cached per version."""
    layer = area_layer(engine, "desa")
    key = (str(engine.url), layer.version, within)
    with _outline_lock:
        if key in _outlines:
            return _outlines[key]
    frame = layer.frame
    if within:
        mask = [k == within or k.startswith(within + ".") for k in frame.index]
        frame = frame[mask]
    outline = shapely.union_all(frame.geometry.values, grid_size=0.01)
    with _outline_lock:
        _outlines[key] = outline
        while len(_outlines) > 8:
            _outlines.popitem(last=False)
    return outline


def incident_points(engine: Engine, filters: FilterSet, points: str = "exact") -> np.ndarray:
    """Metric (EPSG:32751) coordinates of the filtered incidents, shape (n, 2)."""
    where, params = point_where(filters, points)
    with engine.connect() as conn:
        rows = conn.execute(text(POINTS_SQL.format(where=where, srid=METRIC_SRID)), params).all()
    return np.array(rows, dtype=float).reshape(-1, 2)


def _wgs84_geojson(geom: shapely.Geometry) -> bytes | None:
    """GeoJSON of a metric (Multi)Polygon in WGS 84; ``None`` when nothing areal is left.

    Validity is the last step: reprojection and the 1e-6 degree grid the GeoJSON is written
    on can make rings touch or cross again, so the bands are snapped to that grid with
    ``set_precision`` (which returns valid polygons) after, not before, both."""
    def project(coords: np.ndarray) -> np.ndarray:
        lon, lat = _to_wgs84.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    snapped = shapely.set_precision(shapely.transform(geom, project), 1e-6)
    parts = shapely.get_parts(snapped)
    parts = parts[shapely.get_type_id(parts) == 3]
    if len(parts) == 0:
        return None
    return shapely.to_geojson(shapely.orient_polygons(shapely.MultiPolygon(list(parts)))).encode()


def supported(polygons: np.ndarray, xy: np.ndarray, minimum: int) -> np.ndarray:
    """The polygons (metric) whose outline, holes filled, holds at least ``minimum`` of the points:
    a band part around one or two incidents would show where they are."""
    if minimum <= 1 or len(polygons) == 0:
        return polygons
    keep = [shapely.contains_xy(shapely.Polygon(shapely.get_exterior_ring(p)), xy[:, 0], xy[:, 1]).sum()
            >= minimum for p in polygons]
    return polygons[np.array(keep, dtype=bool)]


def heat_surface(engine: Engine, filters: FilterSet, options: HeatOptions,
                 disclosure: Disclosure = EXACT) -> dict[str, object]:
    """The heat surface as an RFC 7946 FeatureCollection (dict), one feature per band.

    Below analyst (``disclosure``) the surface needs at least the minimum cell of incidents
    (``min_incidents`` is raised to it), and every band part must hold that many."""
    if disclosure.active:
        options = replace(options, min_incidents=disclosure.floor(options.min_incidents))
    xy = incident_points(engine, filters, options.points)
    rule = "user" if options.bandwidth_m else "scott"
    bandwidth = float(options.bandwidth_m) if options.bandwidth_m else scott_bandwidth(xy)
    meta: dict[str, object] = {
        "type": "FeatureCollection", "unit": "incidents per km2", "bandwidth_m": round(bandwidth, 1),
        "bandwidth_rule": rule, "bands": options.bands, "points": options.points,
        "n_incidents": disclosure.count(len(xy)), "min_incidents": options.min_incidents,
        "insufficient_data": len(xy) < options.min_incidents, "disclosure": disclosure.meta(), "features": []}
    if meta["insufficient_data"]:
        return meta
    outline = district_outline(engine, filters.within)
    grid = density_grid(xy, outline.bounds, bandwidth)
    meta["cell_m"] = round(grid.cell_m, 1)
    meta["max_density"] = round(float(grid.density.max()), 4)
    features = []
    for band, (lower, upper, geom) in enumerate(contour_bands(grid, options.bands), start=1):
        if geom is None:
            continue
        clipped = shapely.intersection(geom, outline)
        if clipped.is_empty:
            continue
        polygons = shapely.get_parts(clipped)
        polygons = polygons[shapely.get_type_id(polygons) == 3]
        if disclosure.active:
            polygons = supported(polygons, xy, disclosure.min_cell)
        if len(polygons) == 0:
            continue
        geojson = _wgs84_geojson(shapely.MultiPolygon(list(polygons)))
        if geojson is None:
            continue
        features.append({"type": "Feature", "id": band, "geometry": orjson.Fragment(geojson),
                         "properties": {"band": band, "lower": round(lower, 4), "upper": round(upper, 4)}})
    meta["features"] = features
    return meta
