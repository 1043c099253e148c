"""Mapbox Vector Tiles made by PostGIS itself (``ST_AsMVTGeom`` + ``ST_AsMVT``), one statement per tile.

Above a few thousand polygons a GeoJSON choropleth becomes megabytes that the browser must
parse and draw at once; vector tiles send only what is visible, clipped and quantised to
the tile grid by PostGIS, so a province of desa or the nation's kecamatan pans like a
kabupaten. Four layers exist (:data:`LAYERS`):

- ``areas-kecamatan`` / ``areas-desa``: polygons with ``kode`` and ``nama``; when choropleth
  parameters are given (``metric``, ``scheme``, the incident filters, ... exactly those of
  ``/api/v1/choropleth``) also ``value``, ``class`` and ``color`` of the current
  choropleth, computed once per request signature and data version with the same
  :func:`~pks_geo.stats.aggregate.aggregate` and :func:`~pks_geo.stats.classify.classify`
  as the GeoJSON API, so tiles and legend always agree. An area without data has no
  ``value`` and no ``class`` and the no-data ``color``.
- ``incidents``: counted incidents under the same filters (analysts and above only; the
  web layer enforces the role); a tile with more than :data:`MAX_POINTS_PER_TILE` of them
  holds the latest incident of each cell of a :data:`SAMPLE_CELLS` grid, with the cell's
  count ``n`` and ``sampled`` true.
- ``tps``: polling stations of one election (``?election=``; default the latest election
  with TPS loaded).

Tile addresses are validated here (:func:`parse_tile`) so that a bad ``z``/``x``/``y`` is a
:class:`~pks_geo.queries.filters.ParameterError` naming the parameter. User values reach SQL
only as bound parameters; the SQL text is assembled from fixed fragments.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import orjson
from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.codes import normalize_kode
from pks_geo.queries.disclosure import EXACT, SUPPRESSED_COLOR, Disclosure
from pks_geo.queries.filters import FILTER_PARAMETERS, FilterSet, ParameterError, parse_filters
from pks_geo.stats.aggregate import INTEGER_METRICS, aggregate
from pks_geo.stats.choropleth import (
    CHOROPLETH_PARAMETERS,
    VERSIONED_TABLES,
    floor_labels,
    parse_choropleth_args,
    suppressed_legend,
)
from pks_geo.stats.classify import classify
from pks_geo.stats.palettes import NO_DATA_COLOR

TILE_EXTENT = 4096
"""Tile coordinate grid (MVT default): 4096 units per tile side."""
TILE_BUFFER = 64
"""Extra units around a tile, so that polygon outlines do not show seams at tile edges."""
MAX_ZOOM = 22
MAX_POINTS_PER_TILE = 20_000
"""Hard cap on point features per tile (incidents, TPS), like tipg's per-tile limit."""
SAMPLE_CELLS = 128
"""Above the cap an incident tile keeps one incident per cell of a 128 x 128 grid (32 px on
a 4096 tile): a spatially even picture of where incidents are, with their counts, instead of
the oldest 20,000 (which left whole recent areas blank at a million incidents)."""
TILE_FORMAT = "mvt-4"
"""Part of every ETag: bump when attributes or SQL change so caches drop old tiles. Features
are written in a fixed order (by kode or id), so the same data always give the same bytes."""
PLAIN_AREA_PARAMETERS = ("level", "within", "lang")
"""Area-layer parameters that do not switch on the choropleth attributes."""
TPS_PARAMETERS = ("election", "within")


@dataclass(frozen=True)
class TileLayer:
    """One tile layer: what it draws, who may see it and what its tiles depend on."""

    name: str
    kind: str
    """``areas``, ``incidents`` or ``tps``."""
    level: str | None
    min_role: str
    geometry_type: str
    fields: dict[str, str]
    minzoom: int
    maxzoom: int
    description: str


AREA_FIELDS = {"kode": "String", "nama": "String", "value": "Number", "class": "Number",
               "color": "String", "rank": "Number", "n_incidents": "Number"}
