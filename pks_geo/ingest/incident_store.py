"""Locate validated incidents in PostGIS and upsert them into ``incident``, batch by batch.

Set-based: a batch is one COPY into the temporary locate input table (the locate inputs
plus the incident columns), the locating statements of :mod:`pks_geo.ingest.locate`, and one
``INSERT ... SELECT`` joining input and result. :class:`BatchStore` overlaps the work: the
calling thread validates a batch and prepares its COPY text (pure Python), while a worker
thread sends the previous batch and waits for PostgreSQL (waiting releases the GIL). The
worker has little Python work of its own, so the two threads hardly compete for the
interpreter; what they do share is handed over quickly (see :func:`quick_handover`).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Connection, text

from pks_geo.ingest.copy_rows import copy_text
from pks_geo.ingest.desa_names import DesaIndex
from pks_geo.ingest.incident_rows import IncidentRecord
from pks_geo.ingest.locate import create_locate_table, hint_for, locate_incidents, located_issues
from pks_geo.ingest.report import ImportFailed, ImportReport, Issue

RECORD_DDL = """
    external_id text, event_date date, date_precision smallint, kategori text,
    original_type text, sub_type text, actor1 text, actor2 text, meninggal integer,
    luka integer, description text, sumber text, place_name text, election_code text,
    stage text, status text, row_hash text,"""
"""The incident columns copied along with each row's locate input (see :data:`INPUT_DDL`)."""
RECORD_COLUMNS = ("external_id", "event_date", "date_precision", "kategori", "original_type",
                  "sub_type", "actor1", "actor2", "meninggal", "luka", "description", "sumber",
                  "place_name", "election_code", "stage", "status", "row_hash")
CONTENT = ("event_date", "date_precision", "kategori", "original_type", "sub_type", "actor1",
           "actor2", "meninggal", "luka", "description", "sumber", "place_name", "election_code",
           "stage", "row_hash", "location_precision", "desa_kode", "kecamatan_kode", "counted", "geom")
