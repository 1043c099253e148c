"""Store validated incidents: COPY to staging, locate in PostGIS, upsert into ``incident``.

Set-based so that 100,000 rows cost a few statements. :class:`BatchStore` goes one step
further for large files: while the calling thread validates the next batch, a worker
thread locates and stores the previous one on the same connection and transaction, so
Python (one core) and PostgreSQL (the other) work at the same time. The worker only
waits on the socket, which releases the GIL.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, text

from pks_geo.ingest.desa_names import DesaIndex
from pks_geo.ingest.incident_rows import IncidentRecord
from pks_geo.ingest.locate import create_locate_table, hint_for, locate_incidents, located_issues
from pks_geo.ingest.report import ImportError_, ImportReport, Issue

STAGE_DDL = """
CREATE TEMP TABLE incident_stage (
    idx integer NOT NULL, row integer, external_id text, event_date date,
    date_precision smallint, kategori text, original_type text, sub_type text, actor1 text,
    actor2 text, meninggal integer, luka integer, description text, sumber text, place_name text,
    election_code text, stage text, status text, content_hash text
) ON COMMIT DROP
"""
STAGE_COLUMNS = ("idx", "row", "external_id", "event_date", "date_precision", "kategori",
                 "original_type", "sub_type", "actor1", "actor2", "meninggal", "luka", "description",
                 "sumber", "place_name", "election_code", "stage", "status", "content_hash")
CONTENT = ("event_date", "date_precision", "kategori", "original_type", "sub_type", "actor1",
           "actor2", "meninggal", "luka", "description", "sumber", "place_name",
           "location_precision", "geom", "desa_kode", "kecamatan_kode", "counted",
           "election_code", "stage", "row_hash")
UPSERT = text(f"""
INSERT INTO incident (source, external_id, status, created_by, {", ".join(CONTENT)})
SELECT :source, d.external_id, d.status, :created_by, d.event_date, d.date_precision, d.kategori,
       d.original_type, d.sub_type, d.actor1, d.actor2, d.meninggal, d.luka, d.description, d.sumber,
       d.place_name, l.location_precision, l.geom, l.desa_kode, l.kecamatan_kode, l.counted,
       d.election_code, d.stage,
       encode(sha256(convert_to(concat_ws('|', d.content_hash, coalesce(l.desa_kode, '-'),
           coalesce(l.kecamatan_kode, '-'), l.location_precision, l.counted,
           CASE WHEN l.by_point THEN l.lon || ' ' || l.lat ELSE ST_AsEWKT(l.geom) END), 'UTF8')), 'hex')
