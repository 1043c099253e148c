"""What the app does at its edge, for every request: proxy headers, CORS, compression and
one access-log line.

- **Behind a reverse proxy** (``PKS_GEO_TRUSTED_PROXIES`` = the number of proxies in front,
  default 0): werkzeug's ``ProxyFix`` takes scheme, host, port, prefix and client address from
  that many ``X-Forwarded-*`` hops, so every absolute URL (OGC ``self``/``next`` links,
  TileJSON tile URLs, redirects) says ``https://`` and the public host. With 0 the headers are
  ignored: anyone could send them.
- **CORS** (``PKS_GEO_CORS_ORIGINS``, default none): read-only requests (``GET``/``HEAD`` and
  their preflight) to ``/api/``, ``/ogc`` and ``/tiles/`` from the listed origins get
  ``Access-Control-Allow-Origin``, so a MapLibre/Leaflet map on another site of the office can
  load tiles and data. No ``Allow-Credentials``: cookies never cross sites, so a foreign page
  can read only what anonymous visitors may, or what it authorises with its own token header.
- **Compression** (flask-compress: a well-kept library that handles ``Accept-Encoding``, ETag
  suffixes and ``Vary``, and compresses streamed responses chunk by chunk instead of buffering
  them): JSON, GeoJSON, MVT, OpenAPI, CSV, KML, GPX, JS and CSS. Not HTML: pages carry the CSRF
  token beside reflected input, the BREACH pattern.
- **Security headers** on every response: ``X-Content-Type-Options: nosniff``,
  ``Referrer-Policy: strict-origin-when-cross-origin`` (unless a route set its own: ``/embed``
  sends ``no-referrer``), and on every HTML page without a policy of its own a
  ``Content-Security-Policy`` with ``script-src 'self'``: scripts from the app's files only; the
  few inline scripts a generator writes (folium's map skeleton, the map's config object) carry
  this response's nonce (:func:`csp_nonce`). Pages with a stricter policy keep theirs.
- **Access log**: one line per request on the ``pks_geo.access`` logger (Combined Log Format
  plus the time taken), written when the response is closed, so a streamed export is timed to
  its last byte. Secrets in the query string (API and embed tokens) are replaced by ``***``.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Flask, Response, g, jsonify, request
from flask_compress import Compress
from werkzeug.middleware.proxy_fix import ProxyFix

from pks_geo.auth.tokens import TOKEN_PREFIX
from pks_geo.config import Settings

access_log = logging.getLogger("pks_geo.access")

CORS_PREFIXES = ("/api/", "/ogc", "/tiles/")
CORS_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = "Authorization, Accept, Accept-Language, If-None-Match, If-Modified-Since"
CORS_EXPOSE = "ETag, Last-Modified, Content-Crs, Link, X-Classification, Content-Disposition"
SECRET_PARAMETERS = frozenset({"token", "access_token", "api_key", "key", "password"})
COMPRESSED_TYPES = [
    "application/json", "application/geo+json", "application/vnd.mapbox-vector-tile",
    "application/vnd.oai.openapi+json", "text/csv", "application/vnd.google-earth.kml+xml",
    "application/gpx+xml", "application/javascript", "text/javascript", "text/css",
    "image/svg+xml",
]


PAGE_CSP = "script-src 'self'{nonce}; object-src 'none'; base-uri 'self'"
"""The script policy of an HTML page that sets none of its own (``frame-ancestors`` is added by
:mod:`pks_geo.web.embed`)."""
REFERRER_POLICY = "strict-origin-when-cross-origin"


def csp_nonce() -> str:
    """This response's CSP nonce (made on first use): put it on generated inline scripts."""
    nonce = g.get("pks_csp_nonce")
    if nonce is None:
        nonce = g.pks_csp_nonce = secrets.token_urlsafe(18)
    return nonce


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    if response.mimetype == "text/html":
        csp = response.headers.get("Content-Security-Policy", "")
        if "script-src" not in csp and "default-src" not in csp:
            nonce = g.get("pks_csp_nonce")
            policy = PAGE_CSP.format(nonce=f" 'nonce-{nonce}'" if nonce else "")
            response.headers["Content-Security-Policy"] = policy + ("; " + csp if csp else "")
    return response


BODY_CHECK_BYTES = 1_000_000
"""Form and JSON bodies up to this size are screened for NUL bytes before authentication (writes
are small; uploads are multipart and never parsed here)."""