LAYERS: dict[str, TileLayer] = {
    "areas-kecamatan": TileLayer("areas-kecamatan", "areas", "kecamatan", "viewer", "polygon",
                                 AREA_FIELDS, 0, MAX_ZOOM, "Kecamatan boundaries with choropleth values"),
    "areas-desa": TileLayer("areas-desa", "areas", "desa", "viewer", "polygon",
                            AREA_FIELDS, 0, MAX_ZOOM, "Desa/kelurahan boundaries with choropleth values"),
    "incidents": TileLayer("incidents", "incidents", None, "analyst", "point",
                           {"kategori": "String", "event_date": "String", "status": "String",
                            "location_precision": "String", "meninggal": "Number", "luka": "Number",
                            "desa_kode": "String", "kecamatan_kode": "String", "n": "Number",
                            "sampled": "Boolean"},
                           0, MAX_ZOOM, "Counted incidents under the choropleth filters (analyst+). "
                                        "A tile with more than 20,000 of them holds one per grid cell "
                                        f"({SAMPLE_CELLS}x{SAMPLE_CELLS} cells a tile; the latest "
                                        "incident of the cell) with n = incidents in the cell and "
                                        "sampled = true; every other tile holds all of them with n = 1"),
    "tps": TileLayer("tps", "tps", None, "viewer", "point",
                     {"kode_tps": "String", "no_tps": "Number", "desa_kode": "String", "dpt": "Number",
                      "kategori_kerawanan": "String", "location_precision": "String"},
                     0, MAX_ZOOM, "Polling stations (TPS) of one election"),
}


@dataclass(frozen=True)
class TileAddress:
    z: int
    x: int
    y: int


def parse_tile(z: object, x: object, y: object) -> TileAddress:
    """Validate a tile address: whole numbers, 0 <= z <= 22 and 0 <= x, y < 2**z."""
    values: dict[str, int] = {}
    for name, raw in (("z", z), ("x", x), ("y", y)):
        try:
            values[name] = int(str(raw), 10)
        except ValueError:
            raise ParameterError(name, f"expected a whole number, got {raw!r}") from None
    if not 0 <= values["z"] <= MAX_ZOOM:
        raise ParameterError("z", f"zoom must be between 0 and {MAX_ZOOM}, got {values['z']}")
    size = 2 ** values["z"]
    for name in ("x", "y"):
        if not 0 <= values[name] < size:
            raise ParameterError(name, f"{name} must be between 0 and {size - 1} at zoom {values['z']}, "
                                       f"got {values[name]}")
    return TileAddress(values["z"], values["x"], values["y"])


def layer(name: str) -> TileLayer:
    spec = LAYERS.get(name)
    if spec is None:
        raise ParameterError("layer", f"unknown tile layer {name!r}; expected one of {', '.join(LAYERS)}")
    return spec


def is_choropleth(args: Mapping[str, Any]) -> bool:
    """True when an area request asks for choropleth attributes (any parameter beyond level/within)."""
    return any(name not in PLAIN_AREA_PARAMETERS for name in args)


def tables_for(spec: TileLayer, args: Mapping[str, Any]) -> tuple[str, ...]:
    """The tables a tile depends on: their data versions key the ETag and the tile cache."""
    if spec.kind == "areas":
        return VERSIONED_TABLES if is_choropleth(args) else ("admin_area",)
    if spec.kind == "incidents":
        return ("incident", "election", "election_stage")
    return ("polling_site", "election")


def check_parameters(spec: TileLayer, args: Mapping[str, Any]) -> None:
    """Unknown parameter names are refused, so that a typo never gives a silently unfiltered map."""
    allowed = {"areas": CHOROPLETH_PARAMETERS, "incidents": FILTER_PARAMETERS + ("lang",),
               "tps": TPS_PARAMETERS}[spec.kind]
    for name in args:
        if name not in allowed:
            raise ParameterError(name, f"unknown parameter for tile layer {spec.name}; "
                                       f"known: {', '.join(allowed)}")
    if spec.kind == "areas":
        given = args.get("level")
        if given not in (None, "", spec.level):
            raise ParameterError("level", f"tile layer {spec.name} draws level {spec.level}, got {given!r}")