"""Columns an upsert writes: all but the identity, ``status`` and ``created_by``."""
LOCATED = ("row_hash", "desa_kode", "kecamatan_kode", "location_precision", "counted", "geom")
UPSERT = text(f"""
INSERT INTO incident (source, external_id, status, created_by, {", ".join(CONTENT)})
SELECT :source, d.external_id, d.status, :created_by,
       {", ".join("d." + c for c in CONTENT[:15])},
       {", ".join("l." + c for c in CONTENT[15:])}
FROM incident_locate_in d JOIN incident_locate l USING (idx)
WHERE l.problem IS NULL
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
"""The same insert without conflict handling, when the source has no incident yet (its
first import): PostgreSQL then skips the speculative insertion of every row."""
SOURCE_LOCK = text("SELECT pg_advisory_xact_lock(hashtext('pks-geo incident source ' || :source))")
"""Imports of one source wait for each other, so none adds rows behind another's back."""
SOURCE_EMPTY = text("SELECT NOT EXISTS (SELECT 1 FROM incident WHERE source = :source)")


HANDOVER_SECONDS = 0.0005
"""GIL switch interval while a worker stores batches (CPython's default is 5 ms)."""
_handover_lock = threading.Lock()
_handover_users = 0
_handover_before = 0.005


@contextmanager
def quick_handover() -> Iterator[None]:
    """Let a thread that waits for the interpreter get it within 0.5 ms instead of 5 ms.

    The worker needs the interpreter briefly before and after every statement it sends,
    while the validating thread keeps it busy; at the default interval each of the ~90
    statements of a 100,000-row import waited up to twice 5 ms for it, which put about
    0.5 s on the import's critical path. Only contended hand-overs pay the shorter
    interval, so the validating thread does not slow down. Nested or concurrent stores in
    one process share the setting; the last one to finish restores the previous interval."""
    global _handover_users, _handover_before
    with _handover_lock:
        if _handover_users == 0:
            _handover_before = sys.getswitchinterval()
            sys.setswitchinterval(min(_handover_before, HANDOVER_SECONDS))
        _handover_users += 1
    try:
        yield
    finally:
        with _handover_lock:
            _handover_users -= 1
            if _handover_users == 0:
                sys.setswitchinterval(_handover_before)


def relabel(issue: Issue, labels: dict[str, str], row: int | None = None) -> Issue:
    """The issue with the field named as in the file (``latitude`` for ACLED's ``lat``)."""
    field = labels.get(issue.field or "", issue.field)
    return Issue(issue.row if row is None else row, field, issue.reason, issue.ref)


def desa_index(conn: Connection) -> DesaIndex:
    """The loaded desa, refusing the import when there are none to locate in."""
    index = DesaIndex.from_db(conn)
    if not index.names:
        raise ImportFailed("no desa boundaries are loaded: run 'pks-geo demo' or "
                           "'pks-geo boundaries load' first")
    return index


@dataclass
class PreparedBatch:
    """A batch as COPY text, and the file row of each staged index (for messages)."""

    copy: str
    rows: dict[int, int | None] = field(default_factory=dict)


def prepare_batch(records: list[IncidentRecord], report: ImportReport, index: DesaIndex,
                  labels: dict[str, str] | None = None) -> PreparedBatch:
    """Find the desa codes of named desa and build the COPY text (Python only, no database)."""
    labels = labels or {}
    rows: dict[int, int | None] = {}
    copy_rows = []
    for idx, r in enumerate(records):
        kode, hint_field, rejection, warning = hint_for(r, index)
        if warning is not None:
            report.warnings.append(relabel(warning, labels))
        if rejection is not None:
            report.rejected.append(relabel(rejection, labels))
            continue
        rows[idx] = r.row
        copy_rows.append((idx, r.lon, r.lat, r.lat is not None, kode, hint_field, r.location_precision,
                          r.counted, r.external_id, r.event_date, r.date_precision, r.kategori,
                          r.original_type, r.sub_type, r.actor1, r.actor2, r.meninggal, r.luka,
                          r.description, r.sumber, r.place_name, r.election_code, r.stage, r.status,
                          r.row_hash))
    return PreparedBatch(copy_text(copy_rows), rows)


def stage_and_locate(conn: Connection, batch: PreparedBatch, report: ImportReport,
                     keep_outside: bool = False, labels: dict[str, str] | None = None) -> int:
    """COPY a batch into ``incident_locate_in`` and locate it in ``incident_locate``.

    Refusals and warnings go to ``report``; returns the number of rows located."""
    labels = labels or {}
    create_locate_table(conn, "incident_locate", batch.copy, extra_ddl=RECORD_DDL,
                        extra_columns=RECORD_COLUMNS)
    locate_incidents(conn, "incident_locate", keep_outside)
    problems = 0
    for idx, (problem, warnings) in located_issues(conn, "incident_locate").items():
        row = batch.rows[idx]
        report.warnings.extend(relabel(w, labels, row) for w in warnings)
        if problem is not None:
            problems += 1
            report.rejected.append(relabel(problem, labels, row))
    conn.execute(text("ANALYZE incident_locate (problem)"))  # else "problem IS NULL" looks rare
    return len(batch.rows) - problems


def lock_source(conn: Connection, source: str) -> bool:
    """Take the import lock of ``source``; True when it has no incident stored yet."""
    conn.execute(SOURCE_LOCK, {"source": source})
    return bool(conn.execute(SOURCE_EMPTY, {"source": source}).scalar_one())


def upsert_staged(conn: Connection, source: str, report: ImportReport, created_by: str | None,
                  staged: int, *, all_new: bool = False) -> None:
    """Store the located rows of the staging tables; count new/updated/unchanged.

    ``all_new``: the source had no incident when this transaction locked it (the batches of
    one import never share an id), so a plain insert is enough."""
    params = {"source": source, "created_by": created_by}
    if all_new:
        report.inserted += conn.execute(INSERT_NEW, params).rowcount
        return
    flags = conn.execute(UPSERT, params).scalars().all()
    report.inserted += sum(1 for f in flags if f)
    report.updated += sum(1 for f in flags if not f)
    report.unchanged += staged - len(flags)


def store_incidents(conn: Connection, records: list[IncidentRecord], source: str,
                    report: ImportReport, *, keep_outside: bool = False, all_or_nothing: bool = False,
                    created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
    """Locate and upsert validated ``records`` on ``conn`` in one go (caller's transaction)."""
    all_new = lock_source(conn, source) and len({r.external_id for r in records}) == len(records)
    batch = prepare_batch(records, report, desa_index(conn), labels)
    staged = stage_and_locate(conn, batch, report, keep_outside, labels)
    if staged and not (all_or_nothing and report.rejected):
        upsert_staged(conn, source, report, created_by, staged, all_new=all_new)


class BatchStore:
    """Locates and upserts batches on a worker thread, in order, in ``conn``'s transaction.

    The caller must submit batches whose ids are distinct across the whole import.

    With ``all_or_nothing`` nothing more is written once any row was refused (the caller
    then rolls back). :meth:`finish` waits for the last batch and re-raises worker errors."""

    def __init__(self, conn: Connection, source: str, report: ImportReport, *,
                 keep_outside: bool = False, all_or_nothing: bool = False,
                 created_by: str | None = None, labels: dict[str, str] | None = None) -> None:
        self.conn, self.source, self.report = conn, source, report
        self.keep_outside, self.all_or_nothing = keep_outside, all_or_nothing
        self.created_by, self.labels = created_by, labels
        self.index = desa_index(conn)
        self.all_new = lock_source(conn, source)
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-store")
        self.futures: list[Future[None]] = []

    def __enter__(self) -> BatchStore:
        self._handover = quick_handover()
        self._handover.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.executor.shutdown(wait=True, cancel_futures=True)
        finally:
            self._handover.__exit__(None, None, None)

    def submit(self, records: list[IncidentRecord]) -> None:
        """Prepare ``records`` on this thread and queue them for the worker."""
        if records:
            batch = prepare_batch(records, self.report, self.index, self.labels)
            self.futures.append(self.executor.submit(self._store, batch))

    def _store(self, batch: PreparedBatch) -> None:
        staged = stage_and_locate(self.conn, batch, self.report, self.keep_outside, self.labels)
        if staged and not (self.all_or_nothing and self.report.rejected):
            upsert_staged(self.conn, self.source, self.report, self.created_by, staged,
                          all_new=self.all_new)

    def finish(self) -> None:
        for future in self.futures:
            future.result()
