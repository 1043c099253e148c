"""``GET /api/v1/choropleth``: the choropleth FeatureCollection, with ETag/Last-Modified.

Any role from ``viewer`` up may see aggregated maps; below ``analyst`` small cells are suppressed
(:mod:`pks_geo.analysis.disclosure`). The ETag is a hash of the request's
parameters, the language and the data versions of every table the map is computed
from (one indexed read, :mod:`pks_geo.analysis.versions`), so a repeat request with
``If-None-Match`` is answered ``304`` before anything is aggregated. The same key finds
the finished document in an in-process cache (``PKS_GEO_RESPONSE_CACHE_MB``): planners
reopen the same views all day, and a cached body can never be stale because the key
moves with the data.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from pks_geo.analysis.choropleth import (
    VERSIONED_TABLES,
    choropleth_geojson,
    parse_choropleth_args,
)
from pks_geo.analysis.filters import ParameterError
from pks_geo.analysis.version_watch import current_versions
from pks_geo.analysis.versions import DataVersions
from pks_geo.web.auth import require_role
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.i18n import current_language
from pks_geo.web.response_cache import ResponseCache

bp = Blueprint("api_choropleth", __name__, url_prefix="/api/v1")

GEOJSON_MIMETYPE = "application/geo+json"
CACHE_EXTENSION = "pks_geo.choropleth_cache"
RESPONSE_FORMAT = "choropleth-2"
"""Part of the ETag: bump when the response layout changes so caches do not serve old shapes."""


@bp.record_once
def _install_cache(state: BlueprintSetupState) -> None:
    app = state.app
    megabytes = app.config.get("RESPONSE_CACHE_MB", app.extensions["pks_geo.settings"].response_cache_mb)
    app.extensions[CACHE_EXTENSION] = ResponseCache(int(megabytes) * 1024 * 1024)


def _etag(versions: DataVersions, lang: str, disclosure: str) -> str:
    """Parameters, language, data versions and the disclosure level: an analyst's exact answer
    and a viewer's suppressed one are different documents (and different cache entries)."""
    args = sorted(request.args.items(multi=True))
    return versions.digest(RESPONSE_FORMAT, f"lang={lang}", f"disclosure={disclosure}",
                           *(f"{k}={v}" for k, v in args))


def _with_cache_headers(response: Response, etag: str, versions: DataVersions) -> Response:
    response.set_etag(etag)
    if versions.last_modified is not None:
        response.last_modified = versions.last_modified
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _not_modified(etag: str, versions: DataVersions) -> bool:
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    if since is not None and versions.last_modified is not None:
        return versions.last_modified.replace(microsecond=0) <= since
    return False


@bp.get("/choropleth")
@require_role("viewer")
def choropleth():  # type: ignore[no-untyped-def]
    eng = engine()
    lang = request.args.get("lang") or current_language(settings().language)
    versions = current_versions(eng, VERSIONED_TABLES)
    disclosure = request_disclosure()
    etag = _etag(versions, lang, disclosure.key)
    if _not_modified(etag, versions):
        return _with_cache_headers(Response(status=304), etag, versions)
    cache: ResponseCache = current_app.extensions[CACHE_EXTENSION]
    body = cache.get(etag) if cache.enabled else None
    if body is None:
        try:
            req = parse_choropleth_args(request.args, eng, default_lang=lang)
        except ParameterError as exc:
            return json_error(400, exc.parameter, exc.message)
        body = choropleth_geojson(eng, req, versions.versions["admin_area"], disclosure)
        cache.put(etag, body, (str(eng.url),), versions.digest(RESPONSE_FORMAT))
    return _with_cache_headers(Response(body, mimetype=GEOJSON_MIMETYPE), etag, versions)