# --- SQL -----------------------------------------------------------------------------------

BOUNDS_CTE = """
bounds AS (
    SELECT env, env_margin, ST_Transform(env_margin, 4326) AS env4326
    FROM (SELECT ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer)) AS env,
                 ST_TileEnvelope(CAST(:z AS integer), CAST(:x AS integer), CAST(:y AS integer),
                                 margin => CAST(:margin AS float8)) AS env_margin) e
)"""
LO_MAX_ZOOM = 9
"""Up to this zoom area tiles are cut from ``geom_3857_lo`` (simplified by 150 m, migration 0008)."""
MVT_GEOM = "ST_AsMVTGeom({col}, b.env, :extent, :buffer, true)"
WITHIN = "({col} = :within OR {col} LIKE :within_like)"

VALUES_CTE = """, val AS (
    SELECT * FROM json_to_recordset(CAST(:choropleth AS json))
           AS v(kode text, value float8, class integer, color text, rank integer, n_incidents integer)
)"""
AREA_TILE = """
WITH {bounds}{values_cte}, feat AS (
    SELECT {mvt_geom} AS geom, a.kode, a.nama{value_columns}
    FROM admin_area a CROSS JOIN bounds b{value_join}
    WHERE a.level = :level AND a.geom_3857 && b.env_margin{within}
    ORDER BY a.kode
)
SELECT ST_AsMVT(feat.*, :layer, :extent, 'geom') FROM feat WHERE geom IS NOT NULL
"""
INCIDENT_TILE = """
WITH {bounds}, feat AS (
    SELECT {mvt_geom} AS geom, i.id, i.kategori, i.event_date::text AS event_date, i.status,
           i.location_precision, i.meninggal, i.luka, i.desa_kode, i.kecamatan_kode,
           1 AS n, false AS sampled
    FROM incident i CROSS JOIN bounds b
    WHERE i.geom && b.env4326 AND {where}
)
SELECT ST_AsMVT(feat.*, :layer, :extent, 'geom', 'id') FROM feat WHERE geom IS NOT NULL
"""
INCIDENT_COUNT = """
WITH {bounds}
SELECT count(*) FROM (SELECT 1 FROM incident i CROSS JOIN bounds b
                      WHERE i.geom && b.env4326 AND {where} LIMIT :max_points + 1) s
"""
INCIDENT_SAMPLED_TILE = """
WITH {bounds}, latest AS (
    -- per cell: the count and the latest incident, as max(day * 2^40 + id) in one hash
    -- aggregate (no sort of the tile's incidents); ids stay far below 2^40
    SELECT count(*) AS n,
           max((i.event_date - DATE '1970-01-01')::bigint * 1099511627776 + i.id) % 1099511627776 AS id
    FROM incident i CROSS JOIN bounds b
    WHERE i.geom && b.env4326 AND {where}
    GROUP BY width_bucket(ST_X(i.geom), ST_XMin(b.env4326), ST_XMax(b.env4326), :cells),
             width_bucket(ST_Y(i.geom), ST_YMin(b.env4326), ST_YMax(b.env4326), :cells)
), feat AS (
    SELECT {mvt_geom} AS geom, i.id, i.kategori, i.event_date::text AS event_date, i.status,
           i.location_precision, i.meninggal, i.luka, i.desa_kode, i.kecamatan_kode,
           l.n, true AS sampled
    FROM latest l JOIN incident i ON i.id = l.id CROSS JOIN bounds b
)
SELECT ST_AsMVT(feat.*, :layer, :extent, 'geom', 'id') FROM feat WHERE geom IS NOT NULL
"""
TPS_TILE = """
WITH {bounds}, feat AS (
    SELECT {mvt_geom} AS geom, p.id, p.kode_tps, p.no_tps, p.desa_kode, p.dpt,
           p.kategori_kerawanan, p.location_precision
    FROM polling_site p CROSS JOIN bounds b
    WHERE p.geom && b.env4326 AND p.election_code = :election{within}
    ORDER BY p.id LIMIT :max_points
)
SELECT ST_AsMVT(feat.*, :layer, :extent, 'geom', 'id') FROM feat WHERE geom IS NOT NULL
"""
LATEST_ELECTION_WITH_TPS = text("""
SELECT e.code FROM election e WHERE EXISTS (SELECT 1 FROM polling_site p WHERE p.election_code = e.code)
ORDER BY e.voting_day DESC, e.code LIMIT 1
""")


