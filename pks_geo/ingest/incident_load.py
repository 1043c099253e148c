"""Incident import use-case: read -> validate -> de-duplicate -> locate -> store, one transaction.

A file that cannot be read at all raises :class:`ImportFailed` and changes nothing (an
undecodable file or a bad header before the database is touched; a CSV syntax error
further down when its row is reached, rolling the transaction back). Otherwise every
good row is stored in one transaction and every bad row is listed with its line, field
and reason; with ``all_or_nothing`` one bad row refuses the file (:class:`RefusedImport`,
nothing stored), and with ``dry_run`` the transaction is rolled back after counting what
would change.

Re-importing the same file changes nothing: incidents are keyed by (source, external id)
and only updated when their ``row_hash`` (content plus location) differs. An exact
duplicate row in a file is counted once; rows sharing an id with different content are
all refused, since neither can be trusted over the other.

Rows are validated in batches; each finished batch is located and stored by a worker
(:class:`~pks_geo.ingest.incident_store.BatchStore`) while the next one is validated.
ACLED CSV files are read while they are validated (one pass, storing starts after the
first 2,000 rows): an exact repeat of an earlier row is counted once, and if an id comes
back with different content the pass is rolled back (to a savepoint) and the file read
again. Whenever the rows are known up front (XLSX, sheets, GeoJSON, and that second
pass), rows whose id occurs more than once are held back to the last batch, so a
conflict is always found before either row is written.
"""

from __future__ import annotations

import gc
import getpass
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine
from tqdm import tqdm

from pks_geo.ingest.acled import looks_like_acled, read_acled
from pks_geo.ingest.elections import ElectionCalendar, calendar_from_db
from pks_geo.ingest.incident_geojson import read_incident_geojson
from pks_geo.ingest.incident_rows import FIELD_NAMES, IncidentRecord, validate_incident
from pks_geo.ingest.incident_store import BatchStore, relabel
from pks_geo.ingest.report import ImportFailed, ImportReport, Issue
from pks_geo.ingest.sheet import Table, header_name, read_incident_sheet, read_table
from pks_geo.ingest.table_statistics import analyze_tables
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.ingest.values import clean_text

FORMATS = ("auto", "acled", "sheet", "geojson")
DEFAULT_SOURCE = {"acled": "acled", "sheet": "sheet", "geojson": "geojson"}
RESERVED_SOURCES = frozenset({"contoh"})
"""Sources only the demo loader may write (``pks-geo demo --remove`` deletes them)."""
RESERVED_PREFIX = "synthetic"
"""Sources of generated benchmark data (deleted wholesale by ``pks_geo.ingest.synthetic``)."""


def check_source(source: str | None, default: str) -> str:
    """The source name to store, refusing empty, too long and reserved names."""
    name = (source or default).strip()
    if not name or len(name) > 100:
        raise ImportFailed("--source must be 1-100 characters")
    if name in RESERVED_SOURCES or name.startswith(RESERVED_PREFIX):
        raise ImportFailed(f"source {name!r} is reserved for demo or synthetic data; "
                           "choose another --source")
    return name
BATCH_ROWS = 20_000
FIRST_BATCH_ROWS = 2_000
"""A small first batch gets the storing worker going early; each next one is twice as big up
to ``BATCH_ROWS`` (2,000, 4,000, 8,000, 16,000, 20,000, ...), so the worker is kept busy from
the start, also for small files, while big ones amortise the per-batch statements."""


class RefusedImport(ImportFailed):
    """``all_or_nothing`` and at least one bad row: nothing stored; ``report`` lists why."""

    def __init__(self, report: ImportReport) -> None:
        super().__init__(f"{len(report.rejected)} bad row(s) and --all-or-nothing: nothing was imported")
        self.report = report


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while rows are read and validated.

    Reading creates millions of small containers and no cycles; collecting again and again
    meanwhile costs more than half of the reading time. Reference counting still frees
    everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def detect_format(path: Path) -> str:
    """geojson by extension; acled when the header has ACLED's columns; else the team sheet."""
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".txt", ".tsv"):
        try:
            with path.open("rb") as handle:
                head = handle.read(4096).decode("utf-8-sig", errors="replace")
        except OSError as exc:
            raise ImportFailed(f"cannot read {path}: {exc.strerror or exc}") from exc
        first = next((line for line in head.splitlines() if line.strip()), "")
        names = [header_name(n) for n in first.replace(";", ",").replace("\t", ",").split(",")]
        return "acled" if looks_like_acled(names) else "sheet"
    if suffix in (".xlsx", ".xlsm"):
        return "acled" if looks_like_acled(read_table(path).columns) else "sheet"
    raise ImportFailed(f"{path}: cannot tell the format from the name; pass --format")


