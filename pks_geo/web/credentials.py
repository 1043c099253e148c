"""Credentials a request may carry besides the session cookie, and the 401 challenge.

Scripts send ``Authorization: Bearer <token>``. QGIS 3.22's authentication manager and many
other GIS clients cannot send a Bearer header, but all of them can send HTTP Basic, so an
API token is also accepted as the *password* of HTTP Basic, with the token owner's user name
as the user name (``Authorization: Basic base64(user:pksg_...)``). Account passwords are
never accepted this way: they stay behind the log-in page (and its throttling), and a
stolen Basic header then exposes at most a token that can be revoked on its own.

A Basic header whose password is not a token (for example a reverse proxy's own Basic
auth, forwarded) is left alone, as before, so such deployments keep working.

Every 401 carries a ``WWW-Authenticate`` header naming both schemes, so that clients which
only send credentials after a challenge (GDAL with ``GDAL_HTTP_AUTH=ANY``, curl ``--anyauth``)
know what to send. Browser requests (they send ``Sec-Fetch-Mode``) get only the Bearer
challenge: a Basic challenge would make the browser open its own password dialog over the
page, where the log-in page is the right answer.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from flask import Response, request

from pks_geo.auth.tokens import TOKEN_PREFIX

REALM = "pks-geo"


@dataclass(frozen=True)
class TokenCredential:
    """An API token from the request; ``username`` is set when it came as HTTP Basic."""

    token: str
    username: str | None = None


def request_token() -> TokenCredential | None:
    """The API token the request carries (Bearer, or Basic with a token as password)."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    scheme = scheme.lower()
    if scheme == "bearer":
        return TokenCredential(value.strip())
    if scheme != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    username, colon, password = decoded.partition(":")
    if not colon or not password.startswith(TOKEN_PREFIX):
        return None  # not ours (e.g. a proxy's Basic auth): leave it alone
    return TokenCredential(password, username)


def is_browser_request() -> bool:
    """Browsers send Fetch Metadata on every request; GIS clients and scripts do not."""
    return "Sec-Fetch-Mode" in request.headers


def challenge(error: str | None = None) -> str:
    """The ``WWW-Authenticate`` value of a 401 (RFC 6750 Bearer, RFC 7617 Basic)."""
    bearer = f'Bearer realm="{REALM}"' + (f', error="{error}"' if error else "")
    if is_browser_request():
        return bearer
    return f'{bearer}, Basic realm="{REALM}", charset="UTF-8"'


def add_challenge(response: Response, error: str | None = None) -> Response:
    """Set the challenge on a 401 response and return it."""
    response.headers["WWW-Authenticate"] = challenge(error)
    response.vary.add("Authorization")
    return response


AUTH_HINT = ("authentication required: log in, send 'Authorization: Bearer <token>', or HTTP Basic "
             "with your user name and an API token as the password")
