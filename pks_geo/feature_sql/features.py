"""Feature collections for the OGC API – Features endpoints: areas, incidents and TPS.

Each collection is described once (:class:`CollectionSpec`: table, id, geometry,
properties, temporal column, extra equality filters, the least role that may read it) and
queried by the same three functions: items (paged), one item, and the extent. PostGIS
writes each feature's JSON (``json_build_object`` + ``ST_AsGeoJSON``), RFC 7946-wound.
The SQL is assembled only from the constant fragments below; request values are bound
parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, text

from pks_geo import catalogue


@dataclass(frozen=True)
class CollectionSpec:
    """How one collection maps to SQL. Every string here is a constant of this module."""

    id: str
    title: dict[str, str]
    description: dict[str, str]
    min_role: str
    from_sql: str
    id_sql: str
    """Also the order of the features: keyset paging (``after``) continues after an id."""
    id_type: str
    """``text`` or ``bigint``: how ``/items/{fid}`` is compared."""
    geom_column: str
    """The indexed geometry column (bbox filters and extents use it)."""
    geom_sql: str
    """What is written as the feature's geometry (e.g. re-wound to RFC 7946)."""
    properties: tuple[tuple[str, str], ...]
    datetime_sql: str | None = None
    filters: dict[str, str] = field(default_factory=dict)
    """Extra query parameters: name -> column compared for equality."""

    def feature_sql(self, only: tuple[str, ...] | None = None) -> str:
        """``only``: the property names to write (validated against :attr:`properties`)."""
        props = ", ".join(f"'{name}', {expr}" for name, expr in self.properties
                          if only is None or name in only)
        return (f"json_build_object('type', 'Feature', 'id', {self.id_sql}, "
                f"'geometry', ST_AsGeoJSON({self.geom_sql}, 6)::json, "
                f"'properties', json_build_object({props}))::text")


def _texts(collection: str, part: str) -> dict[str, str]:
    """A collection's title or description per language: ``ogc_collection_<id>_<part>`` of the catalogue."""
    key = f"ogc_collection_{collection}_{part}"
    return {lang: catalogue.messages(lang)[key] for lang in catalogue.LANGUAGES}


COLLECTIONS: dict[str, CollectionSpec] = {
    "areas": CollectionSpec(
        id="areas",
        title=_texts("areas", "title"),
        description=_texts("areas", "description"),
        min_role="viewer",
        from_sql="admin_area a",
        id_sql="a.kode", id_type="text",
        geom_column="a.geom", geom_sql="ST_ForcePolygonCCW(a.geom)",
        properties=(("kode", "a.kode"), ("nama", "a.nama"), ("level", "a.level"),
                    ("parent_kode", "a.parent_kode"), ("jenis", "a.jenis"),
                    ("area_km2", "round(a.area_km2::numeric, 3)")),
        filters={"level": "a.level", "parent_kode": "a.parent_kode"},
    ),
    "incidents": CollectionSpec(
        id="incidents",
        title=_texts("incidents", "title"),
        description=_texts("incidents", "description"),
        min_role="analyst",
        from_sql="incident i",
        id_sql="i.id", id_type="bigint",
        geom_column="i.geom", geom_sql="i.geom",
        properties=(("source", "i.source"), ("external_id", "i.external_id"),
                    ("event_date", "i.event_date"), ("date_precision", "i.date_precision"),
                    ("kategori", "i.kategori"), ("original_type", "i.original_type"),
                    ("sub_type", "i.sub_type"), ("actor1", "i.actor1"), ("actor2", "i.actor2"),
                    ("meninggal", "i.meninggal"), ("luka", "i.luka"),
                    ("description", "i.description"), ("sumber", "i.sumber"),
                    ("place_name", "i.place_name"), ("location_precision", "i.location_precision"),
                    ("desa_kode", "i.desa_kode"), ("kecamatan_kode", "i.kecamatan_kode"),
                    ("counted", "i.counted"), ("election_code", "i.election_code"),
                    ("stage", "i.stage"), ("status", "i.status")),
        datetime_sql="i.event_date",
        filters={"kategori": "i.kategori", "kecamatan_kode": "i.kecamatan_kode",
                 "desa_kode": "i.desa_kode", "election_code": "i.election_code", "stage": "i.stage"},
    ),
    "tps": CollectionSpec(
        id="tps",
        title=_texts("tps", "title"),
        description=_texts("tps", "description"),
        min_role="viewer",
        from_sql="polling_site p JOIN election e ON e.code = p.election_code",
        id_sql="p.id", id_type="bigint",
        geom_column="p.geom", geom_sql="p.geom",
        properties=(("election_code", "p.election_code"), ("kode_tps", "p.kode_tps"),
                    ("no_tps", "p.no_tps"), ("desa_kode", "p.desa_kode"),
                    ("kecamatan_kode", "p.kecamatan_kode"), ("dpt", "p.dpt"),
                    ("location_precision", "p.location_precision"), ("alamat", "p.alamat"),
                    ("kategori_kerawanan", "p.kategori_kerawanan"), ("voting_day", "e.voting_day")),
        datetime_sql="e.voting_day",
        filters={"election_code": "p.election_code", "kecamatan_kode": "p.kecamatan_kode",
                 "desa_kode": "p.desa_kode"},
    ),
}


