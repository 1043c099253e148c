"""Locating incidents and TPS in desa and kecamatan, set-based inside PostGIS.

Rows to locate are copied (``COPY``) into a narrow temporary table with a GiST index; the
first rule writes the result table in one join (each desa polygon probing the point index,
so PostGIS reuses its prepared polygon), and every later rule is one statement over the
few rows still open: 100,000 rows cost a handful of indexed joins, not 100,000 round trips.
The desa comes from ``ST_Covers`` against the desa polygons of ``admin_area`` (a point on
a shared border goes to the lowest code), the kecamatan from that desa's ``parent_kode``.
The importer keeps its other columns in its own table and joins on ``idx`` when storing.

Incident rules, in order:

1. A point inside a desa is located there (precision ``exact``, or the input's hint).
2. A point in no desa whose swapped (lat <-> lon) twin is inside one is swapped back,
   with a warning.
3. A row without a point is located by its desa code (given, or found from the desa
   name by :mod:`pks_geo.ingest.desa_names`) at ``ST_PointOnSurface`` of the desa,
   precision ``desa``. An unknown code is refused.
4. A point still in no desa is refused with "outside area", or with ``keep_outside``
   stored without desa/kecamatan and not counted (a warning says so).
5. Precision hint ``kabupaten`` (ACLED geo_precision 3): stored, but without desa and
   kecamatan and with ``counted = false``; ``kecamatan``: kept in the kecamatan only.
6. A point and a desa code that disagree: the point wins, with a warning.

TPS rules (:func:`locate_tps`): the desa is the one its code names; a point outside that
desa is swapped back when the swap puts it inside, else kept with a warning naming the
desa it lies in; a point outside every desa is refused ("outside area") or, with
``keep_outside``, replaced by the desa's point on surface; no point -> point on surface.

:func:`locate_record` applies the incident rules to one record (the API's entry point).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, text

from pks_geo.ingest.copy_rows import copy_into
from pks_geo.ingest.desa_names import DesaIndex
from pks_geo.ingest.incident_rows import IncidentRecord
from pks_geo.ingest.reasons import as_reason
from pks_geo.ingest.report import Issue

LOCATE_TABLES = frozenset({"incident_locate", "tps_locate", "locate_one"})
"""The only table names the SQL below is formatted with (never user input)."""

INPUT_DDL = """
CREATE TEMP TABLE {t}_in (
    idx integer PRIMARY KEY,
    lon double precision,
    lat double precision,
    by_point boolean NOT NULL,
    kode_hint text,
    hint_field text,
    precision_hint text,
    counted boolean NOT NULL,{extra}
    geom geometry(Point, 4326) GENERATED ALWAYS AS (
        CASE WHEN lon IS NOT NULL AND lat IS NOT NULL
             THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED
) ON COMMIT DROP
"""
"""What the caller copies in. ``idx``: position in the caller's list; ``by_point``: the input
gave lat/lon; ``kode_hint``: a dotted desa code, ``hint_field`` the input field to blame
when it is unknown; ``precision_hint``: the input's location precision. ``{extra}``: column
definitions of the caller's own (the incident importer's record columns), copied in the
same COPY so that a batch is sent once; locating never reads them."""
INPUT_COLUMNS = ("idx", "lon", "lat", "by_point", "kode_hint", "hint_field", "precision_hint",
                 "counted")
OUTPUT_COLUMNS = """
    i.idx, i.lon, i.lat, i.by_point, i.kode_hint, i.hint_field, i.precision_hint, i.geom,
    {desa}::text AS desa_kode, {kecamatan}::text AS kecamatan_kode,
    {precision}::text AS location_precision, {counted} AS counted,
    NULL::text AS problem_field, NULL::text AS problem, NULL::text[] AS notes
"""
"""The result table ``{t}``: the input plus desa/kecamatan, precision, ``counted``, and the
rejection (``problem_field``, ``problem``) and warnings (``notes``, as ``'field|reason'``)."""

_HIT = """
SELECT DISTINCT ON (p.idx) p.idx, a.kode, a.parent_kode
FROM {t} p JOIN admin_area a ON a.level = 'desa' AND ST_Covers(a.geom, {point})
WHERE {where}
ORDER BY p.idx, a.kode
"""
_HIT_BY_DESA = """
SELECT DISTINCT ON (p.idx) p.idx, a.kode, a.parent_kode
FROM admin_area a
CROSS JOIN LATERAL (SELECT q.idx FROM {t} q WHERE q.by_point AND ST_Covers(a.geom, q.geom)) p
WHERE a.level = 'desa'
  AND a.geom && (SELECT ST_SetSRID(ST_Extent(e.geom)::geometry, 4326) FROM {t} e)
