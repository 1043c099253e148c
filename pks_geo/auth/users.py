"""User accounts: add, authenticate, change role, enable/disable, change password.

Every change is written with an audit event in the same transaction (see
:mod:`pks_geo.audit`). Usernames are unique regardless of case (``Budi`` and ``budi`` are
one user) so that log-ins and audit entries cannot be confused.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from pks_geo import audit
from pks_geo.auth.passwords import generate_password, hash_password, verify_password
from pks_geo.auth.roles import AuthError, Principal, check_role

USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


@functools.cache
def _dummy_hash() -> str:
    """Checked against when the user is unknown, so a log-in takes as long either way."""
    return hash_password("not-a-real-password")


@dataclass(frozen=True)
class UserInfo:
    id: int
    username: str
    role: str
    active: bool
    created_at: datetime

    def public(self) -> dict[str, object]:
        """What the audit trail keeps about a user (never the password hash)."""
        return {"username": self.username, "role": self.role, "active": self.active}


_SELECT = "SELECT id, username, role, active, created_at FROM app_user"


def check_username(username: str) -> str:
    if not USERNAME_RE.match(username or ""):
        raise AuthError(f"invalid user name {username!r}: use 2-100 letters, digits, '.', '_', '-', '@', "
                        "starting with a letter or digit")
    return username


def _get(conn: Connection, username: str) -> UserInfo | None:
    row = conn.execute(text(_SELECT + " WHERE lower(username) = lower(:u)"), {"u": username}).first()
    return UserInfo(*row) if row else None


def require_user(conn: Connection, username: str) -> UserInfo:
    user = _get(conn, username)
    if user is None:
        raise AuthError(f"no user named {username!r}")
    return user


def get_user(engine: Engine, username: str) -> UserInfo | None:
    with engine.connect() as conn:
        return _get(conn, username)


def list_users(engine: Engine) -> list[UserInfo]:
    with engine.connect() as conn:
        return [UserInfo(*row) for row in conn.execute(text(_SELECT + " ORDER BY lower(username)"))]


def add_user(engine: Engine, username: str, role: str, password: str | None = None, *,
             actor: str) -> tuple[UserInfo, str | None]:
    """Create a user; returns it and the generated password when none was given."""
    check_username(username)
    check_role(role)
    generated = generate_password() if password is None else None
    password_hash = hash_password(password if password is not None else generated or "")
    try:
        with engine.begin() as conn:
            if _get(conn, username) is not None:
                raise AuthError(f"user {username!r} already exists")
            conn.execute(text("INSERT INTO app_user (username, password_hash, role) "
                              "VALUES (:u, :h, :r)"), {"u": username, "h": password_hash, "r": role})
            user = require_user(conn, username)
            audit.record(conn, actor=actor, action="create", entity="user", entity_id=username,
                         after=user.public())
    except IntegrityError as exc:  # a concurrent add of the same name
        raise AuthError(f"user {username!r} already exists") from exc
    return user, generated


def authenticate(engine: Engine, username: str, password: str) -> Principal | None:
    """The principal for a correct name/password of an active user, else ``None``."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, username, role, active, password_hash, session_generation "
                                "FROM app_user WHERE lower(username) = lower(:u)"),
                           {"u": username or ""}).first()
    if row is None:
        verify_password(_dummy_hash(), password or "x")
        return None
    if not verify_password(row.password_hash, password) or not row.active:
        return None
    return Principal(username=row.username, role=row.role, user_id=row.id, via="session",
                     generation=row.session_generation)


def principal_by_id(engine: Engine, user_id: int, generation: int) -> Principal | None:
    """The current state of a logged-in user, or ``None`` once disabled or deleted, or when the
    session's ``generation`` is no longer the user's: log-out, a password change, disabling and a
    role change raise it (:func:`end_sessions`), ending every session of the user at once, in
    every browser and on every serve process, since the check is one indexed row read per request."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT id, username, role, session_generation FROM app_user "
                                "WHERE id = :id AND active AND session_generation = :g"),
                           {"id": user_id, "g": generation}).first()
    return Principal(username=row.username, role=row.role, user_id=row.id,
                     generation=row.session_generation) if row else None


def end_sessions(conn: Connection, user_id: int) -> None:
    """Raise the user's session generation: every session cookie issued before stops working."""
    conn.execute(text("UPDATE app_user SET session_generation = session_generation + 1 WHERE id = :id"),
                 {"id": user_id})


def _update(engine: Engine, username: str, *, actor: str, action: str, column: str,
            value: object) -> UserInfo:
    assert column in ("role", "active", "password_hash")  # fixed by callers, never user input
    with engine.begin() as conn:
        before = require_user(conn, username)
        conn.execute(text(f"UPDATE app_user SET {column} = :v WHERE id = :id"),
                     {"v": value, "id": before.id})
        end_sessions(conn, before.id)  # role, password, enable/disable: log in again
        after = require_user(conn, username)
        audit.record(conn, actor=actor, action=action, entity="user", entity_id=before.username,
                     before=before.public(), after=after.public())
    return after


def set_role(engine: Engine, username: str, role: str, *, actor: str) -> UserInfo:
    return _update(engine, username, actor=actor, action="set_role", column="role",
                   value=check_role(role))


def set_active(engine: Engine, username: str, active: bool, *, actor: str) -> UserInfo:
    """Disable (or re-enable) a user: a disabled user cannot log in and its tokens stop working."""
    return _update(engine, username, actor=actor, action="enable" if active else "disable",
                   column="active", value=active)


def set_password(engine: Engine, username: str, password: str, *, actor: str) -> UserInfo:
    return _update(engine, username, actor=actor, action="set_password", column="password_hash",
                   value=hash_password(password))
