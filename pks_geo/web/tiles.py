"""Vector tiles over HTTP: ``/tiles/<layer>/<z>/<x>/<y>.pbf`` and ``/tiles/<layer>.json`` (TileJSON).

The tiles themselves come from :mod:`pks_geo.feature_sql.tiles`; this blueprint adds what HTTP
needs around them:

- roles: the ``incidents`` layer is for analysts and above (401 with ``WWW-Authenticate``
  when nobody is logged in, as on the API; 403 for a logged-in user whose role is too low);
- ``400`` naming the parameter for a bad ``z``/``x``/``y`` or filter, ``404`` for an unknown layer;
- an ETag derived from the data versions of the tables the tile depends on plus the
  request, so revalidating an unchanged tile costs one indexed read and answers ``304``;
- an in-process LRU cache of rendered tiles (``PKS_GEO_TILE_CACHE_MB``, 0 = off) whose key
  carries the same data versions and the disclosure level: any change to the data makes every
  old entry unreachable, and the layer's entries are dropped when the versions move on.
  ETag, 304 and cache follow :mod:`pks_geo.web.conditional`, as the choropleth and hot spots do.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, request

from pks_geo.feature_sql.tiles import (
    TILE_FORMAT,
    TileAddress,
    TileLayer,
    layer,
    parse_tile,
    render_tile,
    tables_for,
    tilejson,
)
from pks_geo.queries.filters import ParameterError
from pks_geo.queries.version_watch import current_versions, watcher_for
from pks_geo.queries.versions import DataVersions, data_versions
from pks_geo.web import conditional
from pks_geo.web.auth import anonymous_role, current_user, has_role
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.credentials import AUTH_HINT, add_challenge
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("tiles", __name__, url_prefix="/tiles")

MVT_MIMETYPE = "application/vnd.mapbox-vector-tile"


def _denied(spec: TileLayer) -> Response | None:
    """JSON 401/403 when the requester may not see ``spec`` (tiles are fetched by scripts)."""
    if has_role(spec.min_role):
        return None
    if current_user() is None:  # the API's rule: nobody logged in -> 401 with a challenge
        response = jsonify(error=AUTH_HINT)
        response.status_code = 401
        return add_challenge(response)
    response = jsonify(error=f"tile layer {spec.name} needs the role {spec.min_role!r} or higher",
                       required_role=spec.min_role)
    response.status_code = 403
    return response


def _lookup(name: str) -> TileLayer | Response:
    try:
        return layer(name)
    except ParameterError as exc:
        return json_error(404, exc.parameter, exc.message)


def _headers(response: Response, spec: TileLayer, etag: str, versions: DataVersions) -> Response:
    conditional.validators(response, etag, versions)
    # an analyst's exact choropleth tile must never sit in a shared cache under the same URL
    public = spec.min_role == "viewer" and anonymous_role() is not None and request_disclosure().active
    response.headers["Cache-Control"] = f"{'public' if public else 'private'}, no-cache"
    if not public:
        response.vary.update(("Authorization", "Cookie"))
    return response


@bp.get("/<name>/<z>/<x>/<y>.pbf")
def tile(name: str, z: str, x: str, y: str):  # type: ignore[no-untyped-def]
    spec = _lookup(name)
    if isinstance(spec, Response):
        return spec
    address = parse_tile(z, x, y)
    denied = _denied(spec)
    if denied is not None:
        return denied
    eng = engine()
    tables = tables_for(spec, request.args)
    known = watcher_for(eng).current(tables)  # no round trip while the listener is connected
    if known is not None:
        answer = _answer_from_memory(spec, address, known)
        if answer is not None:
            return answer
    # One checkout for the version read and the tile, without a transaction: both are single
    # read-only statements (each had its own snapshot under READ COMMITTED anyway), and
    # BEGIN/ROLLBACK around them cost ~0.45 ms per tile, a third of a light tile's time.
    with eng.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        versions = known if known is not None else data_versions(conn, tables)
        answer = _answer_from_memory(spec, address, versions)
        if answer is not None:
            return answer
        generation = versions.digest(TILE_FORMAT)
        body = render_tile(conn, spec, address, request.args, version_key=generation,
                           disclosure=request_disclosure())
    etag = _etag(spec, address, versions)
    conditional.remember(etag, body, (str(eng.url), "tiles", *tables), generation, cache="tiles")
    return _headers(Response(body, mimetype=MVT_MIMETYPE), spec, etag, versions)


def _etag(spec: TileLayer, address: TileAddress, versions: DataVersions) -> str:
    return conditional.response_key(versions, TILE_FORMAT, spec.name, f"{address.z}/{address.x}/{address.y}",
                                    *conditional.request_args())


def _answer_from_memory(spec: TileLayer, address: TileAddress, versions: DataVersions) -> Response | None:
    """``304`` when the client has this version, the cached tile when there is one, else ``None``."""
    return conditional.from_memory(_etag(spec, address, versions), versions, MVT_MIMETYPE, cache="tiles",
                                   finish=lambda response, etag, v: _headers(response, spec, etag, v))


@bp.get("/<name>.json")
def tilejson_document(name: str):  # type: ignore[no-untyped-def]
    spec = _lookup(name)
    if isinstance(spec, Response):
        return spec
    denied = _denied(spec)
    if denied is not None:
        return denied
    query = urlencode(list(request.args.items(multi=True)))
    tiles_url = f"{request.host_url.rstrip('/')}/tiles/{spec.name}/{{z}}/{{x}}/{{y}}.pbf"
    if query:
        tiles_url += "?" + query
    eng = engine()
    version_key = current_versions(eng, tables_for(spec, request.args)).digest(TILE_FORMAT)
    document = tilejson(eng, spec, tiles_url, request.args, settings().tile_threshold, version_key,
                        request_disclosure())
    response = jsonify(document)
    response.headers["Cache-Control"] = "private, no-cache"
    return response
