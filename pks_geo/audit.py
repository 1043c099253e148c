"""The audit trail: who changed what, when, with the record before and after (JSON).

Every change to an incident (created, updated, deleted by hand or through the API) and to a
user (added, role changed, disabled, token issued or revoked) is written to ``audit_event``
in the *same transaction* as the change itself, so the trail can never miss a committed
change nor record one that was rolled back.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection, Engine, text

INSERT_SQL = text("""
INSERT INTO audit_event (actor, action, entity, entity_id, before, after)
VALUES (:actor, :action, :entity, :entity_id, CAST(:before AS jsonb), CAST(:after AS jsonb))
RETURNING id
""")

INCIDENT_STATE_SQL = text("""
SELECT (to_jsonb(i) - 'geom' - 'row_hash')
       || jsonb_build_object('geometry', ST_AsGeoJSON(i.geom, 7)::jsonb)
FROM incident i WHERE i.id = :id
""")
"""The whole incident row as JSON (every column, so columns added later are audited too)."""

EVENTS_SQL = text("""
SELECT id, at, actor, action, entity, entity_id, before, after
FROM audit_event WHERE entity = :entity AND entity_id = :entity_id ORDER BY at, id
""")


def _dump(value: dict[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, default=str, ensure_ascii=False)


def record(conn: Connection, *, actor: str, action: str, entity: str, entity_id: object,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> int:
    """Write one audit event inside the caller's transaction; returns its id."""
    return conn.execute(INSERT_SQL, {
        "actor": actor, "action": action, "entity": entity, "entity_id": str(entity_id),
        "before": _dump(before), "after": _dump(after),
    }).scalar_one()


def incident_state(conn: Connection, incident_id: int) -> dict[str, Any] | None:
    """JSON-ready snapshot of one incident (``None`` if it does not exist)."""
    return conn.execute(INCIDENT_STATE_SQL, {"id": incident_id}).scalar_one_or_none()


def events(engine: Engine, entity: str, entity_id: object) -> list[dict[str, Any]]:
    """All audit events of one record, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(EVENTS_SQL, {"entity": entity, "entity_id": str(entity_id)})
        return [dict(row._mapping) for row in rows]


def record_command(engine: Engine, *, actor: str, action: str, entity: str, entity_id: object,
                   after: dict[str, Any]) -> None:
    """One audit event for a command-line bulk change (import, synth, demo, removal), with its
    counts, written right after the change committed (those changes run their own transaction)."""
    with engine.begin() as conn:
        record(conn, actor=actor, action=action, entity=entity, entity_id=str(entity_id)[:100], after=after)


def report_counts(report: Any) -> dict[str, Any]:
    """The counts of an :class:`~pks_geo.ingest.report.ImportReport` for the audit trail."""
    return {"source": report.source, "read": report.read, "inserted": report.inserted,
            "updated": report.updated, "unchanged": report.unchanged, "rejected": len(report.rejected),
            "warnings": len(report.warnings)}
