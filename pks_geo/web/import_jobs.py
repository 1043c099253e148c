"""Run an upload's dry run or import on a thread of its own, its progress in a status file.

Why a thread: a 100,000-row file takes longer than a browser waits for an answer, so the
request that starts a job returns at once and the page polls the job's status (a small JSON
file in the upload's folder, so any server thread or process on the host can answer).

The importers are the command line's (:func:`~pks_geo.ingest.incident_load.import_incidents`,
:func:`~pks_geo.ingest.tps.import_tps`) with the same options, so the page has the same rules
and limits; each stores in one transaction, so a job that fails or dies leaves nothing
half-written. The audit is the CLI's (``run_import`` in :mod:`pks_geo.cli_commands.incidents`):
one ``import`` or ``import_refused`` event after a real import, none for a dry run, with the
web user as the actor.

Phases in ``status.json``: ``checking`` -> ``checked`` (dry run done) -> ``storing`` ->
``stored``, or ``failed``. A running job rewrites its status every :data:`HEARTBEAT_SECONDS`;
one whose status is older than :data:`STALE_SECONDS` died with its process and reads as failed.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from sqlalchemy import Connection, Engine

from pks_geo import audit
from pks_geo.ingest.incident_load import RefusedImport, check_source, import_incidents
from pks_geo.ingest.report import ImportFailed, ImportReport
from pks_geo.ingest.tps import import_tps
from pks_geo.web.import_landed import landed_rows
from pks_geo.web.import_report import report_dict
from pks_geo.web.import_store import UploadStore, read_json, write_json

HEARTBEAT_SECONDS = 2.0
STALE_SECONDS = 60.0
RUNNING = ("checking", "storing")
DEFAULT_SOURCE = {"sheet": "sheet", "acled": "acled", "tps": "kpu"}
"""The importers' default source per kind (``--source`` left empty)."""

log = logging.getLogger("pks_geo.web.import")


def job_status(store: UploadStore, token: str) -> dict[str, Any]:
    """The job's status (``{"phase": "new"}`` before any); a job gone silent reads as failed."""
    status = read_json(store.folder(token) / "status.json") or {"phase": "new"}
    if status.get("phase") in RUNNING and time.time() - status.get("heartbeat", 0) > STALE_SECONDS:
        status = {**status, "phase": "failed", "error_key": "imp_job_died"}
    return status


def landed(store: UploadStore, token: str) -> dict[str, Any]:
    """The map points of the last finished run (empty collection before)."""
    return read_json(store.folder(token) / "landed.json") or {"type": "FeatureCollection", "features": []}


class ImportJob:
    """One run (dry run or import) of an upload."""

    def __init__(self, store: UploadStore, token: str, meta: dict[str, Any], engine: Engine,
                 dry_run: bool) -> None:
        self.store, self.token, self.meta, self.engine, self.dry_run = store, token, meta, engine, dry_run
        self.path = store.upload_path(token, meta)
        self.folder = store.folder(token)
        self.lock = threading.Lock()
        self.done = threading.Event()
        self.status: dict[str, Any] = {"phase": "checking" if dry_run else "storing", "read": 0,
                                       "total": None, "started": time.time()}
        self._flush()

    def _flush(self) -> None:
        with self.lock:
            self.status["heartbeat"] = time.time()
            snapshot = dict(self.status)  # the job's thread may add keys meanwhile
            write_json(self.folder / "status.json", snapshot)

    def _progress(self, read: int, total: int | None) -> None:
        self.status["read"], self.status["total"] = read, total
        if time.time() - self.status["heartbeat"] > 0.5:
            self._flush()

    def _beat(self) -> None:
        while not self.done.wait(HEARTBEAT_SECONDS):
            try:
                self._flush()
            except OSError:  # a full disk for a moment must not stop the heartbeat for good
                log.warning("cannot write the status of import %s", self.token[:6], exc_info=True)

    def start(self) -> None:
        """Run on a daemon thread (the request that started it returns at once)."""
        threading.Thread(target=self._beat, daemon=True, name=f"import-beat-{self.token[:6]}").start()
        threading.Thread(target=self.run, daemon=True, name=f"import-{self.token[:6]}").start()

    def _inspect(self, conn: Connection, report: ImportReport) -> None:
        """Inside the import's transaction (before a dry run's rollback): where the rows landed."""
        self.status["locating_done"] = True
        table = "tps" if self.meta["kind"] == "tps" else "incident"
        points = landed_rows(conn, table, self.source, self.meta.get("election"))
        write_json(self.folder / "landed.json", points)

    @property
    def source(self) -> str:
        return check_source(self.meta.get("source"), DEFAULT_SOURCE[self.meta["kind"]])

    def run(self) -> None:
        try:
            try:
                report, refused = self._import(), False
            except RefusedImport as exc:
                report, refused = exc.report, True
            report.source = report.source.replace(str(self.path), self.meta["filename"])
            self._audit(report, refused)
            if not self.dry_run:
                self.path.unlink(missing_ok=True)  # stored (or refused): the file is not needed again
            self.status.update(phase="checked" if self.dry_run else "stored", report=report_dict(report),
                               refused=refused, read=report.read, total=report.read, finished=time.time())
        except ImportFailed as exc:
            self.status.update(phase="failed", error=str(exc).replace(str(self.path), self.meta["filename"]),
                               finished=time.time())
        except Exception:  # the page must say that it failed, whatever it was
            log.exception("import of %s failed", self.meta.get("filename"))
            self.status.update(phase="failed", error_key="imp_job_crashed", finished=time.time())
        finally:
            if self.status["phase"] == "failed":
                self.path.unlink(missing_ok=True)  # nothing to confirm: do not keep the data
            self.done.set()
            self._flush()

    def _import(self) -> ImportReport:
        m = self.meta
        common: dict[str, Any] = {
            "source": m.get("source") or None, "dry_run": self.dry_run,
            "keep_outside": bool(m.get("keep_outside")),
            "all_or_nothing": bool(m.get("all_or_nothing")), "progress": False,
            "on_progress": self._progress, "inspect": self._inspect}
        if m["kind"] == "tps":
            return import_tps(self.engine, self.path, m["election"], **common)
        return import_incidents(self.engine, self.path, fmt=m["kind"], created_by=m["username"], **common)

    def _audit(self, report: ImportReport, refused: bool) -> None:
        """The CLI's audit event (``run_import``): real imports only, refused ones as such."""
        if self.dry_run:
            return
        m = self.meta
        tps = m["kind"] == "tps"
        extra = {"election": m.get("election")} if tps else {"format": m["kind"]}
        audit.record_command(self.engine, actor=m["username"],
                             action="import_refused" if refused else "import",
                             entity="tps_import" if tps else "incident_import", entity_id=m["filename"],
                             after={"file": m["filename"], **extra, **audit.report_counts(report)})


def start_job(store: UploadStore, token: str, meta: dict[str, Any], engine: Engine, *, dry_run: bool) -> None:
    """Start the dry run or the import of an upload."""
    ImportJob(store, token, meta, engine, dry_run).start()