def _tile_params(spec: TileLayer, tile: TileAddress) -> dict[str, Any]:
    return {"z": tile.z, "x": tile.x, "y": tile.y, "margin": TILE_BUFFER / TILE_EXTENT,
            "extent": TILE_EXTENT, "buffer": TILE_BUFFER, "layer": spec.name,
            "max_points": MAX_POINTS_PER_TILE}


def area_tile_sql(z: int, with_values: bool, within: bool) -> str:
    """The area tile statement (also run bare by the benchmark suite as the reference)."""
    column = "a.geom_3857_lo" if z <= LO_MAX_ZOOM else "a.geom_3857"
    return AREA_TILE.format(
        bounds=BOUNDS_CTE.strip(), mvt_geom=MVT_GEOM.format(col=column),
        values_cte=VALUES_CTE if with_values else "",
        value_columns=", v.value, v.class, v.color, v.rank, v.n_incidents" if with_values else "",
        value_join=" LEFT JOIN val v ON v.kode = a.kode" if with_values else "",
        within=" AND " + WITHIN.format(col="a.kode") if within else "")


@dataclass(frozen=True)
class AreaValues:
    """Choropleth attributes per area code (aligned lists), plus the legend they belong to."""

    kodes: list[str]
    values: list[float | None]
    classes: list[int | None]
    colors: list[str]
    ranks: list[int | None]
    n_incidents: list[int | None]
    legend: dict[str, Any]
    filters: dict[str, Any]
    boxes: np.ndarray = field(compare=False, repr=False)
    """Web-mercator bounding box (xmin, ymin, xmax, ymax) of each area, aligned with ``kodes``."""
    disclosure: dict[str, Any] = field(default_factory=dict)

    def params(self, tile: TileAddress) -> dict[str, Any]:
        """Bound parameters of the area tile statement: the rows of the areas whose bounding
        box meets the tile (with its buffer), as one JSON text. Sending all 7,285 national
        kecamatan with every tile cost ~9 ms of JSON parsing per tile; the few dozen a tile
        touches cost nothing."""
        xmin, ymin, xmax, ymax = tile_bounds_3857(tile, TILE_BUFFER / TILE_EXTENT)
        b = self.boxes
        hit = np.flatnonzero((b[:, 0] <= xmax) & (b[:, 2] >= xmin) & (b[:, 1] <= ymax) & (b[:, 3] >= ymin))
        rows = [{"kode": self.kodes[i], "value": self.values[i], "class": self.classes[i],
                 "color": self.colors[i], "rank": self.ranks[i], "n_incidents": self.n_incidents[i]}
                for i in hit.tolist()]
        return {"choropleth": orjson.dumps(rows).decode()}


WEB_MERCATOR_HALF = 20037508.342789244


def tile_bounds_3857(tile: TileAddress, margin: float = 0.0) -> tuple[float, float, float, float]:
    """The tile's envelope in EPSG:3857 widened by ``margin`` tile sizes and clipped to the world,
    exactly as ``ST_TileEnvelope(z, x, y, margin => margin)``."""
    size = 2 * WEB_MERCATOR_HALF / 2 ** tile.z
    pad = size * margin
    xmin = -WEB_MERCATOR_HALF + tile.x * size
    ymax = WEB_MERCATOR_HALF - tile.y * size
    edge = WEB_MERCATOR_HALF
    return (max(xmin - pad, -edge), max(ymax - size - pad, -edge), min(xmin + size + pad, edge),
            min(ymax + pad, edge))


