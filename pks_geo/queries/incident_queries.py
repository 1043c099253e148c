"""Incident and polling-site (TPS) listings as RFC 7946 GeoJSON, with validated filters.

One :class:`IncidentFilter` serves the API, the pages and any export, so a filter means the
same everywhere. Parameters are checked against fixed lists and the loaded data (an unknown
kecamatan, election or kategori is an error naming the parameter, never an empty answer);
values reach SQL only as bound parameters, and the WHERE clause is assembled from constant
fragments. PostGIS writes the GeoJSON itself (``ST_AsGeoJSON`` + ``json_agg``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.codes import normalize_kode
from pks_geo.models import INCIDENT_STATUS, KATEGORI, STAGES
from pks_geo.queries.params import (
    ParameterError,
    check_choice,
    check_names,
    multi_values,
    parse_date,
    single_value,
)

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
"""Hard cap on features per page; asking for more is a 400, not a silent truncation."""
FILTER_PARAMETERS = ("from", "to", "kategori", "kecamatan", "desa", "bbox", "election", "stage",
                     "source", "status", "q", "limit", "offset", "after")
TPS_PARAMETERS = ("election", "kecamatan", "desa")


@dataclass(frozen=True)
class IncidentFilter:
    date_from: date | None = None
    date_to: date | None = None
    kategori: tuple[str, ...] = ()
    kecamatan: tuple[str, ...] = ()
    desa: tuple[str, ...] = ()
    bbox: tuple[float, float, float, float] | None = None
    election: str | None = None
    stage: str | None = None
    source: str | None = None
    status: str | None = None
    q: str | None = None
    """Words that must all occur in the description (case-insensitive, as typed: no wildcards)."""
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    after: tuple[date, int] | None = None
    """Keyset cursor (event date, id) of the last incident of the previous page: the page goes
    on after it in the newest-first order, with no rows to step over however deep."""

    def where(self) -> tuple[str, dict[str, object]]:
        """The WHERE clause (constant fragments only) and its bound parameters."""
        clauses: list[str] = ["TRUE"]
        params: dict[str, object] = {}
        simple = (("date_from", "i.event_date >= :date_from"), ("date_to", "i.event_date <= :date_to"),
                  ("election", "i.election_code = :election"), ("stage", "i.stage = :stage"),
                  ("source", "i.source = :source"), ("status", "i.status = :status"))
        for name, clause in simple:
            value = getattr(self, name)
            if value is not None:
                clauses.append(clause)
                params[name] = value
        for name, clause in (("kategori", "i.kategori = ANY(:kategori)"),
                             ("kecamatan", "i.kecamatan_kode = ANY(:kecamatan)"),
                             ("desa", "i.desa_kode = ANY(:desa)")):
            values = getattr(self, name)
            if values:
                clauses.append(clause)
                params[name] = list(values)
        for n, word in enumerate(search_words(self.q)):  # one bound pattern per word
            clauses.append(f"i.description ILIKE :q{n:d} ESCAPE '\\'")
            params[f"q{n:d}"] = "%" + like_escape(word) + "%"
        if self.bbox is not None:
            clauses.append("i.geom && ST_MakeEnvelope(:minx, :miny, :maxx, :maxy, 4326)")
            params.update(zip(("minx", "miny", "maxx", "maxy"), self.bbox, strict=True))
        return " AND ".join(clauses), params

    def page_where(self) -> tuple[str, dict[str, object]]:
        """:meth:`where` plus the keyset cursor: which rows this page may start from."""
        where, params = self.where()
        if self.after is None:
            return where, params
        return (f"{where} AND (i.event_date, i.id) < (:after_date, :after_id)",
                {**params, "after_date": self.after[0], "after_id": self.after[1]})


MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 8


def search_words(q: str | None) -> list[str]:
    """The words of a description search (at most :data:`MAX_SEARCH_WORDS`)."""
    return (q or "").split()[:MAX_SEARCH_WORDS]


def like_escape(word: str) -> str:
    """``word`` matched literally by LIKE/ILIKE with ``ESCAPE '\\'`` (``%`` and ``_`` are text)."""
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- parameter parsing -------------------------------------------------------------------

def _single(args: Mapping[str, Sequence[str]], name: str) -> str | None:
    return single_value(args, name, split=False)


def _int(args: Mapping[str, Sequence[str]], name: str, default: int, low: int, high: int) -> int:
    value = _single(args, name)
    if value is None:
        return default
    if not value.isdigit():
        raise ParameterError(name, f"{name} must be a whole number, got {value!r}")
    number = int(value)
    if not low <= number <= high:
        raise ParameterError(name, f"{name} must be between {low} and {high}, got {number}")
    return number


def parse_bbox(value: str | None) -> tuple[float, float, float, float] | None:
    """``minLon,minLat,maxLon,maxLat`` in WGS 84 (the RFC 7946 / OGC API order)."""
    if value is None:
        return None
    parts = value.split(",")
    try:
        numbers = tuple(float(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
        raise ParameterError("bbox", f"bbox must be minLon,minLat,maxLon,maxLat, got {value!r}")
    minx, miny, maxx, maxy = numbers
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        raise ParameterError("bbox", "bbox must satisfy -180 <= minLon < maxLon <= 180 and "
                                     f"-90 <= minLat < maxLat <= 90, got {value!r}")
    return minx, miny, maxx, maxy


def _codes(conn: Connection, args: Mapping[str, Sequence[str]], name: str) -> tuple[str, ...]:
    """Kemendagri codes of loaded areas at level ``name`` (dots optional); unknown ones refused."""
    codes = []
    for raw in multi_values(args, name):
        kode = normalize_kode(raw)
        expected_dots = 2 if name == "kecamatan" else 3
        if kode is None or kode.count(".") != expected_dots:
            example = "74.05.01" if name == "kecamatan" else "74.05.01.2001"
            raise ParameterError(name, f"{name} must be a {name} code like {example}, got {raw!r}")
        codes.append(kode)
    if codes:
        known = set(conn.execute(text("SELECT kode FROM admin_area WHERE level = :level "
                                      "AND kode = ANY(:codes)"), {"level": name, "codes": codes}).scalars())
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise ParameterError(name, f"unknown {name} {', '.join(unknown)} (not among the loaded areas)")
    return tuple(dict.fromkeys(codes))


def check_election(conn: Connection, code: str | None, name: str = "election") -> str | None:
    if code is not None and conn.execute(text("SELECT 1 FROM election WHERE code = :c"),
                                         {"c": code}).first() is None:
        known = ", ".join(conn.execute(text("SELECT code FROM election ORDER BY code")).scalars())
        raise ParameterError(name, f"unknown election {code!r} (known: {known or 'none loaded'})")
    return code


def parse_incident_filter(engine: Engine, args: Mapping[str, Sequence[str]]) -> IncidentFilter:
    """Validate query parameters into a filter, raising :class:`ParameterError` on the first bad one."""
    check_names(args, FILTER_PARAMETERS)
    date_from, date_to = parse_date("from", _single(args, "from")), parse_date("to", _single(args, "to"))
    if date_from and date_to and date_from > date_to:
        raise ParameterError("from", f"from ({date_from}) is after to ({date_to})")
    kategori = tuple(dict.fromkeys(multi_values(args, "kategori")))
    for value in kategori:
        check_choice("kategori", value, KATEGORI)
    source = _single(args, "source")
    if source is not None and len(source) > 100:
        raise ParameterError("source", "source must be at most 100 characters")
    q = _single(args, "q")
    if q is not None and len(q) > MAX_SEARCH_CHARS:
        raise ParameterError("q", f"q must be at most {MAX_SEARCH_CHARS} characters")
    with engine.connect() as conn:
        return IncidentFilter(
            date_from=date_from, date_to=date_to, kategori=kategori,
            kecamatan=_codes(conn, args, "kecamatan"), desa=_codes(conn, args, "desa"),
            bbox=parse_bbox(_single(args, "bbox")),
            election=check_election(conn, _single(args, "election")),
            stage=check_choice("stage", _single(args, "stage"), STAGES), source=source,
            status=check_choice("status", _single(args, "status"), INCIDENT_STATUS), q=q,
            limit=_int(args, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
            offset=_int(args, "offset", 0, 0, 10**9), after=_after(args))


def _after(args: Mapping[str, Sequence[str]]) -> tuple[date, int] | None:
    """``after=YYYY-MM-DD,ID``: the cursor a ``next`` link carries."""
    raw = _single(args, "after")
    if raw is None:
        return None
    day, _, ident = raw.partition(",")
    try:
        cursor = (date.fromisoformat(day), int(ident))
    except ValueError:
        raise ParameterError("after", f"after must be 'YYYY-MM-DD,id' as next links give it, got {raw!r}") \
            from None
    if not 0 < cursor[1] < 2**63:
        raise ParameterError("after", f"after must name an incident id, got {raw!r}")
    return cursor


# --- queries -----------------------------------------------------------------------------

FEATURE_SQL = """
json_build_object(
    'type', 'Feature',
    'id', i.id,
    'geometry', ST_AsGeoJSON(i.geom, 6)::json,
    'properties', json_build_object(
        'id', i.id, 'source', i.source, 'external_id', i.external_id,
        'event_date', i.event_date, 'date_precision', i.date_precision,
        'kategori', i.kategori, 'original_type', i.original_type, 'sub_type', i.sub_type,
        'actor1', i.actor1, 'actor2', i.actor2, 'meninggal', i.meninggal, 'luka', i.luka,
        'description', i.description, 'sumber', i.sumber, 'place_name', i.place_name,
        'location_precision', i.location_precision,
        'desa_kode', i.desa_kode, 'desa_nama', d.nama,
        'kecamatan_kode', i.kecamatan_kode, 'kecamatan_nama', k.nama,
        'counted', i.counted, 'election_code', i.election_code, 'stage', i.stage,
        'status', i.status, 'created_by', i.created_by,
        'created_at', i.created_at, 'updated_at', i.updated_at))
