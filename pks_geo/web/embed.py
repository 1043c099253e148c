"""Embeds: ``/embed/<id>`` (a chrome-less map for an iframe), its data route, and tokens.

Who can read an embed:

- anyone holding a valid token for that view (``?token=``, signed, expiring; issued by
  ``POST /api/v1/views/<id>/embed-token`` to analysts and above);
- a logged-in user (to preview it); an anonymous visitor without a token gets 403, even
  when anonymous visitors may see the main map.

The page gets its data from ``/embed/<id>/data.geojson?token=`` (same token), never from
the normal API, and that data is the view's choropleth: per-area aggregates only, with small
cells suppressed (:mod:`pks_geo.queries.disclosure`) whoever opens it, since an embed is made
for visitors.

Framing: ``/embed/...`` answers with ``Content-Security-Policy: frame-ancestors`` from
``PKS_GEO_FRAME_ANCESTORS``; every other response of the app gets ``frame-ancestors 'self'``
(and ``X-Frame-Options: SAMEORIGIN``) unless it already set its own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import orjson
from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from pks_geo import audit
from pks_geo.maps import embed_links
from pks_geo.maps.embed import EmbedTokenError, issue_token, parse_hours, token_link_id, verify_token
from pks_geo.maps.selfcontained import json_for_script
from pks_geo.maps.view_data import map_data
from pks_geo.maps.views import DEFAULT_VIEW_ID, ViewNotFound, get_view
from pks_geo.queries.filters import ParameterError
from pks_geo.web.auth import current_user, page_texts, render_page, require_role
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("embed", __name__)

EMBED_ENDPOINTS = frozenset({"embed.embed_page", "embed.embed_data"})
GEOJSON_MIMETYPE = "application/geo+json"


def _frame_ancestors() -> str:
    return " ".join(settings().frame_ancestors)


def _tile_origin() -> str:
    url = settings().tile_url
    if not url:
        return ""
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


def _embed_csp() -> str:
    """The embed may load only the app's own files (and basemap tiles when configured)."""
    tiles = _tile_origin()
    return (f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data:{' ' + tiles if tiles else ''}; connect-src 'self'; base-uri 'none'; "
            f"form-action 'none'; frame-ancestors {_frame_ancestors()}")


def _check_access(view_id: str) -> None:
    """Raise :class:`EmbedTokenError` unless the request may read this view's embed."""
    if current_user() is not None:
        return
    secret = current_app.config["SECRET_KEY"]
    token = request.args.get("token")
    verify_token(secret, token, view_id)
    link_id = token_link_id(secret, token or "")
    if link_id is not None and not embed_links.link_is_usable(engine(), link_id):
        raise EmbedTokenError("this embed link has been revoked")


def _lang() -> str:
    lang, _ = page_texts()
    return lang


@bp.get("/embed/<view_id>")
def embed_page(view_id: str):  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    try:
        _check_access(view_id)
        view = get_view(engine(), view_id)
    except EmbedTokenError:
        return render_page("embed.html", 403, title=texts["brief_embed_denied"], view_id=view_id,
                           error=texts["brief_embed_denied"])
    except ViewNotFound:
        return render_page("embed.html", 404, title="404", view_id=view_id, error=f"404: {view_id}")
    params: dict[str, Any] = {"lang": lang}
    if request.args.get("token"):
        params["token"] = request.args["token"]
    config = {"dataUrl": url_for("embed.embed_data", view_id=view_id, **params),
              "tileUrl": settings().tile_url, "tileAttribution": settings().tile_attribution,
              "texts": {"failed": texts["load_failed"]}}
    title = view.title if view.id != DEFAULT_VIEW_ID else texts["app_title"]
    return render_page("embed.html", title=title, view_id=view_id, error=None,
                       config_json=json_for_script(orjson.dumps(config)))


@bp.get("/embed/<view_id>/data.geojson")
def embed_data(view_id: str):  # type: ignore[no-untyped-def]
    try:
        _check_access(view_id)
        view = get_view(engine(), view_id)
    except EmbedTokenError as exc:
        return json_error(403, "token", str(exc))
    except ViewNotFound:
        return json_error(404, "view", f"no saved view {view_id!r}")
    lang, texts = page_texts()
    try:
        # an embed is made for visitors: always the aggregate policy, whoever previews it
        data = map_data(engine(), view, lang, texts, settings().marking,
                        disclosure=request_disclosure(aggregate=True))
    except ParameterError as exc:
        return json_error(409, exc.parameter, f"the saved view no longer applies: {exc.message}")
    response = Response(data.geojson(), mimetype=GEOJSON_MIMETYPE)
    response.headers["Cache-Control"] = "private, max-age=60"
    return response


@bp.post("/api/v1/views/<view_id>/embed-token")
@require_role("analyst")
def embed_token(view_id: str):  # type: ignore[no-untyped-def]
    """Issue a token (``?hours=``, default 72, at most 2160) and the iframe snippet."""
    try:
        hours = parse_hours(request.args.get("hours"))
        view = get_view(engine(), view_id)
    except ViewNotFound:
        return json_error(404, "view", f"no saved view {view_id!r}")
    link_id = embed_links.new_link_id()
    token = issue_token(current_app.config["SECRET_KEY"], view.id, hours, link_id=link_id)
    user = current_user()
    actor = user.username if user else "anonymous"
    with engine().begin() as conn:
        embed_links.record_link(conn, link_id, view.id, actor, token.expires_at)
        audit.record(conn, actor=actor, action="embed_token",
                     entity="saved_view", entity_id=view.id,
                     after={"expires_at": token.expires_at.isoformat(), "hours": hours, "link": link_id})
    url = url_for("embed.embed_page", view_id=view.id, token=token.token, _external=True)
    response = jsonify({**token.to_json(url, view.title), "link": link_id})
    response.status_code = 201
    return response


def _frame_headers(response: Response) -> Response:
    """after_request: embeds may be framed by the configured ancestors, everything else by us only."""
    if request.endpoint in EMBED_ENDPOINTS:
        response.headers["Content-Security-Policy"] = _embed_csp()
        response.headers.pop("X-Frame-Options", None)
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
    csp = response.headers.get("Content-Security-Policy", "")
    if "frame-ancestors" not in csp:
        response.headers["Content-Security-Policy"] = (csp.rstrip("; ") + "; " if csp else "") + \
            "frame-ancestors 'self'"
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def init_app(app: Flask) -> None:
    """Register the embed routes and the framing policy for every response."""
    app.register_blueprint(bp)
    app.after_request(_frame_headers)