BOXES_SQL = text("SELECT kode, ST_XMin(geom_3857), ST_YMin(geom_3857), ST_XMax(geom_3857), "
                 "ST_YMax(geom_3857) FROM admin_area WHERE level = :level")


def area_values(engine: Engine | Connection, level: str, args: Mapping[str, Any],
                disclosure: Disclosure = EXACT) -> AreaValues:
    """Aggregate and classify exactly as ``/api/v1/choropleth`` does for these parameters
    (small cells suppressed the same way below analyst)."""
    req = parse_choropleth_args({**_as_dict(args), "level": level}, engine)
    frame = aggregate(engine, level, req.metric, req.filters, req.smooth)
    integer = req.metric in INTEGER_METRICS and req.smooth is None
    hidden = disclosure.area_mask(frame["n_incidents"], frame["value"], req.metric)
    shown = frame["value"].where(~hidden)
    result = classify(shown.to_numpy(), req.scheme, req.k,
                      list(req.breaks) if req.breaks else None, req.palette, integer=integer)
    values = [None if v != v else float(v) for v in shown]  # NaN -> None (no data, suppressed)
    colors = [SUPPRESSED_COLOR if small else NO_DATA_COLOR if c is None else result.colors[c]
              for c, small in zip(result.classes, hidden, strict=True)]
    ranks = [None if r != r else int(r) for r in shown.rank(method="min", ascending=False)]
    echo = req.filters.echo()
    echo.update(metric=req.metric, smooth=req.smooth, lang=req.lang, dpt_election=frame.attrs["dpt_election"])
    kodes = list(frame["kode"])
    legend = result.legend(req.lang)
    if disclosure.active:
        legend["no_data"] = {**legend["no_data"], "count": legend["no_data"]["count"] - int(hidden.sum())}
        legend["suppressed"] = suppressed_legend(disclosure, int(hidden.sum()), req.lang)
        floor_labels(legend, disclosure, integer, req.lang)
    counts = [None if small else int(n) for n, small in zip(frame["n_incidents"], hidden, strict=True)]
    return AreaValues(kodes, values, list(result.classes), colors, ranks, counts,
                      legend, echo, _boxes(engine, level, kodes), disclosure.meta())


def _boxes(bind: Engine | Connection, level: str, kodes: list[str]) -> np.ndarray:
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return _boxes(conn, level, kodes)
    found = {row[0]: row[1:] for row in bind.execute(BOXES_SQL, {"level": level})}
    return np.array([found[k] for k in kodes], dtype="float64").reshape(len(kodes), 4)


def _as_dict(args: Mapping[str, Any]) -> dict[str, Any]:
    """Request args (a MultiDict, repeated keys kept as lists) as a plain dict."""
    if hasattr(args, "getlist"):
        return {k: (v if len(v) > 1 else v[0]) for k, v in args.lists()}  # type: ignore[attr-defined]
    return dict(args)


class _ValuesCache:
    """A few recent :class:`AreaValues`, keyed by database, level, parameters and data versions.

    Every tile of one map view shares the same choropleth; without this each tile would
    re-run the aggregate and the classification."""

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Any, ...], AreaValues] = OrderedDict()
        self._pending: dict[tuple[Any, ...], threading.Lock] = {}
        self._lock = threading.Lock()

    def _lookup(self, key: tuple[Any, ...]) -> AreaValues | None:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            return None

    def get_or_compute(self, key: tuple[Any, ...], compute: Any) -> AreaValues:
        """The cached value, or ``compute()`` run once even when a map's first tiles arrive together."""
        if (value := self._lookup(key)) is not None:
            return value
        with self._lock:
            key_lock = self._pending.setdefault(key, threading.Lock())
        with key_lock:
            if (value := self._lookup(key)) is not None:
                return value
            value = compute()
            with self._lock:
                self._items[key] = value
                self._pending.pop(key, None)
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value


