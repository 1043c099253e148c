"""The ordered roles and the one comparison every permission check uses.

Roles are cumulative (``viewer < analyst < editor < admin``): each can do everything the
roles before it can, so a check is always "at least this role", never a list of roles.

- ``viewer``: aggregated maps only (no incident details);
- ``analyst``: incident details (description, actors, exact point) and exports;
- ``editor``: adds, edits and deletes incidents;
- ``admin``: manages users and tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from pks_geo.models import ROLES

RANK = {role: rank for rank, role in enumerate(ROLES)}


class AuthError(ValueError):
    """A user/role/token operation was refused; the message says why (shown to the user)."""


@dataclass(frozen=True)
class Principal:
    """Who is making a request: a user (by password/session or by API token)."""

    username: str
    role: str
    user_id: int
    via: str = "session"
    """``session`` or ``token``; tokens are exempt from CSRF checks."""
    generation: int = 0
    """The user's session generation at log-in (a session cookie carries it; see users.py)."""


def check_role(role: str) -> str:
    """Return ``role`` if it is a known role, else raise :class:`AuthError` listing them."""
    if role not in RANK:
        raise AuthError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    return role


def role_at_least(role: str | None, minimum: str) -> bool:
    """True when ``role`` is ``minimum`` or a higher role; ``None`` (nobody) never is."""
    check_role(minimum)
    return role is not None and RANK.get(role, -1) >= RANK[minimum]
