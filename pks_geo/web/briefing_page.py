"""The Briefing page (``/briefing``): saved views as cards, their products and embed links.

The page itself is a shell; ``web/static/js/briefing.js`` fills it from the JSON API
(``/api/v1/views``, ``/api/v1/views/<id>/embed-links``), as every page's data comes from the
API. Each card shows ``/maps/<id>/preview.svg``: a thumbnail of the view's choropleth (see
:mod:`pks_geo.maps.preview`), aggregates only, so the viewer role may see it.

The page and its script work under a strict Content-Security-Policy (scripts from files
only), which this page's responses carry.
"""

from __future__ import annotations

from flask import Blueprint, Response

from pks_geo.maps.preview import preview_svg
from pks_geo.maps.view_data import map_data
from pks_geo.maps.views import ViewNotFound, get_view
from pks_geo.queries.filters import ParameterError
from pks_geo.web.auth import has_role, page_texts, render_page, require_role
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("briefing_page", __name__)

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'self'")
"""Strict: the page's script and styles come from files, its data from the app's API."""


@bp.get("/briefing")
@require_role("viewer")
def briefing():  # type: ignore[no-untyped-def]
    response = render_page("briefing.html", can_save=has_role("analyst"), is_admin=has_role("admin"))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


@bp.get("/maps/<view_id>/preview.svg")
@require_role("viewer")
def preview(view_id: str):  # type: ignore[no-untyped-def]
    """A 320 × 200 SVG thumbnail of the view's choropleth."""
    lang, texts = page_texts()
    try:
        data = map_data(engine(), get_view(engine(), view_id), lang, texts, settings().marking,
                        disclosure=request_disclosure())
    except ViewNotFound:
        return json_error(404, "view", f"no saved view {view_id!r}")
    except ParameterError as exc:
        return json_error(409, exc.parameter, f"the saved view no longer applies: {exc.message}")
    legend = data.legend
    features: list[tuple[bytes | str, str]] = []
    for feature in data.collection["features"]:
        props = feature["properties"]
        geometry = data.geometries.get(props["kode"])
        if geometry is None:
            continue
        cls = props["class"]
        empty = legend["suppressed"] if props.get("suppressed") else legend["no_data"]
        features.append((geometry, empty["color"] if cls is None else legend["colors"][cls]))
    response = Response(preview_svg(features), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "private, max-age=300"
    return response