PROPERTY_TYPES: dict[str, str] = {
    "area_km2": "number", "date_precision": "integer", "meninggal": "integer", "luka": "integer",
    "no_tps": "integer", "dpt": "integer", "counted": "boolean", "event_date": "date",
    "voting_day": "date",
}
"""JSON type of each property that is not a string (``date``: a string of format date); the
OpenAPI schemas and ``/queryables`` describe the properties with it."""


def property_schema(name: str) -> dict[str, Any]:
    """JSON Schema of one feature property (every property may be null)."""
    kind = PROPERTY_TYPES.get(name, "string")
    if kind == "date":
        return {"type": "string", "format": "date", "nullable": True}
    return {"type": kind, "nullable": True}


@dataclass(frozen=True)
class ItemQuery:
    """Validated items parameters (see :mod:`pks_geo.web.ogc` for parsing).

    ``after`` is the keyset cursor of a ``next`` link: the id of the last feature of the
    previous page. Pages then start with an index range scan, however deep, where ``offset``
    (still accepted) makes PostgreSQL step over every skipped row."""

    limit: int
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    date_from: date | None = None
    date_to: date | None = None
    equals: dict[str, str] = field(default_factory=dict)
    after: str | None = None
    filter_sql: str | None = None
    """A CQL2 filter compiled by :mod:`pks_geo.feature_sql.cql2` (bound parameters ``cql_N``)."""
    filter_params: dict[str, Any] = field(default_factory=dict)
    sort_sql: str | None = None
    """``ORDER BY`` items built from constant column expressions; keyset paging needs id order."""
    properties: tuple[str, ...] | None = None


COUNT_CAP = 10_000
"""numberMatched is counted exactly up to this many features and left out above it, as OGC API
– Features allows: counting 100,000 rows took 13 of a page's 15 ms, a million far more than the
page itself. Continuation pages (``after``) leave it out too: the first page has told it."""


@dataclass(frozen=True)
class ItemsPage:
    """One page: the features' JSON texts, the count (None above :data:`COUNT_CAP`), whether
    more follow, and the keyset cursor of the next page."""

    features: list[str]
    matched: int | None
    more: bool
    next_after: str | None


def _where(spec: CollectionSpec, query: ItemQuery) -> tuple[str, dict[str, Any]]:
    parts: list[str] = ["TRUE"]
    params: dict[str, Any] = {}
    if query.bbox is not None:
        # the geometry itself, not its bounding box (ST_Intersects still uses the GiST index)
        parts.append(f"ST_Intersects({spec.geom_column}, ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326))")
        params.update(zip(("minx", "miny", "maxx", "maxy"), query.bbox, strict=True))
    if spec.datetime_sql and query.date_from:
        parts.append(f"{spec.datetime_sql} >= :date_from")
        params["date_from"] = query.date_from
    if spec.datetime_sql and query.date_to:
        parts.append(f"{spec.datetime_sql} <= :date_to")
        params["date_to"] = query.date_to
    for index, (name, value) in enumerate(sorted(query.equals.items())):
        parts.append(f"{spec.filters[name]} = :eq{index}")
        params[f"eq{index}"] = value
    if query.filter_sql is not None:
        parts.append(query.filter_sql)
        params.update(query.filter_params)
    return " AND ".join(parts), params


