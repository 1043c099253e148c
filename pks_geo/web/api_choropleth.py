"""``GET /api/v1/choropleth``: the choropleth FeatureCollection, with ETag/Last-Modified.

Any role from ``viewer`` up may see aggregated maps; below ``analyst`` small cells are suppressed
(:mod:`pks_geo.queries.disclosure`). The ETag is a hash of the request's
parameters, the language and the data versions of every table the map is computed
from (one indexed read, :mod:`pks_geo.queries.versions`), so a repeat request with
``If-None-Match`` is answered ``304`` before anything is aggregated. The same key finds
the finished document in an in-process cache (``PKS_GEO_RESPONSE_CACHE_MB``): planners
reopen the same views all day, and a cached body can never be stale because the key
moves with the data. The rule lives in :mod:`pks_geo.web.conditional`.
"""

from __future__ import annotations

from flask import Blueprint, request

from pks_geo.queries.version_watch import current_versions
from pks_geo.stats.choropleth import (
    VERSIONED_TABLES,
    choropleth_geojson,
    parse_choropleth_args,
)
from pks_geo.web import conditional
from pks_geo.web.auth import require_role
from pks_geo.web.context import engine, settings
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.i18n import current_language

bp = Blueprint("api_choropleth", __name__, url_prefix="/api/v1")

GEOJSON_MIMETYPE = "application/geo+json"
RESPONSE_FORMAT = "choropleth-2"
"""Part of the ETag: bump when the response layout changes so caches do not serve old shapes."""


@bp.get("/choropleth")
@require_role("viewer")
def choropleth():  # type: ignore[no-untyped-def]
    eng = engine()
    lang = request.args.get("lang") or current_language(settings().language)
    versions = current_versions(eng, VERSIONED_TABLES)
    disclosure = request_disclosure()
    key = conditional.response_key(versions, RESPONSE_FORMAT, f"lang={lang}", *conditional.request_args())

    def render() -> bytes:
        req = parse_choropleth_args(request.args, eng, default_lang=lang)
        return choropleth_geojson(eng, req, versions.versions["admin_area"], disclosure)

    return conditional.cached_response(key, versions, render, GEOJSON_MIMETYPE,
                                       group=(str(eng.url), "choropleth"),
                                       generation=versions.digest(RESPONSE_FORMAT))
