"""The map's question-answering API: place names, search, an area's profile, the time chart,
and the share dialog's helpers (embed links of a view, revocation, the frame check).

Everything here is aggregated (counts per kategori, month, week; TPS and DPT totals), so the
``viewer`` role may read it, with small cells suppressed below analyst
(:mod:`pks_geo.queries.disclosure`); incident records stay behind ``/api/v1/incidents`` (analyst).
Embed links: listing needs analyst, revoking the link's maker, the view's creator or admin.
"""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from pks_geo.ingest.codes import normalize_kode
from pks_geo.maps import embed_links
from pks_geo.maps.views import ViewNotFound, get_view
from pks_geo.queries.area_profile import INTERVALS, AreaNotFound, area_profile, incident_series
from pks_geo.queries.filters import FILTER_PARAMETERS, parse_filters
from pks_geo.queries.params import check_names
from pks_geo.queries.places import load_places, search_places
from pks_geo.web.auth import current_user, has_role, require_role
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.frame_check import SiteError, frame_allowed

bp = Blueprint("api_cockpit", __name__, url_prefix="/api/v1")

QUERY_MAX = 100


@bp.get("/places")
@require_role("viewer")
def places():  # type: ignore[no-untyped-def]
    """Every kecamatan and desa with a label point and bounding box (the map's labels)."""
    check_names(request.args, ())
    response = jsonify(places=[p.to_json() for p in load_places(engine())])
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/places/search")
@require_role("viewer")
def places_search():  # type: ignore[no-untyped-def]
    """``?q=`` a desa/kecamatan name (typing slips tolerated as in imports) or a code."""
    check_names(request.args, ("q",))
    query = request.args.get("q", "")
    if len(query) > QUERY_MAX:
        return json_error(400, "q", f"at most {QUERY_MAX} characters")
    hits = search_places(load_places(engine()), query)
    return jsonify(query=query, places=[p.to_json() for p in hits])


@bp.get("/areas/<kode>/profile")
@require_role("viewer")
def profile(kode: str):  # type: ignore[no-untyped-def]
    """The side panel of one area under the map's filters: incidents by kategori and month, TPS, DPT."""
    check_names(request.args, FILTER_PARAMETERS)
    code = normalize_kode(kode)
    if code is None:
        return json_error(400, "kode", "expected a Kemendagri code like 74.05.01")
    filters = parse_filters(request.args, engine())
    try:
        return jsonify(area_profile(engine(), code, filters, request_disclosure()))
    except AreaNotFound:
        return json_error(404, "kode", f"no kecamatan or desa {code}")


@bp.get("/timeseries")
@require_role("viewer")
def timeseries():  # type: ignore[no-untyped-def]
    """Counted incidents per ``interval`` (week|month) and kategori under the filters."""
    check_names(request.args, ("interval", *FILTER_PARAMETERS))
    interval = request.args.get("interval", "month")
    if interval not in INTERVALS:
        return json_error(400, "interval", f"interval must be one of {', '.join(INTERVALS)}")
    filters = parse_filters(request.args, engine())
    return jsonify(incident_series(engine(), filters, interval, request_disclosure()))


@bp.get("/views/<view_id>/embed-links")
@require_role("analyst")
def view_links(view_id: str):  # type: ignore[no-untyped-def]
    """The view's embed links that still open it (neither revoked nor expired)."""
    try:
        get_view(engine(), view_id)
    except ViewNotFound:
        return json_error(404, "view", f"no saved view {view_id!r}")
    return jsonify(links=[link.to_json() for link in embed_links.active_links(engine(), view_id)])


@bp.delete("/embed-links/<link_id>")
@require_role("analyst")
def revoke(link_id: str):  # type: ignore[no-untyped-def]
    """Revoke one embed link now (audited); the iframe shows "link not valid" from then on."""
    user = current_user()
    try:
        link = embed_links.revoke_link(engine(), link_id, user.username if user else "anonymous",
                                       is_admin=has_role("admin"))
    except embed_links.LinkNotFound:
        return json_error(404, "link", f"no embed link {link_id!r}")
    except embed_links.LinkPermissionError as exc:
        return json_error(403, "link", str(exc))
    return jsonify(link.to_json())


@bp.get("/embed-check")
@require_role("analyst")
def embed_check():  # type: ignore[no-untyped-def]
    """``?site=`` the address of the page that will hold the iframe: may it frame our embeds?"""
    check_names(request.args, ("site",))
    site = request.args.get("site", "")
    ancestors = settings().frame_ancestors
    try:
        allowed = frame_allowed(site, ancestors, request.host_url)
    except SiteError:
        return json_error(400, "site", "give the address of the page, like https://intranet.example.go.id")
    return jsonify(site=site, allowed=allowed, frame_ancestors=list(ancestors),
                   setting="PKS_GEO_FRAME_ANCESTORS")
