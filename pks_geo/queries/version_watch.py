"""The rows of ``data_version`` kept in memory, refreshed by ``LISTEN pks_data_version``.

Every tile or choropleth request starts by reading the data versions (they key the caches
and the ETag). On a cache hit that one-row read plus the pool's pre-ping were most of the
request: two database round trips (~0.5 ms) to serve bytes already in memory. A watcher
thread per database holds one connection that LISTENs on the channel migration 0011 notifies
on; it re-reads the versions whenever a committed transaction changed a versioned table, so
:meth:`VersionWatcher.current` answers without a round trip.

Consistency: notifications arrive a fraction of a millisecond after the commit. Commits made
through this process's engine invalidate the snapshot synchronously (an engine ``commit``
event), so a request following its own write always reads the database; a write from another
process is seen once its notification arrives. Whenever the watcher is not connected (start,
database restart, listener error) :meth:`current` returns ``None`` and callers read the
database as before, so the worst case is the old behaviour, never a wrong answer for longer
than the notification takes.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from datetime import datetime

import psycopg
from sqlalchemy import Engine, event

from pks_geo.queries.versions import DataVersions, data_versions

log = logging.getLogger(__name__)

CHANNEL = "pks_data_version"
SNAPSHOT_SQL = "SELECT table_name, version, changed_at FROM data_version"
RETRY_SECONDS = 5.0
"""After a lost listener connection, how long :meth:`current` waits before starting a new one."""
POLL_SECONDS = 0.1
"""How often the listener thread looks up from waiting (to stop, or to re-read after a local commit)."""
SETTLE_SECONDS = 0.5
"""After a local commit that sent no notification, when the snapshot may be read again."""


class VersionWatcher:
    """In-memory ``data_version`` of one database, kept current by notifications."""

    def __init__(self, engine: Engine) -> None:
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._snapshot: dict[str, tuple[int, datetime]] | None = None
        self._generation = 0
        self._thread: threading.Thread | None = None
        self._started_at = 0.0
        self._stop = threading.Event()
        self._invalidated_at = 0.0
        self._failing = False
        event.listen(engine, "commit", self._local_commit)

    # --- readers ---------------------------------------------------------------------------------

    def current(self, tables: tuple[str, ...]) -> DataVersions | None:
        """Versions of ``tables`` from memory, or ``None`` when the caller must read the database."""
        self._ensure_listening()
        snapshot = self._snapshot
        if snapshot is None or any(t not in snapshot for t in tables):
            return None
        versions = {t: snapshot[t][0] for t in tables}
        last = max((snapshot[t][1] for t in tables), default=None)
        return DataVersions(versions, last)

    @property
    def listening(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and self._snapshot is not None

    def close(self) -> None:
        self._stop.set()

    # --- invalidation ----------------------------------------------------------------------------

    def _local_commit(self, _conn: object) -> None:
        """A commit through this process's engine: forget the snapshot until the watcher re-reads.

        The event fires just before the COMMIT reaches the server, so the watcher must not
        re-read right away (it could read the state before the commit). It re-reads on the
        commit's notification, or, for commits that changed no versioned table (no
        notification), once the snapshot has been missing for ``SETTLE_SECONDS``."""
        with self._lock:
            self._generation += 1
            self._snapshot = None
            self._invalidated_at = time.monotonic()

    # --- the listener thread ---------------------------------------------------------------------

    def _ensure_listening(self) -> None:
        thread = self._thread
        if thread is not None and thread.is_alive():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            if self._thread is not None and time.monotonic() - self._started_at < RETRY_SECONDS:
                return
            self._started_at = time.monotonic()
            self._thread = threading.Thread(target=self._run, name="pks-geo-version-watch", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        try:
            with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5,
                                 application_name="pks-geo version watch") as conn:
                conn.execute(f"LISTEN {CHANNEL}")  # a constant, not user input
                self._refresh(conn)
                self._failing = False
                while not self._stop.is_set():
                    notified = any(True for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1))
                    if notified or self._settled():
                        self._refresh(conn)
        except Exception as exc:  # any failure: fall back to reading the database
            # one line when it stops; its retries during a database outage are not news
            log.log(logging.DEBUG if self._failing else logging.INFO,
                    "data-version listener stopped (%s); reading versions from the database",
                    (str(exc).strip().splitlines() or ["?"])[0])
            self._failing = True
        finally:
            with self._lock:
                self._snapshot = None

    def _settled(self) -> bool:
        return self._snapshot is None and time.monotonic() - self._invalidated_at > SETTLE_SECONDS

    def _refresh(self, conn: psycopg.Connection) -> None:
        """Re-read every version; installed only if no local commit happened meanwhile."""
        with self._lock:
            generation = self._generation
        rows = conn.execute(SNAPSHOT_SQL).fetchall()
        snapshot = {name: (int(version), changed) for name, version, changed in rows}
        with self._lock:
            if generation == self._generation:
                self._snapshot = snapshot


_watchers: weakref.WeakKeyDictionary[Engine, VersionWatcher] = weakref.WeakKeyDictionary()
_watchers_lock = threading.Lock()


def watcher_for(engine: Engine) -> VersionWatcher:
    """The one watcher of ``engine`` in this process (created on first use, gone with the engine)."""
    watcher = _watchers.get(engine)
    if watcher is None:
        with _watchers_lock:
            watcher = _watchers.get(engine)
            if watcher is None:
                watcher = _watchers[engine] = VersionWatcher(engine)
    return watcher


def current_versions(engine: Engine, tables: tuple[str, ...]) -> DataVersions:
    """Versions of ``tables``: from memory while the listener is connected, else from the database."""
    known = watcher_for(engine).current(tables)
    return known if known is not None else data_versions(engine, tables)
