"""Stored embed links: list a view's active links and revoke one before it expires (audited).

A token is still verified by its signature (:mod:`pks_geo.maps.embed`); the stored row adds
what a signature cannot: who made the link, and that it was withdrawn. A token whose link id
is unknown (its row was removed) or revoked is refused. Only the link's maker, the view's
creator or an admin may revoke it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo import audit

INSERT_SQL = text("""
INSERT INTO embed_link (id, view_id, created_by, expires_at) VALUES (:id, :view, :by, :expires)
""")
LIST_SQL = text("""
SELECT id, view_id, created_by, created_at, expires_at, revoked_at, revoked_by FROM embed_link
WHERE view_id = :view AND revoked_at IS NULL AND expires_at > now() ORDER BY created_at DESC
""")
GET_SQL = text("""
SELECT id, view_id, created_by, created_at, expires_at, revoked_at, revoked_by FROM embed_link
WHERE id = :id
""")
REVOKE_SQL = text("UPDATE embed_link SET revoked_at = now(), revoked_by = :by WHERE id = :id "
                  "AND revoked_at IS NULL RETURNING revoked_at")
VIEW_CREATOR_SQL = text("SELECT created_by FROM saved_view WHERE id = :id")


class LinkNotFound(LookupError):
    """No stored embed link has this id."""


class LinkPermissionError(PermissionError):
    """Only the link's maker, the view's creator or an admin may revoke a link."""


@dataclass(frozen=True)
class EmbedLink:
    id: str
    view_id: str
    created_by: str
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    revoked_by: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "view": self.view_id, "created_by": self.created_by,
                "created_at": self.created_at.isoformat(), "expires_at": self.expires_at.isoformat(),
                "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
                "revoked_by": self.revoked_by, "revoke": f"/api/v1/embed-links/{self.id}"}


def new_link_id() -> str:
    return secrets.token_urlsafe(12)


def record_link(conn: Connection, link_id: str, view_id: str, actor: str, expires_at: datetime) -> None:
    """Store an issued link inside the caller's transaction (which also writes the audit event)."""
    conn.execute(INSERT_SQL, {"id": link_id, "view": view_id, "by": actor, "expires": expires_at})


def active_links(engine: Engine, view_id: str) -> list[EmbedLink]:
    """Links of ``view_id`` that are neither revoked nor expired, newest first."""
    with engine.connect() as conn:
        return [EmbedLink(*row) for row in conn.execute(LIST_SQL, {"view": view_id})]


def link_is_usable(engine: Engine, link_id: str) -> bool:
    """False when the link was revoked or is not stored at all."""
    with engine.connect() as conn:
        row = conn.execute(GET_SQL, {"id": link_id}).one_or_none()
    return row is not None and row[5] is None


def revoke_link(engine: Engine, link_id: str, actor: str, is_admin: bool) -> EmbedLink:
    """Revoke a link (audited as ``embed_revoke`` on the saved view) and return it as it now is."""
    with engine.begin() as conn:
        row = conn.execute(GET_SQL, {"id": link_id}).one_or_none()
        if row is None:
            raise LinkNotFound(link_id)
        link = EmbedLink(*row)
        view_creator = conn.execute(VIEW_CREATOR_SQL, {"id": link.view_id}).scalar_one_or_none()
        if not is_admin and actor not in (link.created_by, view_creator):
            raise LinkPermissionError("only the link's maker, the view's creator or an admin may revoke it")
        if link.revoked_at is None:
            conn.execute(REVOKE_SQL, {"id": link_id, "by": actor})
            audit.record(conn, actor=actor, action="embed_revoke", entity="saved_view",
                         entity_id=link.view_id, before={"link": link_id, "expires_at":
                                                          link.expires_at.isoformat()},
                         after={"link": link_id, "revoked": True})
        row = conn.execute(GET_SQL, {"id": link_id}).one()
    return EmbedLink(*row)