"""
FROM_SQL = """
FROM incident i
LEFT JOIN admin_area d ON d.kode = i.desa_kode
LEFT JOIN admin_area k ON k.kode = i.kecamatan_kode
"""


@dataclass(frozen=True)
class IncidentPage:
    """A page of incidents: the features (JSON array text), how many match the filter, how many
    are returned, and the keyset cursor of the next page (None on the last)."""

    features: str
    matched: int
    returned: int
    next_after: tuple[date, int] | None


def incidents_page(engine: Engine, flt: IncidentFilter) -> IncidentPage:
    """One page, newest first in a stable order (event date, then id)."""
    count_where, count_params = flt.where()
    where, params = flt.page_where()
    page_sql = text(f"""
        WITH page AS (SELECT i.id, i.event_date FROM incident i WHERE {where}
                      ORDER BY i.event_date DESC, i.id DESC LIMIT :limit OFFSET :offset),
        shown AS (SELECT * FROM page ORDER BY event_date DESC, id DESC LIMIT :shown)
        SELECT coalesce((SELECT json_agg(p.feature ORDER BY p.event_date DESC, p.id DESC)
                         FROM (SELECT i.id, i.event_date, {FEATURE_SQL} AS feature {FROM_SQL}
                               WHERE i.id IN (SELECT id FROM shown)) p), '[]')::text,
               (SELECT count(*) FROM shown), (SELECT count(*) FROM page),
               (SELECT event_date FROM shown ORDER BY event_date, id LIMIT 1),
               (SELECT id FROM shown ORDER BY event_date, id LIMIT 1)
    """)  # fragments above are constants; every value is a bound parameter. The page's ids are
    # found first (one more than shown, to know whether another page follows), so joins and
    # JSON are built for the returned rows only, however deep the page.
    count_sql = text(f"SELECT count(*) FROM incident i WHERE {count_where}")
    with engine.connect() as conn:
        features, returned, found, last_date, last_id = conn.execute(page_sql, {
            **params, "limit": flt.limit + 1, "shown": flt.limit, "offset": flt.offset}).one()
        matched = conn.execute(count_sql, count_params).scalar_one()
    more = found > flt.limit
    return IncidentPage(features, matched, returned, (last_date, last_id) if more else None)


def incident_feature(conn_or_engine: Engine | Connection, incident_id: int) -> str | None:
    """One incident as a GeoJSON Feature (text), or ``None``."""
    sql = text(f"SELECT {FEATURE_SQL}::text {FROM_SQL} WHERE i.id = :id")
    if isinstance(conn_or_engine, Connection):
        return conn_or_engine.execute(sql, {"id": incident_id}).scalar_one_or_none()
    with conn_or_engine.connect() as conn:
        return conn.execute(sql, {"id": incident_id}).scalar_one_or_none()


TPS_SQL = text("""
SELECT json_build_object(
    'type', 'FeatureCollection',
    'features', coalesce(json_agg(json_build_object(
        'type', 'Feature',
        'id', s.kode_tps,
        'geometry', ST_AsGeoJSON(s.geom, 6)::json,
        'properties', json_build_object(
            'kode_tps', s.kode_tps, 'no_tps', s.no_tps, 'election_code', s.election_code,
            'desa_kode', s.desa_kode, 'desa_nama', d.nama,
            'kecamatan_kode', s.kecamatan_kode, 'kecamatan_nama', k.nama,
            'dpt', s.dpt, 'alamat', s.alamat, 'kategori_kerawanan', s.kategori_kerawanan,
            'location_precision', s.location_precision)
    ) ORDER BY s.kode_tps), '[]'::json),
    'numberMatched', count(s.id),
    'numberReturned', count(s.id),
    'election', CAST(:election AS text)
)::text
FROM polling_site s
LEFT JOIN admin_area d ON d.kode = s.desa_kode
LEFT JOIN admin_area k ON k.kode = s.kecamatan_kode
WHERE s.election_code = :election
  AND (CAST(:kecamatan AS text[]) IS NULL OR s.kecamatan_kode = ANY(CAST(:kecamatan AS text[])))
  AND (CAST(:desa AS text[]) IS NULL OR s.desa_kode = ANY(CAST(:desa AS text[])))
""")


LATEST_TPS_ELECTION_SQL = text("""
SELECT e.code FROM election e WHERE EXISTS (SELECT 1 FROM polling_site s WHERE s.election_code = e.code)
ORDER BY e.voting_day DESC LIMIT 1
""")


def tps_geojson(engine: Engine, args: Mapping[str, Sequence[str]]) -> str:
    """FeatureCollection of one election's polling sites, optionally within ``kecamatan``/``desa``.

    Without ``election`` the latest election that has polling sites is used (named in the
    ``election`` member), so a map can show TPS before anyone picks an election. A kabupaten
    has at most a few thousand TPS, so there is no paging."""
    check_names(args, TPS_PARAMETERS)
    with engine.connect() as conn:
        election = check_election(conn, _single(args, "election"))
        if election is None:
            election = conn.execute(LATEST_TPS_ELECTION_SQL).scalar_one_or_none()
        kecamatan = _codes(conn, args, "kecamatan")
        desa = _codes(conn, args, "desa")
        return conn.execute(TPS_SQL, {"election": election, "kecamatan": list(kecamatan) or None,
                                      "desa": list(desa) or None}).scalar_one()
