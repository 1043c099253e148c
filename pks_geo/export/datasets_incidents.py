"""The ``incidents`` dataset: incident records with their descriptions (analyst and above).

This is the only export that carries incident details: descriptions, actors and victim
counts. It streams from PostgreSQL with a server-side cursor, whatever the format:
GeoJSON features are written by PostGIS (``ST_AsGeoJSON`` of each row, fetched as bytes in
binary mode), CSV by ``COPY ... TO STDOUT``, and the GDAL formats read typed rows in
batches. The filters are the maps' (:mod:`pks_geo.queries.filters`): only counted,
located incidents, exactly the ones the maps count.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
from sqlalchemy import text
from sqlalchemy.dialects import postgresql

from pks_geo.export import feature_cache
from pks_geo.export.context import ExportContext
from pks_geo.export.csv_writer import neutralise_sql
from pks_geo.export.model import DatasetExport, Layer
from pks_geo.queries.filters import FILTER_PARAMETERS, FilterSet

BATCH = 2000
CHUNKED_LIBPQ = 170000
"""libpq 17 brought chunked-rows mode, which ``cursor.stream(size=...)`` needs."""

COLUMNS: list[tuple[str, str, str]] = [
    ("i.id", "id", "int"), ("i.source", "source", "str"), ("i.external_id", "external_id", "str"),
    ("i.event_date", "event_date", "date"), ("i.date_precision", "date_precision", "int"),
    ("i.kategori", "kategori", "str"), ("i.original_type", "original_type", "str"),
    ("i.sub_type", "sub_type", "str"), ("i.actor1", "actor1", "str"), ("i.actor2", "actor2", "str"),
    ("i.meninggal", "meninggal", "int"), ("i.luka", "luka", "int"), ("i.description", "description", "str"),
    ("i.sumber", "sumber", "str"), ("i.place_name", "place_name", "str"),
    ("i.location_precision", "location_precision", "str"), ("i.desa_kode", "desa_kode", "str"),
    ("d.nama", "desa_nama", "str"), ("i.kecamatan_kode", "kecamatan_kode", "str"),
    ("k.nama", "kecamatan_nama", "str"), ("i.election_code", "election_code", "str"),
    ("i.stage", "stage", "str"), ("i.status", "status", "str"),
]
"""(SQL expression, output name, type); constants, never user input."""

JOINS = """FROM incident i
LEFT JOIN admin_area d ON d.kode = i.desa_kode
LEFT JOIN admin_area k ON k.kode = i.kecamatan_kode"""
FROM = JOINS + """
WHERE {where}
ORDER BY i.event_date, i.id"""

SELECT_LIST = ", ".join(f"{expr} AS {name}" for expr, name, _ in COLUMNS)
FEATURE_SELECT = f"SELECT {SELECT_LIST}, i.geom {JOINS}"
"""Every incident as the row whose ``ST_AsGeoJSON`` is its Feature (cached by feature_cache)."""
CACHED_GEOJSON_SQL = "SELECT f.feature FROM incident_feature f WHERE {where} ORDER BY f.ord"
"""The same features from the cache: its filter columns are the incident's, ``ord`` its order."""
ROWS_SQL = f"SELECT {SELECT_LIST}, ST_AsGeoJSON(i.geom, 6) AS geometry {FROM}"
GEOJSON_SQL = (f"SELECT convert_to(ST_AsGeoJSON(s.*, 'geom', 6), 'UTF8') "
               f"FROM (SELECT {SELECT_LIST}, i.geom {FROM}) s")
CSV_SELECT_LIST = ", ".join(f"{neutralise_sql(expr) if kind == 'str' else expr} AS {name}"
                            for expr, name, kind in COLUMNS)
"""The same columns for CSV, text cells that a spreadsheet would run as a formula quoted."""
CSV_SQL = (f"COPY (SELECT {CSV_SELECT_LIST}, round(ST_X(i.geom)::numeric, 6) AS lon, "
           f"round(ST_Y(i.geom)::numeric, 6) AS lat {FROM}) TO STDOUT WITH (FORMAT csv, HEADER true)")