ORDER BY p.idx, a.kode
"""
"""Step 1's join, written so that each desa polygon (of those in the batch's extent) probes
the point index: PostGIS then prepares each polygon once and tests all its candidate
points against it. With the plain join the planner may, depending on the statistics of
``admin_area``, put the points outside and test each against unprepared polygons: 6.5x
slower for a province (2,283 desa), measured. ``LATERAL`` fixes the order."""
INCIDENT_RESULT = (
    "CREATE TEMP TABLE {t} WITH (fillfactor = 70) ON COMMIT DROP AS SELECT "
    + OUTPUT_COLUMNS.format(
        desa="CASE WHEN i.precision_hint IN ('kecamatan', 'kabupaten') THEN NULL ELSE h.kode END",
        kecamatan="CASE WHEN i.precision_hint = 'kabupaten' THEN NULL ELSE h.parent_kode END",
        precision="CASE WHEN h.idx IS NOT NULL THEN coalesce(i.precision_hint, 'exact') END",
        counted="i.counted AND (h.idx IS NULL OR i.precision_hint IS DISTINCT FROM 'kabupaten')")
    + " FROM {t}_in i LEFT JOIN (" + _HIT_BY_DESA.format(t="{t}_in") + ") h ON h.idx = i.idx"
)
"""Step 1 (and 5): every point in its desa, in one indexed join that writes the result table."""
TPS_RESULT = ("CREATE TEMP TABLE {t} WITH (fillfactor = 70) ON COMMIT DROP AS SELECT "
              + OUTPUT_COLUMNS.format(desa="NULL", kecamatan="NULL", precision="NULL",
                                      counted="i.counted")
              + " FROM {t}_in i")
SWAP_NOTE = "lat|latitude and longitude were given the wrong way round; swapped back"
SWAPPED = "lon = s.lat, lat = s.lon, geom = ST_SetSRID(ST_MakePoint(s.lat, s.lon), 4326)"
_LOCATED = """
    desa_kode = CASE WHEN s.precision_hint IN ('kecamatan', 'kabupaten') THEN NULL ELSE h.kode END,
    kecamatan_kode = CASE WHEN s.precision_hint = 'kabupaten' THEN NULL ELSE h.parent_kode END,
    location_precision = coalesce(s.precision_hint, 'exact'),
    counted = s.counted AND s.precision_hint IS DISTINCT FROM 'kabupaten'
