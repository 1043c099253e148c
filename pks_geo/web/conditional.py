"""One way to answer a versioned GET: an ETag, ``304`` on revalidation, and a byte-bounded
in-process cache of finished bodies (issue 18).

An answer of the choropleth, hot-spot and tile endpoints is a pure function of the request's
parameters, the data versions of the tables it reads (:mod:`pks_geo.queries.versions`) and the
requester's disclosure level (:mod:`pks_geo.web.disclosure`: an analyst's exact answer must never
reach a viewer). :func:`response_key` hashes exactly those, so the key is both the ETag and the
cache key and a cached body can never be stale or shown to the wrong role.

Two caches of the same kind (:class:`~pks_geo.web.response_cache.ResponseCache`, bounded by bytes):
``responses`` for choropleth and hot-spot documents (``PKS_GEO_RESPONSE_CACHE_MB``) and ``tiles``
for vector tiles (``PKS_GEO_TILE_CACHE_MB``), so that thousands of small tiles cannot evict the few
expensive documents. Entries belong to a group (database + family of endpoint + tables); a new data
generation of a group drops that group's entries at once.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, current_app, request

from pks_geo.config import Settings
from pks_geo.queries.versions import DataVersions
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.response_cache import ResponseCache

CACHES = {"responses": ("RESPONSE_CACHE_MB", "response_cache_mb"),
          "tiles": ("TILE_CACHE_MB", "tile_cache_mb")}
"""Cache name -> (app config key overriding it, :class:`Settings` field) in MiB; 0 turns it off."""
PRIVATE = "private, no-cache"

Finish = Callable[[Response, str, DataVersions], Response]


def init_app(app: Flask, settings: Settings) -> None:
    for name, (config_key, field) in CACHES.items():
        megabytes = int(app.config.get(config_key, getattr(settings, field)))
        app.extensions[f"pks_geo.cache.{name}"] = ResponseCache(megabytes * 1024 * 1024)


def response_cache(name: str = "responses") -> ResponseCache:
    return current_app.extensions[f"pks_geo.cache.{name}"]


def response_key(versions: DataVersions, *parts: str) -> str:
    """ETag and cache key: data versions, the caller's parts (format, endpoint, parameters) and
    the requester's disclosure level."""
    return versions.digest(*parts, f"disclosure={request_disclosure().key}")


def request_args() -> list[str]:
    """The query string as sorted ``name=value`` parts (repeated names kept)."""
    return [f"{k}={v}" for k, v in sorted(request.args.items(multi=True))]


def not_modified(etag: str, versions: DataVersions) -> bool:
    """The client holds this answer: ``If-None-Match`` names the ETag, or (without it)
    ``If-Modified-Since`` is not older than the data's last change."""
    if request.if_none_match:
        return request.if_none_match.contains(etag)
    since = request.if_modified_since
    if since is not None and versions.last_modified is not None:
        return versions.last_modified.replace(microsecond=0) <= since
    return False


def validators(response: Response, etag: str, versions: DataVersions) -> Response:
    """ETag, Last-Modified and ``Cache-Control: private, no-cache`` (revalidate every time)."""
    response.set_etag(etag)
    if versions.last_modified is not None:
        response.last_modified = versions.last_modified
    response.headers["Cache-Control"] = PRIVATE
    return response


def from_memory(key: str, versions: DataVersions, mimetype: str, *, cache: str = "responses",
                finish: Finish = validators) -> Response | None:
    """``304`` when the client holds the answer, the cached body when there is one, else ``None``."""
    if not_modified(key, versions):
        return finish(Response(status=304), key, versions)
    store = response_cache(cache)
    body = store.get(key) if store.enabled else None
    return None if body is None else finish(Response(body, mimetype=mimetype), key, versions)


def remember(key: str, body: bytes, group: tuple[str, ...], generation: str, *,
             cache: str = "responses") -> None:
    response_cache(cache).put(key, body, group, generation)


def cached_response(key: str, versions: DataVersions, render: Callable[[], bytes], mimetype: str, *,
                    group: tuple[str, ...], generation: str, cache: str = "responses",
                    finish: Finish = validators) -> Response:
    """The whole rule: ``304``, else the cached body, else ``render()`` remembered under ``key``."""
    answer = from_memory(key, versions, mimetype, cache=cache, finish=finish)
    if answer is not None:
        return answer
    body = render()
    remember(key, body, group, generation, cache=cache)
    return finish(Response(body, mimetype=mimetype), key, versions)