def _nul_field(value: Any, path: str) -> str | None:
    """The name (``a.b[2]``) of the first string in a JSON value that holds a NUL byte."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        name = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}" if path else str(key)
        if "\x00" in str(key) or (found := _nul_field(item, name)) is not None:
            return name if "\x00" in str(key) else found
    return None


def _refuse_nul() -> Response | None:
    """400 naming the parameter when a query or path value, a form field or a JSON member holds
    a NUL byte: PostgreSQL text cannot hold one, so no valid value has it (it used to reach SQL
    and answer 500)."""
    pairs = [*request.args.items(multi=True), *(request.view_args or {}).items()]
    small = request.content_length is not None and request.content_length <= BODY_CHECK_BYTES
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and small:
        if request.mimetype == "application/x-www-form-urlencoded":
            pairs += list(request.form.items(multi=True))  # parsed once; CSRF reads it anyway
        elif request.is_json and (field := _nul_field(request.get_json(silent=True), "")) is not None:
            pairs.append((field or "body", "\x00"))
    name = next((k for k, v in pairs if (isinstance(v, str) and "\x00" in v) or "\x00" in str(k)), None)
    if name is None:
        return None
    message = f"{name!r} must not contain a NUL byte (%00)"
    body: dict[str, Any] = {"error": message, "parameter": name}
    if request.path.startswith("/ogc"):
        body = {"code": "InvalidParameterValue", "description": message, **body}
    elif request.method != "GET":
        body["errors"] = {name: "must not contain a NUL byte"}  # as other refused writes
    response = jsonify(body)
    response.status_code = 400
    return response


def _cors_origin(settings: Settings) -> str | None:
    """The value of ``Access-Control-Allow-Origin`` for this request, or ``None``."""
    origin = request.headers.get("Origin")
    if not origin or not settings.cors_origins or not request.path.startswith(CORS_PREFIXES):
        return None
    if "*" in settings.cors_origins:
        return "*"
    return origin if origin in settings.cors_origins else None


def _preflight(settings: Settings) -> Response | None:
    """Answer a CORS preflight before authentication (a preflight carries no credentials)."""
    if request.method != "OPTIONS" or "Access-Control-Request-Method" not in request.headers:
        return None
    if not request.path.startswith(CORS_PREFIXES):
        return None
    response = Response(status=204)
    response.vary.add("Origin")
    origin = _cors_origin(settings)
    if origin is not None and request.headers["Access-Control-Request-Method"] in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Max-Age"] = "600"
    return response


def _add_cors(settings: Settings, response: Response) -> Response:
    if not request.path.startswith(CORS_PREFIXES) or not settings.cors_origins:
        return response
    response.vary.add("Origin")
    origin = _cors_origin(settings)
    if origin is not None and request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE
    return response


def loggable_path() -> str:
    """The request path with its query, secret values replaced by ``***``."""
    query = request.query_string.decode("latin-1")
    if not query:
        return request.path
    pairs = [(name, "***" if name.lower() in SECRET_PARAMETERS or TOKEN_PREFIX in value else value)
             for name, value in parse_qsl(query, keep_blank_values=True)]
    return request.path + "?" + urlencode(pairs, safe=",:/.*")


def _request_part(user: str) -> str:
    """Combined Log Format up to the request line (as Apache and nginx write it)."""
    stamp = datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")
    protocol = request.environ.get("SERVER_PROTOCOL", "HTTP/1.1")
    return (f'{request.remote_addr or "-"} - {user} [{stamp}] '
            f'"{request.method} {loggable_path()} {protocol}"')


def _client_part() -> str:
    agent = request.headers.get("User-Agent", "-").replace('"', "'")
    referer = request.headers.get("Referer", "-").replace('"', "'")
    return f'"{referer}" "{agent}"'


def _start_timer() -> None:
    g.pks_started = time.perf_counter()


def _schedule_log(response: Response) -> Response:
    """Note the request now (its context is gone at close); write the line when the response
    is closed, with the status, the bytes sent (``-`` when streamed) and the time to the end."""
    if not access_log.isEnabledFor(logging.INFO):
        return response
    started = g.get("pks_started", time.perf_counter())
    user_obj = g.get("pks_user")
    user = user_obj.username.replace(" ", "_") if user_obj is not None else "-"
    head, tail = _request_part(user), _client_part()

    def write() -> None:
        size = "-" if response.is_streamed or response.content_length is None else response.content_length
        access_log.info("%s %d %s %s %.1fms", head, response.status_code, size, tail,
                        (time.perf_counter() - started) * 1000)

    response.call_on_close(write)
    return response


def init_app(app: Flask, settings: Settings) -> None:
    """Install the edge handlers. Call first in the factory: the timer and the CORS preflight
    must run before authentication (which may answer early)."""
    if settings.trusted_proxies:
        n = settings.trusted_proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n,  # type: ignore[method-assign]
                                x_prefix=n)
    app.before_request(_start_timer)
    app.before_request(lambda: _preflight(settings))
    app.before_request(_refuse_nul)  # before authentication: a token with NUL must not reach SQL
    app.config.setdefault("COMPRESS_MIMETYPES", COMPRESSED_TYPES)
    app.config.setdefault("COMPRESS_MIN_SIZE", 1024)
    Compress(app)  # Flask runs after_request handlers in reverse: this one last, on the final body
    app.after_request(lambda response: _add_cors(settings, response))
    app.after_request(_schedule_log)
    app.after_request(_security_headers)  # before the two above, after every route's own headers
