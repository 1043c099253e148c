"""Briefing products over HTTP: saved views (``/api/v1/views``), print maps
(``/maps/<view>.png|.pdf``, ``/maps/<view>/atlas.pdf``) and self-contained HTML
(``/maps/<view>.html``).

``<view>`` is a saved view id or ``default``. Every product shows aggregates only, so the
``viewer`` role suffices to read them; saving a view needs ``analyst``; deleting one, its
creator or an admin. Language: ``?lang=en`` (default: the UI language).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, jsonify, request

from pks_geo.maps.selfcontained import AssetMissing, build_html
from pks_geo.maps.static import parse_print_options, print_atlas, print_view
from pks_geo.maps.view_data import map_data
from pks_geo.maps.views import (
    ViewNotFound,
    ViewPermissionError,
    create_view,
    delete_view,
    get_view,
    list_views,
)
from pks_geo.web.auth import current_user, has_role, page_texts, require_role, unauthenticated_response
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("briefing", __name__)

MIMETYPES = {"png": "image/png", "pdf": "application/pdf", "html": "text/html; charset=utf-8"}
SELFCONTAINED_CSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:"
"""The self-contained file's own policy (its meta tag), also sent as a header: it opens offline with its
scripts inline and may load nothing, so the app's ``script-src 'self'`` for pages does not apply."""


def _not_found(view_id: str):  # type: ignore[no-untyped-def]
    return json_error(404, "view", f"no saved view {view_id!r}; see GET /api/v1/views")


def _file(body: bytes | str, fmt: str, view_id: str, suffix: str = "") -> Response:
    filename = f"pks-geo-{view_id}{suffix}-{date.today().isoformat()}.{fmt}"
    response = Response(body, mimetype=MIMETYPES[fmt])
    disposition = "attachment" if request.args.get("download") in ("1", "true") else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    if fmt == "html":
        response.headers["Content-Security-Policy"] = SELFCONTAINED_CSP
    return response


# --- saved views API ------------------------------------------------------------------------

@bp.post("/api/v1/views")
@require_role("analyst")
def views_create():  # type: ignore[no-untyped-def]
    spec = request.get_json(silent=True)
    if spec is None:
        return json_error(400, "body", "send the view as a JSON object (Content-Type: application/json)")
    view = create_view(engine(), spec, actor=current_user().username)  # type: ignore[union-attr]
    response = jsonify(view.to_json())
    response.status_code = 201
    response.headers["Location"] = f"/api/v1/views/{view.id}"
    return response


@bp.get("/api/v1/views")
@require_role("viewer")
def views_list():  # type: ignore[no-untyped-def]
    creator = request.args.get("created_by") or None
    if creator is not None and current_user() is None:
        return unauthenticated_response()  # who made which view is for logged-in users only
    views = list_views(engine(), creator)
    return jsonify(views=[_view_json(v) for v in views])


def _view_json(view) -> dict:  # type: ignore[no-untyped-def]
    """A view as JSON; anonymous visitors do not learn who made it (user names stay inside)."""
    body = view.to_json()
    if current_user() is None:
        body["created_by"] = None
    return body


@bp.get("/api/v1/views/<view_id>")
@require_role("viewer")
def views_show(view_id: str):  # type: ignore[no-untyped-def]
    try:
        return jsonify(_view_json(get_view(engine(), view_id)))
    except ViewNotFound:
        return _not_found(view_id)


@bp.delete("/api/v1/views/<view_id>")
@require_role("analyst")
def views_delete(view_id: str):  # type: ignore[no-untyped-def]
    try:
        delete_view(engine(), view_id, actor=current_user().username,  # type: ignore[union-attr]
                    is_admin=has_role("admin"))
    except ViewNotFound:
        return _not_found(view_id)
    except ViewPermissionError as exc:
        return json_error(403, "view", str(exc))
    return Response(status=204)


# --- print maps and self-contained HTML -------------------------------------------------------

def _product(view_id: str, fmt: str, atlas: bool = False):  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    try:
        options = parse_print_options(request.args, fmt) if fmt != "html" else None
        view = get_view(engine(), view_id)
        marking = settings().marking
        disclosure = request_disclosure()  # a viewer's print or file holds what a viewer may see
        if fmt == "html":
            data = map_data(engine(), view, lang, texts, marking, disclosure=disclosure)
            body: bytes | str = build_html(data)
        elif atlas and options:
            body = print_atlas(engine(), view, options, lang=lang, texts=texts, marking=marking,
                               disclosure=disclosure)
        elif options:
            body = print_view(engine(), view, options, lang=lang, texts=texts, marking=marking,
                              disclosure=disclosure)
    except ViewNotFound:
        return _not_found(view_id)
    except AssetMissing as exc:
        return json_error(500, None, str(exc))
    return _file(body, fmt, view_id, "-atlas" if atlas else "")


@bp.get("/maps/<view_id>.png")
@require_role("viewer")
def print_png(view_id: str):  # type: ignore[no-untyped-def]
    """``?paper=a4|a3`` (landscape), ``?dpi=150..300``, ``?lang=id|en``."""
    return _product(view_id, "png")


@bp.get("/maps/<view_id>.pdf")
@require_role("viewer")
def print_pdf(view_id: str):  # type: ignore[no-untyped-def]
    return _product(view_id, "pdf")


@bp.get("/maps/<view_id>/atlas.pdf")
@require_role("viewer")
def print_atlas_pdf(view_id: str):  # type: ignore[no-untyped-def]
    """One page per kecamatan with its desa choropleth."""
    return _product(view_id, "pdf", atlas=True)


@bp.get("/maps/<view_id>.html")
@require_role("viewer")
def selfcontained_html(view_id: str):  # type: ignore[no-untyped-def]
    """A single HTML file with Leaflet and the data inlined: opens offline."""
    return _product(view_id, "html")
