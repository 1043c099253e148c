"""Locate validated incidents in PostGIS and upsert them into ``incident``.

Set-based: a batch of rows is one COPY to a temporary table and a few statements. Two
steps per batch:

* :func:`locate_batch` finds desa and kecamatan (:mod:`pks_geo.ingest.locate`). It only
  reads ``admin_area`` and writes temporary tables, so it may run on any connection.
* :func:`store_batch` copies the located rows to ``incident_stage`` and upserts them in
  the import's transaction.

:class:`BatchPipeline` runs the three stages of a large import at once: the calling thread
validates batch *n+2*, a locator thread locates batch *n+1* on a second (read-only)
connection and a storer thread stores batch *n* in the import transaction. Python and both
PostgreSQL backends then work side by side; the threads mostly wait on sockets, which
releases the GIL.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import Connection, text

from pks_geo.ingest.copy_text import copy_into, copy_text
from pks_geo.ingest.desa_names import DesaIndex
from pks_geo.ingest.incident_rows import IncidentRecord
from pks_geo.ingest.locate import create_locate_table, hint_for, locate_incidents, located_issues
from pks_geo.ingest.report import ImportError_, ImportReport, Issue

STAGE_DDL = """
CREATE TEMP TABLE incident_stage (
    external_id text, event_date date, date_precision smallint, kategori text, original_type text,
    sub_type text, actor1 text, actor2 text, meninggal integer, luka integer, description text,
    sumber text, place_name text, election_code text, stage text, status text, row_hash text,
    location_precision text, desa_kode text, kecamatan_kode text, counted boolean,
    lon double precision, lat double precision
) ON COMMIT DROP
"""
STAGE_COLUMNS = ("external_id", "event_date", "date_precision", "kategori", "original_type",
                 "sub_type", "actor1", "actor2", "meninggal", "luka", "description", "sumber",
                 "place_name", "election_code", "stage", "status", "row_hash", "location_precision",
                 "desa_kode", "kecamatan_kode", "counted", "lon", "lat")
CONTENT = ("event_date", "date_precision", "kategori", "original_type", "sub_type", "actor1",
           "actor2", "meninggal", "luka", "description", "sumber", "place_name", "election_code",
           "stage", "row_hash", "location_precision", "desa_kode", "kecamatan_kode", "counted", "geom")
"""Columns an upsert writes: all but the identity, ``status`` and ``created_by``."""
LOCATED = ("row_hash", "desa_kode", "kecamatan_kode", "location_precision", "counted", "geom")
UPSERT = text(f"""
INSERT INTO incident (source, external_id, status, created_by, {", ".join(CONTENT)})
SELECT :source, external_id, status, :created_by, {", ".join(CONTENT[:-1])},
       ST_SetSRID(ST_MakePoint(lon, lat), 4326)
FROM incident_stage
ON CONFLICT (source, external_id) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in CONTENT)}, updated_at = now()
WHERE ({", ".join(f"incident.{c}" for c in LOCATED)})
      IS DISTINCT FROM ({", ".join(f"EXCLUDED.{c}" for c in LOCATED)})
RETURNING (xmax = 0) AS inserted
""")
"""An existing incident is only rewritten when its content (``row_hash``, the hash of the
validated record) or its location differs, so a re-import changes nothing and a changed
boundary relocates. ``status`` and ``created_by`` of an existing incident are kept."""
INSERT_NEW = text(UPSERT.text[:UPSERT.text.index("ON CONFLICT")])
"""The same insert without conflict handling, for batches none of whose ids is stored yet
(the first import of a file): PostgreSQL then skips speculative insertion."""
ANY_STORED = text("""
SELECT EXISTS (SELECT 1 FROM incident_stage s JOIN incident i
               ON i.source = :source AND i.external_id = s.external_id)
