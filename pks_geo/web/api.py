"""JSON/GeoJSON API under ``/api/v1``. Parameters are validated against fixed lists; values
reach SQL only as bound parameters."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, jsonify, request, url_for

from pks_geo.ingest.codes import normalize_kode
from pks_geo.queries.areas import AREA_LEVELS, OUTLINES, areas_geojson
from pks_geo.queries.meta import filter_options
from pks_geo.web.context import engine, json_error
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("api", __name__, url_prefix="/api/v1")

GEOJSON_MIMETYPE = "application/geo+json"


@bp.get("/areas")
def areas():  # type: ignore[no-untyped-def]
    level = request.args.get("level", "kecamatan")
    if level not in AREA_LEVELS:
        return json_error(400, "level", f"level must be one of {', '.join(AREA_LEVELS)}, "
                                        f"got {level!r}")
    within = request.args.get("within")
    if within is not None:
        within = normalize_kode(within)
        if within is None:
            return json_error(400, "within", "within must be a Kemendagri code like 74.05")
    outline = request.args.get("outline", "source")
    if outline not in OUTLINES:
        return json_error(400, "outline", f"outline must be one of {', '.join(OUTLINES)}, got {outline!r}")
    body = areas_geojson(engine(), level, within, outline)
    return Response(body, mimetype=GEOJSON_MIMETYPE)


@bp.get("/openapi.json")
def openapi():  # type: ignore[no-untyped-def]
    """The OpenAPI 3.0 description of this API (see :mod:`pks_geo.web.api_openapi`)."""
    from pks_geo.web.api_openapi import api_document
    from pks_geo.web.openapi_parts import OPENAPI_MEDIA_TYPE

    if request.args:
        name = next(iter(request.args))
        return json_error(400, name, f"unknown parameter {name!r}; this document takes none")
    body = orjson.dumps(api_document(url_for("api.meta", _external=True).rsplit("/", 1)[0]))
    return Response(body, mimetype=OPENAPI_MEDIA_TYPE)


@bp.get("/meta")
def meta():  # type: ignore[no-untyped-def]
    """Filter options for the map panel: elections and stages, kategori, metrics, schemes."""
    lang = request.args.get("lang", "id")
    if lang not in ("id", "en"):
        return json_error(400, "lang", "lang must be 'id' or 'en'")
    return jsonify(filter_options(engine(), lang, request_disclosure()))