def _driver_sql(ctx: ExportContext, sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The statement in psycopg's ``%(name)s`` style with its parameters (still bound, never inlined)."""
    compiled = text(sql).bindparams(**params).compile(dialect=postgresql.psycopg.dialect())
    return str(compiled), dict(compiled.params)


def _joined_texts(pg: psycopg.Connection, sql: str, params: dict[str, Any]) -> Iterator[bytes]:
    """The single bytes column of ``sql``, comma-joined ``BATCH`` rows at a time.

    libpq 17+ streams the result in chunks of ``BATCH`` rows without a round trip per chunk
    (psycopg's ``stream(size=...)``): 650 MB/s against 430 MB/s for a server-side cursor's
    FETCHes on the bench machine. With an older libpq the server-side cursor is used."""
    if psycopg.pq.version() < CHUNKED_LIBPQ:
        with pg.cursor(name="pks_geo_export", binary=True) as named:
            named.execute(sql, params)
            while rows := named.fetchmany(BATCH):
                yield b",".join([row[0] for row in rows])
        return
    parts: list[bytes] = []
    with pg.cursor(binary=True) as cur:
        for row in cur.stream(sql, params, size=BATCH):
            parts.append(row[0])
            if len(parts) >= BATCH:
                yield b",".join(parts)
                parts = []
    if parts:
        yield b",".join(parts)


class IncidentQuery:
    """One filtered incident query, readable three ways (each opens its own connection)."""

    def __init__(self, ctx: ExportContext, filters: FilterSet) -> None:
        self.ctx = ctx
        self.where, self.params = filters.incident_where("i")
        self.cached_where, _ = filters.incident_where("f")

    def _raw(self):  # type: ignore[no-untyped-def]
        return self.ctx.engine.raw_connection()

    def geojson_batches(self) -> Iterator[bytes]:
        """Feature texts from the cache when it is current in this snapshot, else made on the fly."""
        feature_cache.refresh(self.ctx.engine, FEATURE_SELECT)
        conn = self._raw()
        try:
            pg = conn.driver_connection
            pg.rollback()  # the snapshot must start here, after the refresh committed
            pg.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            fresh = pg.execute(feature_cache.FRESH_SQL).fetchone()[0]
            statement = (CACHED_GEOJSON_SQL.format(where=self.cached_where) if fresh
                         else GEOJSON_SQL.format(where=self.where))
            sql, params = _driver_sql(self.ctx, statement, self.params)
            yield from _joined_texts(pg, sql, params)
        finally:
            conn.rollback()
            conn.close()

    def csv_batches(self) -> Iterator[bytes]:
        sql, params = _driver_sql(self.ctx, CSV_SQL.format(where=self.where), self.params)
        conn = self._raw()
        try:
            with conn.driver_connection.cursor() as cur, cur.copy(sql, params) as copy:
                for data in copy:
                    yield bytes(data)
        finally:
            conn.rollback()
            conn.close()

    def batches(self) -> Iterator[list[tuple]]:
        with self.ctx.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=BATCH).execute(
                text(ROWS_SQL.format(where=self.where)), self.params)
            for part in result.partitions():
                yield [tuple(row) for row in part]


def build(ctx: ExportContext) -> DatasetExport:
    ctx.check_names(FILTER_PARAMETERS)
    filters = ctx.filters()
    query = IncidentQuery(ctx, filters)
    layer = Layer("incidents", "Point", [(name, kind) for _, name, kind in COLUMNS], query.batches,
                  label_field="kategori", geojson_batches=query.geojson_batches,
                  csv_batches=query.csv_batches)
    return DatasetExport(
        "incidents", "Kejadian konflik (rincian)", [layer], roster="incidents",
        sources=["Incident records of pks-geo (table incident): ACLED, district team sheets, Polsek/"
                 "Bawaslu reports as imported; each row names its source"],
        notes=["Contains incident descriptions and victim counts: analyst role and above only"],
        election=filters.election, filters=filters.echo())
