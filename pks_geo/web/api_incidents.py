"""Incident and TPS API under ``/api/v1``: GeoJSON listings for analysts, writes for editors.

- ``GET /incidents`` and ``GET /incidents/<id>``: analyst or higher (descriptions and actors
  are sensitive, exact points locate people); a viewer gets 403, an anonymous visitor 401.
- ``POST /incidents``, ``PATCH /incidents/<id>``, ``DELETE /incidents/<id>``: editor or higher;
  every write is validated by the importers' rule book, located in its desa by PostGIS and
  audited. Errors come back as ``{"errors": {field: message}}``: 400 for a malformed body,
  422 for values that break a rule, 409 for a duplicate (source, external_id).
- ``GET /incidents/<id>/audit``: the incident's audit trail (analyst or higher).
- ``GET /tps?election=CODE``: polling sites, for every role that may see the map.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request, url_for

from pks_geo import audit
from pks_geo.ingest.incident_edit import (
    EditError,
    create_incident,
    delete_incident,
    update_incident,
)
from pks_geo.queries.incident_queries import (
    incident_feature,
    incidents_page,
    parse_incident_filter,
    tps_geojson,
)
from pks_geo.web.auth import current_user, require_role
from pks_geo.web.context import engine, json_error

bp = Blueprint("api_incidents", __name__, url_prefix="/api/v1")


def _actor() -> str:
    """The signed-in user's name (require_role has let only a user in)."""
    user = current_user()
    assert user is not None
    return user.username

GEOJSON_MIMETYPE = "application/geo+json"


def _geojson(body: str, status: int = 200) -> Response:
    return Response(body, status=status, mimetype=GEOJSON_MIMETYPE)


def _errors(status: int, errors: dict[str, str], **extra: Any):  # type: ignore[no-untyped-def]
    response = jsonify(errors=errors, **extra)
    response.status_code = status
    return response


def _page_link(offset: int | None, limit: int, after: str | None = None) -> str:
    """This request's URL with another page: by ``offset``, or after a keyset cursor."""
    args: dict[str, Any] = request.args.to_dict(flat=False)
    args.pop("after", None)
    args.pop("offset", None)
    args.update(limit=[str(limit)])
    if after is not None:
        args["after"] = [after]
    if offset is not None:
        args["offset"] = [str(offset)]
    return url_for("api_incidents.list_incidents", _external=False, **args)


@bp.get("/incidents")
@require_role("analyst")
def list_incidents():  # type: ignore[no-untyped-def]
    flt = parse_incident_filter(engine(), request.args.to_dict(flat=False))
    page = incidents_page(engine(), flt)
    cursor = f"{flt.after[0].isoformat()},{flt.after[1]}" if flt.after else None
    links = [{"rel": "self", "type": GEOJSON_MIMETYPE, "href": _page_link(flt.offset, flt.limit, cursor)}]
    if page.next_after is not None:  # keyset: the next page costs the same at any depth
        after = f"{page.next_after[0].isoformat()},{page.next_after[1]}"
        links.append({"rel": "next", "type": GEOJSON_MIMETYPE, "href": _page_link(None, flt.limit, after)})
    if flt.offset > 0 and flt.after is None:
        links.append({"rel": "prev", "type": GEOJSON_MIMETYPE,
                      "href": _page_link(max(flt.offset - flt.limit, 0), flt.limit)})
    body = (f'{{"type": "FeatureCollection", "numberMatched": {page.matched:d}, '
            f'"numberReturned": {page.returned:d}, "links": {json.dumps(links)}, '
            f'"features": {page.features}}}')
    return _geojson(body)


@bp.get("/incidents/<int:incident_id>")
@require_role("analyst")
def get_incident(incident_id: int):  # type: ignore[no-untyped-def]
    feature = incident_feature(engine(), incident_id)
    if feature is None:
        return json_error(404, "id", f"no incident {incident_id}")
    return _geojson(feature)


@bp.get("/incidents/<int:incident_id>/audit")
@require_role("analyst")
def incident_audit(incident_id: int):  # type: ignore[no-untyped-def]
    """Who changed the incident when, with the record before and after (kept after a delete)."""
    events = audit.events(engine(), "incident", incident_id)
    if not events and incident_feature(engine(), incident_id) is None:
        return json_error(404, "id", f"no incident {incident_id}")
    for event in events:
        event["at"] = event["at"].isoformat()
    return jsonify(incident=incident_id, events=events)


def _body() -> dict[str, Any] | None:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else None


def _edit_error(exc: EditError):  # type: ignore[no-untyped-def]
    return _errors(exc.status, exc.errors)


@bp.post("/incidents")
@require_role("editor")
def post_incident():  # type: ignore[no-untyped-def]
    body = _body()
    if body is None:
        return _errors(400, {"body": "expected a JSON object or GeoJSON Feature "
                                     "(Content-Type: application/json)"})
    try:
        incident_id, warnings = create_incident(engine(), body, actor=_actor())
    except EditError as exc:
        return _edit_error(exc)
    feature = incident_feature(engine(), incident_id)
    response = _geojson(_with_warnings(feature, warnings), 201)
    response.headers["Location"] = url_for("api_incidents.get_incident", incident_id=incident_id)
    return response


@bp.patch("/incidents/<int:incident_id>")
@require_role("editor")
def patch_incident(incident_id: int):  # type: ignore[no-untyped-def]
    body = _body()
    if body is None:
        return _errors(400, {"body": "expected a JSON object with the fields to change"})
    try:
        warnings = update_incident(engine(), incident_id, body, actor=_actor())
    except EditError as exc:
        return _edit_error(exc)
    return _geojson(_with_warnings(incident_feature(engine(), incident_id), warnings))


@bp.delete("/incidents/<int:incident_id>")
@require_role("editor")
def remove_incident(incident_id: int):  # type: ignore[no-untyped-def]
    try:
        delete_incident(engine(), incident_id, actor=_actor())
    except EditError as exc:
        return _edit_error(exc)
    return Response(status=204)


def _with_warnings(feature: str | None, warnings: dict[str, str]) -> str:
    """Add a ``warnings`` foreign member (field -> message) to a Feature, when there are any."""
    if not warnings or feature is None:
        return feature or "null"
    return feature[:-1] + ', "warnings": ' + json.dumps(warnings, ensure_ascii=False) + "}"


@bp.get("/tps")
@require_role("viewer")
def tps():  # type: ignore[no-untyped-def]
    return _geojson(tps_geojson(engine(), request.args.to_dict(flat=False)))