_values_cache = _ValuesCache()


def _within(args: Mapping[str, Any], conn: Connection) -> str | None:
    """The validated ``within`` code of a request (None when absent)."""
    return parse_filters({"within": args["within"]}, conn).within if args.get("within") else None


def render_tile(bind: Engine | Connection, spec: TileLayer, tile: TileAddress, args: Mapping[str, Any],
                version_key: str = "", disclosure: Disclosure = EXACT) -> bytes:
    """The MVT bytes of one tile (empty bytes for an empty tile); raises ParameterError on bad args.

    ``bind`` may be the connection the caller already read the data versions on (one pool
    checkout per tile). ``version_key`` (the data-version digest) keys the shared choropleth
    values; pass it whenever the caller has it so that tiles of one view aggregate only once."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return render_tile(conn, spec, tile, args, version_key, disclosure)
    conn = bind
    check_parameters(spec, args)
    params = _tile_params(spec, tile)
    if spec.kind == "areas":
        sql, extra = _area_statement(conn, spec, tile, args, version_key, disclosure)
    elif spec.kind == "incidents":
        sql, extra = _incident_statement(conn, args, params)
    else:
        sql, extra = _tps_statement(conn, args)
    body = conn.execute(text(sql), {**params, **extra}).scalar()
    return bytes(body or b"")


def _area_statement(conn: Connection, spec: TileLayer, tile: TileAddress, args: Mapping[str, Any],
                    version_key: str, disclosure: Disclosure = EXACT) -> tuple[str, dict[str, Any]]:
    within = _within(args, conn)
    extra: dict[str, Any] = {"level": spec.level}
    if within:
        extra.update(within=within, within_like=within + ".%")
    if not is_choropleth(args):
        return area_tile_sql(tile.z, False, within is not None), extra
    extra.update(shared_area_values(conn, spec, args, version_key, disclosure).params(tile))
    return area_tile_sql(tile.z, True, within is not None), extra


def shared_area_values(bind: Engine | Connection, spec: TileLayer, args: Mapping[str, Any],
                       version_key: str, disclosure: Disclosure = EXACT) -> AreaValues:
    """:func:`area_values`, computed once per database, parameters and data version."""
    assert spec.level is not None
    level = spec.level
    url = bind.url if isinstance(bind, Engine) else bind.engine.url
    signature = tuple(sorted((k, str(v)) for k, v in _as_dict(args).items()))
    key = (str(url), level, signature, version_key, disclosure.key)
    return _values_cache.get_or_compute(key, lambda: area_values(bind, level, args, disclosure))


def _incident_statement(conn: Connection, args: Mapping[str, Any],
                        tile_params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Every incident of the tile, or (above the cap) the latest one per grid cell with counts."""
    plain = _as_dict(args)
    within = normalize_kode(plain.get("within")) if plain.get("within") else None
    default_level = "desa" if within and within.count(".") == 3 else "kecamatan"
    filters: FilterSet = parse_filters(args, conn, default_level=default_level)
    if filters.within is None:
        filters = replace(filters, level="kecamatan")
    where, params = filters.incident_where("i", located=True)
    bounds = BOUNDS_CTE.strip()
    counted = conn.execute(text(INCIDENT_COUNT.format(bounds=bounds, where=where)),
                           {**tile_params, **params}).scalar_one()
    template = INCIDENT_SAMPLED_TILE if counted > MAX_POINTS_PER_TILE else INCIDENT_TILE
    sql = template.format(bounds=bounds, where=where,
                          mvt_geom=MVT_GEOM.format(col="ST_Transform(i.geom, 3857)"))
    return sql, {**params, "cells": SAMPLE_CELLS}