""")
SOURCE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('pks-geo incident source ' || :source))")
"""Imports of one source wait for each other, so no row can appear between check and insert."""
RESULT_SQL = text("""
SELECT idx, desa_kode, kecamatan_kode, location_precision, counted, lon, lat
FROM incident_locate WHERE problem IS NULL
""")


def relabel(issue: Issue, labels: dict[str, str], row: int | None = None) -> Issue:
    """The issue with the field named as in the file (``latitude`` for ACLED's ``lat``)."""
    field = labels.get(issue.field or "", issue.field)
    return Issue(issue.row if row is None else row, field, issue.reason, issue.ref)


def desa_index(conn: Connection) -> DesaIndex:
    """The loaded desa, refusing the import when there are none to locate in."""
    index = DesaIndex.from_db(conn)
    if not index.names:
        raise ImportError_("no desa boundaries are loaded: run 'pks-geo demo' or "
                           "'pks-geo boundaries load' first")
    return index


def locate_batch(conn: Connection, records: list[IncidentRecord], report: ImportReport,
                 index: DesaIndex, keep_outside: bool = False,
                 labels: dict[str, str] | None = None) -> list[IncidentRecord]:
    """Locate ``records`` (set in place: desa, kecamatan, precision, counted, lon/lat).

    Returns the located ones; refusals and warnings go to ``report``."""
    labels = labels or {}
    candidates: dict[int, IncidentRecord] = {}
    locate_rows = []
    for idx, record in enumerate(records):
        kode, hint_field, rejection, warning = hint_for(record, index)
        if warning is not None:
            report.warnings.append(relabel(warning, labels))
        if rejection is not None:
            report.rejected.append(relabel(rejection, labels))
            continue
        candidates[idx] = record
        locate_rows.append((idx, record.lon, record.lat, record.lat is not None, kode, hint_field,
                            record.location_precision, record.counted))
    if not candidates:
        return []
    create_locate_table(conn, "incident_locate", copy_text(locate_rows))
    locate_incidents(conn, "incident_locate", keep_outside)
    for idx, (problem, warnings) in located_issues(conn, "incident_locate").items():
        row = candidates[idx].row
        report.warnings.extend(relabel(w, labels, row) for w in warnings)
        if problem is not None:
            report.rejected.append(relabel(problem, labels, row))
    located = []
    for idx, desa, kecamatan, precision, counted, lon, lat in conn.execute(RESULT_SQL):
        record = candidates[idx]
        record.desa_kode, record.kecamatan_kode = desa, kecamatan
        record.location_precision, record.counted, record.lon, record.lat = precision, counted, lon, lat
        located.append(record)
    return located


def _stage_row(r: IncidentRecord) -> tuple:
    return (r.external_id, r.event_date, r.date_precision, r.kategori, r.original_type, r.sub_type,
            r.actor1, r.actor2, r.meninggal, r.luka, r.description, r.sumber, r.place_name,
            r.election_code, r.stage, r.status, r.row_hash, r.location_precision, r.desa_kode,
            r.kecamatan_kode, r.counted, r.lon, r.lat)


def store_batch(conn: Connection, stage: str, count: int, source: str, report: ImportReport,
                created_by: str | None) -> None:
    """Upsert located rows (``stage``: their COPY text) in ``conn``'s transaction; count them."""
    conn.execute(text("DROP TABLE IF EXISTS incident_stage"))
    conn.execute(text(STAGE_DDL))
    copy_into(conn, "incident_stage", STAGE_COLUMNS, stage)
    params = {"source": source, "created_by": created_by}
    conn.execute(SOURCE_LOCK, params)
    if not conn.execute(ANY_STORED, params).scalar_one():
        report.inserted += conn.execute(INSERT_NEW, params).rowcount
        return
    flags = conn.execute(UPSERT, params).scalars().all()
    report.inserted += sum(1 for f in flags if f)
    report.updated += sum(1 for f in flags if not f)
    report.unchanged += count - len(flags)


def store_incidents(conn: Connection, records: list[IncidentRecord], source: str,
                    report: ImportReport, *, keep_outside: bool = False, all_or_nothing: bool = False,
                    created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
    """Locate and upsert validated ``records`` on ``conn`` in one go (caller's transaction)."""
    located = locate_batch(conn, records, report, desa_index(conn), keep_outside, labels)
    if located and not (all_or_nothing and report.rejected):
        store_batch(conn, copy_text(map(_stage_row, located)), len(located), source, report,
                    created_by)


class BatchPipeline:
    """Locate (second connection) and store (``conn``'s transaction) batches as they come.

    With ``all_or_nothing`` nothing more is written once any row was refused (the caller
    rolls back). :meth:`finish` waits for the last batch and re-raises worker errors."""

    def __init__(self, conn: Connection, source: str, report: ImportReport, *,
                 keep_outside: bool = False, all_or_nothing: bool = False,
                 created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
        self.conn, self.source, self.report = conn, source, report
        self.keep_outside, self.all_or_nothing = keep_outside, all_or_nothing
        self.created_by, self.labels = created_by, labels
        self.index = desa_index(conn)
        self.locator_conn = conn.engine.connect()
        self.locator = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-locate")
        self.storer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-store")
        self.futures: list[Future[None]] = []

    def __enter__(self) -> BatchPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        for executor in (self.locator, self.storer):
            executor.shutdown(wait=True, cancel_futures=True)
        self.locator_conn.rollback()
        self.locator_conn.close()

    def submit(self, records: list[IncidentRecord]) -> None:
        if records:
            located = self.locator.submit(self._locate, records)
            self.futures.append(self.storer.submit(self._store, located))

    def _locate(self, records: list[IncidentRecord]) -> tuple[str, int]:
        located = locate_batch(self.locator_conn, records, self.report, self.index,
                               self.keep_outside, self.labels)
        return copy_text(map(_stage_row, located)), len(located)

    def _store(self, located: Future[tuple[str, int]]) -> None:
        stage, count = located.result()
        if count and not (self.all_or_nothing and self.report.rejected):
            store_batch(self.conn, stage, count, self.source, self.report, self.created_by)

    def finish(self) -> None:
        for future in self.futures:
            future.result()