READERS: dict[str, Callable[[Path], Table]] = {
    "acled": read_acled, "sheet": read_incident_sheet, "geojson": read_incident_geojson,
}


def row_rejection(issues: list[Issue]) -> Issue:
    """One rejection per row (so counts are rows): fields and reasons joined when several."""
    if len(issues) == 1:
        return issues[0]
    fields = ", ".join(dict.fromkeys(i.field or "row" for i in issues))
    reasons = "; ".join(f"{i.field}: {i.reason}" if i.field else i.reason for i in issues)
    return Issue(issues[0].row, fields, reasons, issues[0].ref)


def dedupe(records: list[IncidentRecord], report: ImportReport, id_field: str = "id") -> list[IncidentRecord]:
    """Count exact duplicates once; refuse every row of an id that has conflicting content.

    ``id_field``: the id column as the file names it (``event_id_cnty`` in ACLED)."""
    first: dict[str, IncidentRecord] = {}
    conflicts: dict[str, list[IncidentRecord]] = {}
    for record in records:
        seen = first.get(record.external_id)
        if seen is None:
            first[record.external_id] = record
        elif seen.row_hash == record.row_hash:
            report.warn(record.row, id_field, f"exact duplicate of row {seen.row}: counted once",
                        record.external_id)
        else:
            conflicts.setdefault(record.external_id, [seen]).append(record)
    for external_id, rows in conflicts.items():
        lines = ", ".join(str(r.row) for r in rows)
        for record in rows:
            report.reject(record.row, id_field, f"id {external_id} appears in rows {lines} with "
                                            "different content", external_id)
    return [r for r in first.values() if r.external_id not in conflicts]


class RepeatedIdConflict(Exception):
    """The single pass met an id again with different content (the caller starts over)."""


def repeated_ids(table: Table) -> set[str]:
    """Explicit ids that occur on more than one row of the file (rows must be a list)."""
    names = FIELD_NAMES["external_id"]
    counts = Counter(clean_text(next((f[n] for n in names if f.get(n) is not None), None))
                     for _, f in table.rows)
    return {i for i, n in counts.items() if n > 1 and i is not None}


ProgressCallback = Callable[[int, int | None], None]
"""``(rows read so far, rows expected or None)``: called every :data:`PROGRESS_EVERY` rows."""
InspectCallback = Callable[[Connection, ImportReport], None]
"""Called inside the import's transaction once every row is stored (also in a dry run, before
the rollback): the rows this import wrote are those with ``updated_at = now()``."""
PROGRESS_EVERY = 1000


