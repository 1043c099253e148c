"""Embed tokens: signed, expiring, bound to one saved view.

An embed is read by people who have no account (an iframe on an intranet page or a
partner's dashboard), so the link itself must carry the permission: an itsdangerous
signature over ``{view id, expiry}`` with the app's secret key. A token opens exactly one
view until it expires; changing the view id or the expiry breaks the signature, and
deleting the view ends every token for it. Tokens are not stored: rotating
``PKS_GEO_SECRET_KEY`` revokes them all (and without a configured key they end when the
process restarts).

What a token opens is the view's choropleth: per-area aggregates only, never incident
records (see :mod:`pks_geo.maps.view_data`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from pks_geo.queries.filters import ParameterError

SALT = "pks-geo.embed.v1"
DEFAULT_HOURS = 72
MAX_HOURS = 24 * 90


class EmbedTokenError(PermissionError):
    """The token is missing, forged/altered, for another view, or expired (message says which)."""


@dataclass(frozen=True)
class EmbedToken:
    token: str
    view_id: str
    expires_at: datetime

    def to_json(self, url: str, title: str) -> dict[str, Any]:
        return {"token": self.token, "view": self.view_id, "expires_at": self.expires_at.isoformat(),
                "url": url, "iframe": iframe_snippet(url, title)}


def parse_hours(value: Any) -> int:
    """Lifetime of a token in hours: a whole number 1..2160 (90 days), default 72."""
    if value is None or value == "":
        return DEFAULT_HOURS
    try:
        hours = int(value)
    except (TypeError, ValueError):
        raise ParameterError("hours", f"expected whole hours 1-{MAX_HOURS}, got {value!r}") from None
    if not 1 <= hours <= MAX_HOURS:
        raise ParameterError("hours", f"hours must be between 1 and {MAX_HOURS} (90 days), got {hours}")
    return hours


def _serializer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, view_id: str, hours: int, now: float | None = None,
                link_id: str | None = None) -> EmbedToken:
    """A token opening ``view_id`` for ``hours`` hours from ``now`` (epoch seconds).

    ``link_id`` names the stored link (:mod:`pks_geo.maps.embed_links`) so it can be revoked."""
    expires = int((time.time() if now is None else now) + hours * 3600)
    payload: dict[str, Any] = {"v": view_id, "exp": expires}
    if link_id:
        payload["j"] = link_id
    token = _serializer(secret_key).dumps(payload)
    return EmbedToken(token=token, view_id=view_id, expires_at=datetime.fromtimestamp(expires, UTC))


def verify_token(secret_key: str, token: str | None, view_id: str, now: float | None = None) -> datetime:
    """Check that ``token`` opens ``view_id`` now; returns its expiry or raises :class:`EmbedTokenError`."""
    if not token:
        raise EmbedTokenError("an embed token is required (?token=...)")
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        raise EmbedTokenError("invalid embed token") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        raise EmbedTokenError("invalid embed token")
    if payload.get("v") != view_id:
        raise EmbedTokenError("this embed token is for another view")
    if payload["exp"] <= (time.time() if now is None else now):
        raise EmbedTokenError("this embed token has expired")
    return datetime.fromtimestamp(payload["exp"], UTC)


def token_link_id(secret_key: str, token: str) -> str | None:
    """The link id inside a (verified) token; ``None`` for tokens issued before links were stored."""
    try:
        payload = _serializer(secret_key).loads(token)
    except BadSignature:
        return None
    link = payload.get("j") if isinstance(payload, dict) else None
    return link if isinstance(link, str) else None


def iframe_snippet(url: str, title: str, width: int = 800, height: int = 600) -> str:
    """HTML to paste into another page."""
    return (f'<iframe src="{escape(url)}" title="{escape(title)}" width="{width}" height="{height}" '
            'style="border:0" loading="lazy" referrerpolicy="no-referrer"></iframe>')