FROM incident_stage d JOIN incident_locate l USING (idx)
WHERE l.problem IS NULL
ORDER BY ST_GeoHash(l.geom, 6)
ON CONFLICT (source, external_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in CONTENT)}, updated_at = now()
WHERE incident.row_hash IS DISTINCT FROM EXCLUDED.row_hash
RETURNING (xmax = 0) AS inserted
""")
"""Rows go in spatial order (geohash), which keeps GiST index inserts local. The stored
``row_hash`` covers content and location, so a changed boundary relocates on re-import;
``status`` and ``created_by`` of an existing incident are never overwritten."""


def relabel(issue: Issue, labels: dict[str, str], row: int | None = None) -> Issue:
    """The issue with the field named as in the file (``latitude`` for ACLED's ``lat``)."""
    field = labels.get(issue.field or "", issue.field)
    return Issue(issue.row if row is None else row, field, issue.reason, issue.ref)


def _stage_row(idx: int, r: IncidentRecord) -> tuple:
    return (idx, r.row, r.external_id, r.event_date, r.date_precision, r.kategori, r.original_type,
            r.sub_type, r.actor1, r.actor2, r.meninggal, r.luka, r.description, r.sumber,
            r.place_name, r.election_code, r.stage, r.status, r.row_hash)


def stage_and_locate(conn: Connection, records: list[IncidentRecord], report: ImportReport,
                     index: DesaIndex, keep_outside: bool = False,
                     labels: dict[str, str] | None = None) -> int:
    """COPY ``records`` into ``incident_stage`` and locate them in ``incident_locate``.

    Issues go to ``report``; returns the number of rows located without a problem."""
    labels = labels or {}
    rows_by_idx: dict[int, int | None] = {}
    locate_rows = []
    conn.execute(text("DROP TABLE IF EXISTS incident_stage"))
    conn.execute(text(STAGE_DDL))
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, \
            cur.copy(f"COPY incident_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN") as copy:
        for idx, record in enumerate(records):
            kode, hint_field, rejection, warning = hint_for(record, index)
            if warning is not None:
                report.warnings.append(relabel(warning, labels))
            if rejection is not None:
                report.rejected.append(relabel(rejection, labels))
                continue
            rows_by_idx[idx] = record.row
            copy.write_row(_stage_row(idx, record))
            locate_rows.append((idx, record.lon, record.lat, record.lat is not None, kode, hint_field,
                                record.location_precision, record.counted))
    create_locate_table(conn, "incident_locate", locate_rows)
    locate_incidents(conn, "incident_locate", keep_outside)
    problems = 0
    for idx, (problem, warnings) in located_issues(conn, "incident_locate").items():
        row = rows_by_idx[idx]
        report.warnings.extend(relabel(w, labels, row) for w in warnings)
        if problem is not None:
            problems += 1
            report.rejected.append(relabel(problem, labels, row))
    conn.execute(text("ANALYZE incident_stage"))
    conn.execute(text("ANALYZE incident_locate"))
    return len(locate_rows) - problems


def upsert_staged(conn: Connection, source: str, report: ImportReport, created_by: str | None,
                  staged: int) -> None:
    """Store the located rows of ``incident_stage``; counts new/updated/unchanged."""
    conn.execute(text("SET LOCAL work_mem = '64MB'"))
    flags = conn.execute(UPSERT, {"source": source, "created_by": created_by}).scalars().all()
    report.inserted += sum(1 for f in flags if f)
    report.updated += sum(1 for f in flags if not f)
    report.unchanged += staged - len(flags)


def desa_index(conn: Connection) -> DesaIndex:
    """The loaded desa, refusing the import when there are none to locate in."""
    index = DesaIndex.from_db(conn)
    if not index.names:
        raise ImportError_("no desa boundaries are loaded: run 'pks-geo demo' or "
                           "'pks-geo boundaries load' first")
    return index


class BatchStore:
    """Locates and upserts batches on a worker thread, in order, in the caller's transaction.

    With ``all_or_nothing`` nothing more is written once any row was refused (the caller
    then rolls back). Call :meth:`finish` to wait for the last batch and re-raise errors."""

    def __init__(self, conn: Connection, source: str, report: ImportReport, *,
                 keep_outside: bool = False, all_or_nothing: bool = False,
                 created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
        self.conn, self.source, self.report = conn, source, report
        self.keep_outside, self.all_or_nothing = keep_outside, all_or_nothing
        self.created_by, self.labels = created_by, labels
        self.index = desa_index(conn)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-store")
        self.futures: list[Future[None]] = []

    def __enter__(self) -> BatchStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)

    def submit(self, records: list[IncidentRecord]) -> None:
        if records:
            self.futures.append(self.executor.submit(self._store, records))

    def _store(self, records: list[IncidentRecord]) -> None:
        staged = stage_and_locate(self.conn, records, self.report, self.index, self.keep_outside,
                                  self.labels)
        if not (self.all_or_nothing and self.report.rejected):
            upsert_staged(self.conn, self.source, self.report, self.created_by, staged)

    def finish(self) -> None:
        for future in self.futures:
            future.result()


def store_incidents(conn: Connection, records: list[IncidentRecord], source: str,
                    report: ImportReport, *, keep_outside: bool = False, all_or_nothing: bool = False,
                    created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
    """Locate and upsert validated ``records`` on ``conn`` in one go (caller's transaction)."""
    staged = stage_and_locate(conn, records, report, desa_index(conn), keep_outside, labels)
    if not (all_or_nothing and report.rejected):
        upsert_staged(conn, source, report, created_by, staged)
