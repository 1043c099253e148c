"""API tokens: random secrets shown once; only their SHA-256 is stored.

A token is ``pksg_`` + 43 URL-safe characters (256 bits). Because it is long and random, a
fast unsalted SHA-256 is enough to make a stolen ``api_token`` table useless, and it lets a
request be authenticated with one indexed lookup (unlike passwords, which need scrypt).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, text

from pks_geo import audit
from pks_geo.auth.roles import AuthError, Principal
from pks_geo.auth.users import require_user

TOKEN_PREFIX = "pksg_"

LOOKUP_SQL = text("""
WITH t AS (
    SELECT t.id, u.id AS user_id, u.username, u.role
    FROM api_token t JOIN app_user u ON u.id = t.user_id
    WHERE t.token_hash = :hash AND NOT t.revoked AND u.active
), touched AS (
    UPDATE api_token SET last_used_at = now()
    WHERE id IN (SELECT id FROM t)
      AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')
)
SELECT user_id, username, role FROM t
""")
"""Find the token's user and note its use (at most once a minute, to spare writes)."""


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    label: str
    created_at: datetime
    last_used_at: datetime | None
    revoked: bool


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(engine: Engine, username: str, label: str = "default", *,
                 actor: str) -> tuple[TokenInfo, str]:
    """Issue a token for an active user; returns its record and the token (shown only now)."""
    label = (label or "").strip()
    if not label or len(label) > 100:
        raise AuthError("token label must be 1-100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        user = require_user(conn, username)
        if not user.active:
            raise AuthError(f"user {user.username!r} is disabled")
        row = conn.execute(text(
            "INSERT INTO api_token (user_id, name, token_hash) VALUES (:uid, :label, :hash) "
            "RETURNING id, created_at"), {"uid": user.id, "label": label, "hash": token_hash(token)}).one()
        info = TokenInfo(row.id, user.username, label, row.created_at, None, False)
        audit.record(conn, actor=actor, action="create", entity="api_token", entity_id=row.id,
                     after={"username": user.username, "label": label})
    return info, token


def principal_for_token(engine: Engine, token: str) -> Principal | None:
    """The user a valid, unrevoked token of an active user belongs to, else ``None``."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    with engine.begin() as conn:
        row = conn.execute(LOOKUP_SQL, {"hash": token_hash(token)}).first()
    return Principal(username=row.username, role=row.role, user_id=row.user_id, via="token") if row else None


def list_tokens(engine: Engine, username: str | None = None) -> list[TokenInfo]:
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT t.id, u.username, t.name, t.created_at, t.last_used_at, t.revoked "
            "FROM api_token t JOIN app_user u ON u.id = t.user_id "
            "WHERE CAST(:u AS text) IS NULL OR lower(u.username) = lower(CAST(:u AS text)) "
            "ORDER BY t.id"), {"u": username})
        return [TokenInfo(*row) for row in rows]


def revoke_tokens(engine: Engine, username: str, *, token_id: int | None = None,
                  label: str | None = None, actor: str) -> list[int]:
    """Revoke one user's tokens: the one with ``token_id``, those labelled ``label``, or all
    when neither is given. Returns the ids revoked; raises when nothing matched."""
    with engine.begin() as conn:
        user = require_user(conn, username)
        ids = list(conn.execute(text(
            "UPDATE api_token SET revoked = true WHERE user_id = :uid AND NOT revoked "
            "AND (CAST(:id AS integer) IS NULL OR id = CAST(:id AS integer)) "
            "AND (CAST(:label AS text) IS NULL OR name = CAST(:label AS text)) RETURNING id"),
            {"uid": user.id, "id": token_id, "label": label}).scalars())
        if not ids:
            raise AuthError(f"no active token of {user.username!r} matches")
        for tid in ids:
            audit.record(conn, actor=actor, action="revoke", entity="api_token", entity_id=tid,
                         before={"username": user.username, "revoked": False},
                         after={"username": user.username, "revoked": True})
    return ids