def _tps_statement(conn: Connection, args: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    election = args.get("election") or None
    if election is None:
        election = conn.execute(LATEST_ELECTION_WITH_TPS).scalar()
    else:
        parse_filters({"election": election}, conn)  # 400 naming 'election' when unknown
    within = _within(args, conn)
    extra: dict[str, Any] = {"election": election}
    if within:
        extra.update(within=within, within_like=within + ".%")
    sql = TPS_TILE.format(bounds=BOUNDS_CTE.strip(),
                          mvt_geom=MVT_GEOM.format(col="ST_Transform(p.geom, 3857)"),
                          within=" AND " + WITHIN.format(col="p.desa_kode") if within else "")
    return sql, extra


# --- TileJSON ---------------------------------------------------------------------------------

ALL_AREAS_EXTENT = text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                        "FROM (SELECT ST_Extent(geom) AS e FROM admin_area) s")
AREA_COUNT_EXTENT = text("""
SELECT count(*), ST_XMin(ST_Extent(geom)), ST_YMin(ST_Extent(geom)), ST_XMax(ST_Extent(geom)),
       ST_YMax(ST_Extent(geom))
FROM admin_area
WHERE level = :level AND (CAST(:within AS text) IS NULL OR kode = :within OR kode LIKE :within || '.%')
""")
WORLD_BOUNDS = [-180.0, -85.0511287798066, 180.0, 85.0511287798066]


def tilejson(engine: Engine, spec: TileLayer, tiles_url: str, args: Mapping[str, Any],
             threshold: int, version_key: str = "", disclosure: Disclosure = EXACT) -> dict[str, Any]:
    """TileJSON 3.0.0 for one layer. ``tiles_url`` is the absolute tile URL template.

    Non-standard members: ``feature_count`` (areas in the layer, after ``within``),
    ``tile_threshold`` (PKS_GEO_TILE_THRESHOLD) and ``use_tiles`` (count above the
    threshold): the map page decides between GeoJSON and tiles from this one document.
    With choropleth parameters also ``legend`` and ``filters``, exactly as
    ``/api/v1/choropleth`` returns them, so a tiled map needs no GeoJSON at all."""
    check_parameters(spec, args)
    with engine.connect() as conn:
        within = _within(args, conn)
        count = None
        if spec.kind == "areas":
            count, *box = conn.execute(AREA_COUNT_EXTENT, {"level": spec.level, "within": within}).one()
        else:
            box = list(conn.execute(ALL_AREAS_EXTENT).one())
    bounds = [round(float(v), 6) for v in box] if box[0] is not None else WORLD_BOUNDS
    center_zoom = max(spec.minzoom, min(12, _zoom_for(bounds)))
    document: dict[str, Any] = {
        "tilejson": "3.0.0",
        "name": spec.name,
        "description": spec.description,
        "scheme": "xyz",
        "tiles": [tiles_url],
        "minzoom": spec.minzoom,
        "maxzoom": spec.maxzoom,
        "bounds": bounds,
        "center": [round((bounds[0] + bounds[2]) / 2, 6), round((bounds[1] + bounds[3]) / 2, 6), center_zoom],
        "vector_layers": [{"id": spec.name, "description": spec.description, "fields": spec.fields,
                           "minzoom": spec.minzoom, "maxzoom": spec.maxzoom}],
        "attribution": "Batas wilayah: cahyadsn/wilayah_boundaries (MIT)",
    }
    if count is not None:
        document.update(feature_count=int(count), tile_threshold=threshold, use_tiles=int(count) > threshold)
    if spec.kind == "areas" and is_choropleth(args):
        values = shared_area_values(engine, spec, args, version_key, disclosure)
        document.update(legend=values.legend, filters=values.filters, disclosure=values.disclosure)
    return document


def _zoom_for(bounds: list[float]) -> int:
    """A zoom at which ``bounds`` roughly fills a 1000-pixel-wide view."""
    span = max(bounds[2] - bounds[0], (bounds[3] - bounds[1]) * 1.2, 1e-6)
    return max(0, int(math.log2(360 * 1000 / 256 / span)))
