"""Finished GeoJSON Feature texts of every incident (table ``incident_feature``, migration 0012).

Why: an export of 100,000 incidents asked PostgreSQL to write 100,000 ``ST_AsGeoJSON`` texts,
at ~100 MB/s, every time. The texts depend only on the incident rows and the area names, so
they are built once per data version and then streamed as stored bytes.

Freshness never rests on timestamps: the build records the ``data_version`` of ``incident``
and ``admin_area`` that it saw (in the same statement as the rows it built from), and a
stream uses the cache only if, in its own snapshot, those versions are still current;
otherwise it writes the texts on the fly as before. :func:`refresh` rebuilds a stale cache
under an advisory lock, so concurrent exports build it once.
"""

from __future__ import annotations

import logging

import psycopg
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import OperationalError

log = logging.getLogger(__name__)

LOCK_KEY = 7_364_581_902
"""``pg_advisory_xact_lock`` key of the cache build (a constant of this module)."""
LOCK_TIMEOUT = "1s"
"""How long a build waits for exports still streaming from the old cache."""

VERSIONS = """(SELECT version FROM data_version WHERE table_name = 'incident') AS incident_version,
       (SELECT version FROM data_version WHERE table_name = 'admin_area') AS admin_area_version"""

FRESH_SQL = f"""SELECT coalesce((SELECT s.incident_version = v.incident_version
                                AND s.admin_area_version = v.admin_area_version
                           FROM incident_feature_state s WHERE s.id = 1), false)
FROM (SELECT {VERSIONS}) v"""


FILTER_COLUMNS = ("counted", "event_date", "kategori", "source", "status", "election_code", "stage",
                  "desa_kode", "kecamatan_kode")
"""Copies of the incident columns the maps' filters test, so the filters apply to the cache as is."""


def build_sql(feature_select: str) -> str:
    """One statement: the texts in export order and the versions they were built from, in one snapshot.

    ``feature_select`` is the export's own per-row ``SELECT`` (a constant of the code), so the
    cached text is byte for byte what the uncached export writes."""
    columns = ", ".join(FILTER_COLUMNS)
    copies = ", ".join(f"i.{c}" for c in FILTER_COLUMNS)
    return f"""
WITH v AS (SELECT {VERSIONS}),
built AS (
    INSERT INTO incident_feature (ord, incident_id, {columns}, feature)
    SELECT row_number() OVER (ORDER BY i.event_date, i.id), i.id, {copies},
           convert_to(ST_AsGeoJSON(s.*, 'geom', 6), 'UTF8')
    FROM ({feature_select}) s JOIN incident i ON i.id = s.id
    ORDER BY 1
)
INSERT INTO incident_feature_state (id, incident_version, admin_area_version, built_at)
SELECT 1, v.incident_version, v.admin_area_version, now() FROM v
ON CONFLICT (id) DO UPDATE SET incident_version = EXCLUDED.incident_version,
    admin_area_version = EXCLUDED.admin_area_version, built_at = EXCLUDED.built_at"""


def is_fresh(conn: Connection) -> bool:
    """Whether the cache matches the current data, in ``conn``'s snapshot."""
    return bool(conn.execute(text(FRESH_SQL)).scalar())


def refresh(engine: Engine, feature_select: str) -> bool:
    """Rebuild the cache if it is stale; ``True`` when this call rebuilt it.

    Runs in its own short transaction before the export streams (a write during a GET, but
    only of this derived cache). Waiting on the advisory lock and then re-checking means a
    second export arriving during a build reuses the first one's work. The table is emptied
    with TRUNCATE so the new rows lie in export order; if an export still streaming from the
    old cache holds it for longer than ``LOCK_TIMEOUT``, the build is skipped and the export
    writes its texts on the fly instead of waiting."""
    try:
        with engine.begin() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
            if is_fresh(conn):  # a new statement: a snapshot taken after the lock was granted
                return False
            conn.execute(text(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'"))
            conn.execute(text("TRUNCATE incident_feature"))
            conn.execute(text(build_sql(feature_select)))
            conn.execute(text("ANALYZE incident_feature"))  # the planner must see the ord order
            return True
    except OperationalError as exc:
        if isinstance(exc.orig, psycopg.errors.LockNotAvailable):
            log.info("incident feature cache busy; this export writes its features on the fly")
            return False
        raise
