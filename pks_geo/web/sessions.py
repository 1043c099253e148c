"""The session cookie: ``HttpOnly``, ``SameSite=Lax``, a configurable lifetime and ``Secure``.

Flask's defaults are a 31-day lifetime, no ``SameSite`` and no ``Secure``; these are set as
config values *before* the caller's overrides (``app.config.setdefault`` cannot replace them,
since Flask has already filled those keys). ``Secure`` follows ``PKS_GEO_SESSION_SECURE``;
unset, it is on in production and otherwise on whenever the request itself came over HTTPS
(``request.is_secure``, which a trusted reverse proxy sets through ``X-Forwarded-Proto``), so a
plain-HTTP development server keeps working and an HTTPS site never sends the cookie in clear.

Revocation is not here but in the cookie's contents: it carries the user's session generation
(:func:`pks_geo.auth.users.principal_by_id`).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface

from pks_geo.config import Settings


def session_config(settings: Settings) -> dict[str, Any]:
    secure = settings.session_secure
    if secure is None and settings.environment == "production":
        secure = True
    return {
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": bool(secure),
        "SESSION_SECURE_AUTO": secure is None,
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=settings.session_hours),
        "WTF_CSRF_TIME_LIMIT": settings.session_hours * 3600,
    }


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with ``Secure`` also set on HTTPS requests when automatic."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return bool(app.config.get("SESSION_SECURE_AUTO")) and request.is_secure