def _after_value(spec: CollectionSpec, after: str) -> Any:
    if spec.id_type == "bigint":
        if not after.lstrip("-").isdigit() or len(after) > 19:
            raise ValueError("after must be a feature id of this collection")
        return int(after)
    return after


def items(conn: Connection, spec: CollectionSpec, query: ItemQuery) -> ItemsPage:
    """One page of features: ids first (keyset after ``query.after``, else OFFSET), then the
    JSON of those ids only, so a deep page serialises no row it skips."""
    where, params = _where(spec, query)
    matched = None
    if query.after is None:
        counted = conn.execute(text(
            f"SELECT count(*) FROM (SELECT 1 FROM {spec.from_sql} WHERE {where} LIMIT :cap) c"),
            {**params, "cap": COUNT_CAP + 1}).scalar_one()
        matched = int(counted) if counted <= COUNT_CAP else None
    keyset = ""
    page_params = {**params, "limit": query.limit + 1, "offset": query.offset}
    if query.after is not None:
        keyset = f" AND {spec.id_sql} > :after"
        page_params["after"] = _after_value(spec, query.after)
    order = f"{query.sort_sql}, {spec.id_sql}" if query.sort_sql else spec.id_sql
    rows = conn.execute(text(f"""
        WITH page AS (SELECT {spec.id_sql} AS pid FROM {spec.from_sql} WHERE {where}{keyset}
                      ORDER BY {order} LIMIT :limit OFFSET :offset)
        SELECT {spec.id_sql}::text, {spec.feature_sql(query.properties)} FROM {spec.from_sql}
        WHERE {spec.id_sql} IN (SELECT pid FROM page) ORDER BY {order}
    """), page_params).all()  # fragments are constants (or compiled from them); values are bound
    more = len(rows) > query.limit
    rows = rows[:query.limit]
    return ItemsPage([row[1] for row in rows], matched, more, rows[-1][0] if more else None)


def item(conn: Connection, spec: CollectionSpec, fid: str) -> str | None:
    """One feature's JSON text, or ``None`` when there is no such id."""
    if spec.id_type == "bigint":
        if not fid.isdigit() or len(fid) > 18:
            return None
        value: Any = int(fid)
    else:
        value = fid
    return conn.execute(text(f"SELECT {spec.feature_sql()} FROM {spec.from_sql} "
                             f"WHERE {spec.id_sql} = :fid"), {"fid": value}).scalar()


def extent(conn: Connection, spec: CollectionSpec) -> tuple[list[float] | None, list[str | None] | None]:
    """Spatial bbox [minx, miny, maxx, maxy] and temporal interval [start, end] as RFC 3339
    date-times (what OGC API – Features asks for): from the start of the first day to the end
    of the last, in UTC."""
    when = spec.datetime_sql
    temporal = (f"min({when})::text AS t0, max({when})::text AS t1" if when
                else "NULL::text AS t0, NULL::text AS t1")
    row = conn.execute(text(
        "SELECT ST_XMin(e.x), ST_YMin(e.x), ST_XMax(e.x), ST_YMax(e.x), e.t0, e.t1 FROM ("
        f"SELECT ST_Extent({spec.geom_column}) AS x, {temporal} "
        f"FROM {spec.from_sql}) e")).one()
    bbox = None if row[0] is None else [round(float(v), 6) for v in row[:4]]
    interval = ([f"{row[4]}T00:00:00Z" if row[4] else None, f"{row[5]}T23:59:59Z" if row[5] else None]
                if spec.datetime_sql else None)
    return bbox, interval