def validated_batches(table: Table, report: ImportReport, calendar: ElectionCalendar,
                      progress: bool = True, size: int | None = None,
                      held_ids: set[str] | None = None,
                      on_progress: ProgressCallback | None = None) -> Iterator[list[IncidentRecord]]:
    """Validate every row (counting them in ``report.read``) and yield batches of records
    with distinct ids; refused rows and warnings go to ``report``.

    ``held_ids``: ids known to repeat in the file; their rows are held back to the last
    batch and de-duplicated there (:func:`dedupe`). ``None`` is the single pass for lazy
    tables: rows go out in file order, a row repeating an earlier one exactly is counted
    once, and an id met again with different content raises :class:`RepeatedIdConflict`."""
    taxonomy = load_taxonomy()
    size = size or BATCH_ROWS
    limit = min(size, FIRST_BATCH_ROWS)
    held_ids = held_ids or set()
    id_field = table.labels.get("id", "id")
    held: list[IncidentRecord] = []
    seen: dict[str, tuple[int | None, str]] = {}
    batch: list[IncidentRecord] = []
    total = len(table.rows) if isinstance(table.rows, list) else table.size_hint
    for line, fields in tqdm(table.rows, desc="importing", unit="row", disable=not progress,
                             mininterval=0.5, total=table.size_hint):
        report.read += 1
        if on_progress is not None and report.read % PROGRESS_EVERY == 0:
            on_progress(report.read, total)
        record, issues = validate_incident(fields, line, calendar=calendar, taxonomy=taxonomy)
        labelled = [relabel(i, table.labels) for i in issues]
        if record is None:
            report.rejected.append(row_rejection(labelled))
            continue
        report.warnings.extend(labelled)
        if record.external_id in held_ids:
            held.append(record)
            continue
        first = seen.get(record.external_id)
        if first is None:
            seen[record.external_id] = (line, record.row_hash)
            batch.append(record)
            if len(batch) >= limit:
                yield batch
                batch, limit = [], min(size, 2 * limit)
        elif first[1] == record.row_hash:
            report.warn(line, id_field, f"exact duplicate of row {first[0]}: counted once",
                        record.external_id)
        else:
            raise RepeatedIdConflict(record.external_id)
    report.read += len(table.issues)  # complete now that the rows are consumed
    report.rejected.extend(relabel(i, table.labels) for i in table.issues)
    report.warnings.extend(relabel(i, table.labels) for i in table.warnings)
    yield batch + dedupe(held, report, id_field)


def sort_issues(report: ImportReport) -> None:
    """Rejections and warnings in file order (locating reports them after validation)."""
    for issues in (report.rejected, report.warnings):
        issues.sort(key=lambda i: i.row if isinstance(i.row, int) else 0)


def import_incidents(engine: Engine, path: Path, *, fmt: str = "auto", source: str | None = None,
                     dry_run: bool = False, keep_outside: bool = False, all_or_nothing: bool = False,
                     progress: bool = True, created_by: str | None = None,
                     on_progress: ProgressCallback | None = None,
                     inspect: InspectCallback | None = None) -> ImportReport:
    """Import one incident file; see the module docstring for the rules.

    ``on_progress`` and ``inspect``: see :data:`ProgressCallback`, :data:`InspectCallback`
    (the web import page shows a progress bar and a map of the rows written)."""
    if fmt not in FORMATS:
        raise ImportFailed(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")
    fmt = detect_format(path) if fmt == "auto" else fmt
    source = check_source(source, DEFAULT_SOURCE[fmt])
    created_by = created_by or f"import:{getpass.getuser()}"

    def store(conn: Connection, table: Table, held_ids: set[str] | None) -> ImportReport:
        report = ImportReport(source=f"{path} [{fmt}, source {source}]", dry_run=dry_run)
        if not calendar.elections:
            report.warn(None, "tahapan", "no elections are loaded ('pks-geo elections load'): "
                                         "incidents get no election or stage")
        with BatchStore(conn, source, report, keep_outside=keep_outside,
                        all_or_nothing=all_or_nothing, created_by=created_by,
                        labels=table.labels) as batches:
            for batch in validated_batches(table, report, calendar, progress, held_ids=held_ids,
                                           on_progress=on_progress):
                batches.submit(batch)
            batches.finish()
        return report

    with gc_paused():
        table = READERS[fmt](path)
        with engine.connect() as conn, conn.begin() as tx:
            calendar = calendar_from_db(conn)
            if isinstance(table.rows, list):
                report = store(conn, table, repeated_ids(table))
            else:
                try:
                    with conn.begin_nested():
                        report = store(conn, table, None)
                except RepeatedIdConflict:  # rare: start over, holding the repeated ids back
                    table = READERS[fmt](path)
                    table.rows = list(table.rows)
                    report = store(conn, table, repeated_ids(table))
            if all_or_nothing and report.rejected:
                report.inserted = report.updated = report.unchanged = 0
                sort_issues(report)
                raise RefusedImport(report)
            if inspect is not None:
                inspect(conn, report)
            if dry_run:
                tx.rollback()
    if not dry_run:
        analyze_tables(engine, "incident")
    sort_issues(report)
    return report
