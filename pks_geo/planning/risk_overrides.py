"""Manual TPS risk categories: set or clear one with a reason, always audited.

A person who knows something the data does not (a feud flared up last week, a new post
opened next door) can set a TPS's category by hand. The override wins over both the
computed and the official category, so it must be accountable: a reason of at least five
characters is required, and every change is written to ``audit_event`` (entity
``tps_risk_override``, id ``<election>:<kode_tps>``) in the same transaction as the change.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo import audit
from pks_geo.models import KERAWANAN
from pks_geo.queries.filters import ParameterError

ENTITY = "tps_risk_override"
MIN_REASON = 5

CURRENT_SQL = text("""
SELECT kategori, reason, created_by, updated_at FROM tps_risk_override
WHERE election_code = :election AND kode_tps = :kode_tps
""")
UPSERT_SQL = text("""
INSERT INTO tps_risk_override (election_code, kode_tps, kategori, reason, created_by)
VALUES (:election, :kode_tps, :kategori, :reason, :actor)
ON CONFLICT (election_code, kode_tps) DO UPDATE
SET kategori = EXCLUDED.kategori, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by,
    updated_at = now()
RETURNING kategori, reason, created_by, updated_at
""")
DELETE_SQL = text("DELETE FROM tps_risk_override WHERE election_code = :election AND kode_tps = :kode_tps")


def _state(row: Any) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"kategori": row.kategori, "reason": row.reason, "by": row.created_by,
            "at": row.updated_at.isoformat()}


def _check_tps(conn: Connection, election: str, kode_tps: str) -> str:
    kode = "".join(ch for ch in (kode_tps or "") if ch.isdigit())
    if len(kode) != 13:
        raise ParameterError("kode_tps", f"expected a 13-digit TPS code, got {kode_tps!r}")
    if conn.execute(text("SELECT 1 FROM election WHERE code = :e"), {"e": election}).first() is None:
        raise ParameterError("election", f"unknown election {election!r}")
    found = conn.execute(text("SELECT 1 FROM polling_site WHERE election_code = :e AND kode_tps = :k"),
                         {"e": election, "k": kode}).first()
    if found is None:
        raise ParameterError("kode_tps", f"TPS {kode} is not in the TPS list of {election}")
    return kode


def set_override(engine: Engine, election: str, kode_tps: str, kategori: str, reason: str, *,
                 actor: str) -> dict[str, Any]:
    """Set (or change) the category of one TPS by hand; returns the stored override."""
    if kategori not in KERAWANAN:
        raise ParameterError("kategori", f"unknown category {kategori!r}; "
                                         f"expected one of {', '.join(KERAWANAN)}")
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ParameterError("reason", f"a reason of at least {MIN_REASON} characters is required")
    with engine.begin() as conn:
        kode = _check_tps(conn, election, kode_tps)
        key = {"election": election, "kode_tps": kode}
        before = _state(conn.execute(CURRENT_SQL, key).first())
        after = _state(conn.execute(UPSERT_SQL, {**key, "kategori": kategori, "reason": reason,
                                                 "actor": actor}).one())
        audit.record(conn, actor=actor, action="override_set", entity=ENTITY,
                     entity_id=f"{election}:{kode}", before=before, after=after)
    return {"election": election, "kode_tps": kode, **(after or {})}


def clear_override(engine: Engine, election: str, kode_tps: str, *, actor: str, reason: str = "") -> bool:
    """Remove the override of one TPS (the official or computed category applies again).

    Returns ``False`` (and records nothing) when there was none."""
    with engine.begin() as conn:
        kode = _check_tps(conn, election, kode_tps)
        key = {"election": election, "kode_tps": kode}
        before = _state(conn.execute(CURRENT_SQL, key).first())
        if before is None:
            return False
        conn.execute(DELETE_SQL, key)
        audit.record(conn, actor=actor, action="override_clear", entity=ENTITY,
                     entity_id=f"{election}:{kode}", before=before,
                     after={"cleared": True, "reason": reason.strip() or None})
    return True