"""
OUTSIDE = "format('outside area: point (lat %s, lon %s) lies in no loaded desa', lat, lon)"

ADD_KEY = "ALTER TABLE {t} ADD PRIMARY KEY (idx)"
"""Every later join on ``idx`` can then use an index, whatever the planner estimates
(temporary tables have no statistics, and a misjudged nested loop would be quadratic)."""

INCIDENT_STEPS = (
    INCIDENT_RESULT,
    ADD_KEY,
    # 2. swapped points
    f"UPDATE {{t}} s SET {SWAPPED}, notes = array_append(s.notes, '{SWAP_NOTE}'), {_LOCATED} FROM ("
    + _HIT.format(t="{t}", point="ST_SetSRID(ST_MakePoint(p.lat, p.lon), 4326)",
                  where="p.by_point AND p.location_precision IS NULL AND abs(p.lon) <= 90")
    + ") h WHERE h.idx = s.idx",
    # 3. by desa code, at the desa's point on surface
    """WITH d AS (
        SELECT a.kode, a.parent_kode, ST_PointOnSurface(a.geom) AS g FROM admin_area a
        WHERE a.level = 'desa' AND a.kode IN (SELECT kode_hint FROM {t} WHERE NOT by_point))
    UPDATE {t} s SET desa_kode = d.kode, kecamatan_kode = d.parent_kode, lon = ST_X(d.g),
        lat = ST_Y(d.g), geom = d.g, location_precision = 'desa'
    FROM d WHERE NOT s.by_point AND s.kode_hint = d.kode""",
    """UPDATE {t} SET problem_field = coalesce(hint_field, 'kode_desa'),
        problem = 'unknown desa code ' || kode_hint || ' (not among the loaded boundaries)'
    WHERE NOT by_point AND location_precision IS NULL""",
    # 4. outside every desa
    f"""UPDATE {{t}} SET
        problem_field = CASE WHEN :keep THEN NULL ELSE 'lat' END,
        problem = CASE WHEN :keep THEN NULL ELSE {OUTSIDE} END,
        counted = counted AND NOT :keep,
        location_precision = CASE WHEN :keep THEN coalesce(precision_hint, 'exact') END,
        notes = CASE WHEN :keep THEN array_append(notes,
            'lat|outside area: kept without desa/kecamatan and not counted (--keep-outside)')
            ELSE notes END
    WHERE by_point AND location_precision IS NULL""",
    # 6. a point and a desa code that disagree
    """UPDATE {t} SET notes = array_append(notes, coalesce(hint_field, 'kode_desa')
        || '|point lies in desa ' || desa_kode || ', not in ' || kode_hint || '; located by the point')
    WHERE by_point AND kode_hint IS NOT NULL AND desa_kode <> kode_hint""",
)

TPS_STEPS = (
    TPS_RESULT,
    ADD_KEY,
    """UPDATE {t} s SET desa_kode = a.kode, kecamatan_kode = a.parent_kode
    FROM admin_area a WHERE a.level = 'desa' AND a.kode = s.kode_hint""",
    """UPDATE {t} SET problem_field = coalesce(hint_field, 'kode_desa'),
        problem = 'unknown desa code ' || kode_hint || ' (not among the loaded boundaries)'
    WHERE desa_kode IS NULL""",
    # a point inside its own desa
    """UPDATE {t} s SET location_precision = 'exact' FROM admin_area a
    WHERE s.by_point AND a.kode = s.desa_kode AND ST_Covers(a.geom, s.geom)""",
    # swapped, and then inside its own desa
    f"""UPDATE {{t}} s SET {SWAPPED}, location_precision = 'exact',
        notes = array_append(s.notes, '{SWAP_NOTE}') FROM admin_area a
    WHERE s.by_point AND s.location_precision IS NULL AND a.kode = s.desa_kode AND abs(s.lon) <= 90
      AND ST_Covers(a.geom, ST_SetSRID(ST_MakePoint(s.lat, s.lon), 4326))""",
    # inside another desa: kept, with a warning
    "UPDATE {t} s SET location_precision = 'exact', notes = array_append(s.notes, 'lat|TPS point lies "
    "in desa ' || h.kode || ', outside its coded desa ' || s.desa_kode) FROM ("
    + _HIT.format(t="{t}", point="p.geom", where="p.by_point AND p.location_precision IS NULL "
                  "AND p.problem IS NULL") + ") h WHERE h.idx = s.idx",
    # outside every desa
    f"""UPDATE {{t}} SET
        problem_field = CASE WHEN :keep THEN NULL ELSE 'lat' END,
        problem = CASE WHEN :keep THEN NULL ELSE {OUTSIDE} END,
        notes = CASE WHEN :keep THEN array_append(notes, format(
            'lat|outside area: point (lat %s, lon %s) ignored, TPS placed in its desa', lat, lon))
            ELSE notes END,
        by_point = by_point AND NOT :keep
    WHERE by_point AND location_precision IS NULL AND problem IS NULL""",
    # no point (or an ignored one): the desa's point on surface
    """WITH d AS (
        SELECT a.kode, ST_PointOnSurface(a.geom) AS g FROM admin_area a
        WHERE a.level = 'desa' AND a.kode IN (SELECT desa_kode FROM {t} WHERE NOT by_point))
    UPDATE {t} s SET lon = ST_X(d.g), lat = ST_Y(d.g), geom = d.g, location_precision = 'desa'
    FROM d WHERE NOT s.by_point AND s.desa_kode = d.kode AND s.problem IS NULL""",
)

ISSUES_SQL = """
SELECT idx, problem_field, problem, notes FROM {t}
WHERE problem IS NOT NULL OR notes IS NOT NULL ORDER BY idx
"""

LocateRow = tuple[int, float | None, float | None, bool, str | None, str | None, str | None, bool]
"""(idx, lon, lat, by_point, kode_hint, hint_field, precision_hint, counted)"""


def _table(table: str) -> str:
    if table not in LOCATE_TABLES:
        raise ValueError(f"not a locate table: {table}")
    return table


def create_locate_table(conn: Connection, table: str, rows: str | Iterable[Sequence[object]], *,
                        extra_ddl: str = "", extra_columns: tuple[str, ...] = ()) -> None:
    """COPY ``rows`` (:data:`LocateRow` plus any extra columns, or their COPY text) into the
    input table of ``table``.

    ``extra_ddl``/``extra_columns``: the caller's own columns (``"name type,"`` each; fixed
    names from our code, never input), which follow :data:`INPUT_COLUMNS` in each row."""
    t = _table(table)
    conn.execute(text(f"DROP TABLE IF EXISTS {t}_in, {t}"))
    conn.execute(text(INPUT_DDL.format(t=t, extra=extra_ddl)))
    copy_into(conn, f"{t}_in", (*INPUT_COLUMNS, *extra_columns), rows)
    conn.execute(text(f"CREATE INDEX ON {t}_in USING gist (geom)"))
    # No ANALYZE: it costs more than the join; without statistics PostgreSQL already picks
    # the plan wanted here (each desa polygon probing the point index).


def _run(conn: Connection, table: str, steps: tuple[str, ...], keep_outside: bool) -> None:
    t = _table(table)
    for step in steps:
        conn.execute(text(step.format(t=t)), {"keep": keep_outside})


def locate_incidents(conn: Connection, table: str, keep_outside: bool = False) -> None:
    """Apply the incident rules to every row of the locate ``table``."""
    _run(conn, table, INCIDENT_STEPS, keep_outside)


def locate_tps(conn: Connection, table: str, keep_outside: bool = False) -> None:
    """Apply the TPS rules to every row of the locate ``table``."""
    _run(conn, table, TPS_STEPS, keep_outside)


def located_issues(conn: Connection, table: str) -> dict[int, tuple[Issue | None, list[Issue]]]:
    """idx -> (rejection or None, warnings) for rows that have either (row left unset)."""
    out: dict[int, tuple[Issue | None, list[Issue]]] = {}
    for idx, field, problem, notes in conn.execute(text(ISSUES_SQL.format(t=_table(table)))):
        warnings = [Issue(None, field_name, as_reason(note_text))
                    for field_name, _, note_text in (note.partition("|") for note in notes or [])]
        out[idx] = (Issue(None, field, as_reason(problem)) if problem else None, warnings)
    return out


def hint_for(record: IncidentRecord, index: DesaIndex) -> tuple[str | None, str | None, Issue | None,
                                                                 Issue | None]:
    """(desa code hint, field to blame, rejection, warning) from a record's code or names.

    Names are only looked up when neither a point nor a code is given."""
    if record.kode_desa is not None:
        return record.kode_desa, "kode_desa", None, None
    if record.lat is not None or record.desa_name is None:
        return None, None, None, None
    match = index.resolve(record.desa_name, record.kecamatan_name)
    if match.kode is None:
        return None, None, Issue(record.row, match.field, match.reason or "not found"), None
    warning = Issue(record.row, "desa", match.warning) if match.warning else None
    return match.kode, "desa", None, warning


def locate_record(conn: Connection, record: IncidentRecord, *, keep_outside: bool = False,
                  index: DesaIndex | None = None) -> tuple[IncidentRecord | None, list[Issue]]:
    """Locate one validated record with exactly the import rules.

    Returns ``(located copy, warnings)`` or ``(None, [reason])``. The copy has
    ``desa_kode``, ``kecamatan_kode``, ``location_precision``, ``counted`` and possibly
    swapped or desa-derived ``lat``/``lon``. Runs inside the caller's transaction.
    """
    index = index or DesaIndex.from_db(conn)
    kode, hint_field, rejection, warning = hint_for(record, index)
    if rejection is not None:
        return None, [rejection]
    create_locate_table(conn, "locate_one", [(0, record.lon, record.lat, record.lat is not None, kode,
                                              hint_field, record.location_precision, record.counted)])
    locate_incidents(conn, "locate_one", keep_outside)
    problem, warnings = located_issues(conn, "locate_one").get(0, (None, []))
    row = conn.execute(text("SELECT lon, lat, desa_kode, kecamatan_kode, location_precision, counted "
                            "FROM locate_one")).one()
    conn.execute(text("DROP TABLE locate_one, locate_one_in"))
    warnings = ([warning] if warning else []) + [dataclasses.replace(w, row=record.row)
                                                 for w in warnings]
    if problem is not None:
        return None, [dataclasses.replace(problem, row=record.row)]
    located = dataclasses.replace(record, lon=row.lon, lat=row.lat, desa_kode=row.desa_kode,
                                  kecamatan_kode=row.kecamatan_kode,
                                  location_precision=row.location_precision, counted=row.counted)
    return located, warnings
