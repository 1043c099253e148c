"""OGC API – Features, Part 1 (Core + GeoJSON), mounted under ``/ogc``.

QGIS, GDAL (``ogrinfo OAPIF:http://host/ogc``) and any OGC client can read the areas,
incidents and TPS without a custom plug-in. The same role rules as the rest of the app
apply: ``areas`` and ``tps`` from ``viewer`` up; ``incidents`` (sensitive details) from
``analyst`` up — it is not even listed for lower roles, and asking for it gives 403 (401
for an anonymous visitor, who is asked to log in or send a token).

Items are paged with ``limit`` (default 100; larger values are clamped to 10,000, as the
standard asks) and ``offset``; responses carry ``numberMatched``/``numberReturned`` and
``self``/``alternate``/``collection``/``next``/``prev`` links. Unknown query parameters are
a 400, as the standard requires.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import orjson
from flask import Blueprint, Response, request, url_for
from sqlalchemy.exc import DataError, ProgrammingError

from pks_geo.feature_sql.features import (
    COLLECTIONS,
    CollectionSpec,
    ItemQuery,
    extent,
    item,
    items,
    property_schema,
)
from pks_geo.web import ogc_html
from pks_geo.web.auth import current_role, current_user, has_role
from pks_geo.web.context import engine, settings
from pks_geo.web.credentials import AUTH_HINT, add_challenge
from pks_geo.web.i18n import current_language
from pks_geo.web.ogc_html import wants_html
from pks_geo.web.ogc_params import (
    COMMON_PARAMETERS,
    CRS84,
    ITEMS_PARAMETERS,
    OgcError,
    check_parameters,
    parse_bbox,
    parse_datetime,
    parse_int,
)
from pks_geo.web.ogc_part3 import parse_part3
from pks_geo.web.openapi_parts import OPENAPI_MEDIA_TYPE

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

GEOJSON = "application/geo+json"
JSON = "application/json"
OPENAPI = OPENAPI_MEDIA_TYPE
DEFAULT_LIMIT, MAX_LIMIT = 100, 10_000
NEXT_LIMIT = 1_000
"""``next`` links ask for at least this many features. GDAL before 3.8 always starts with
``limit=10`` and then follows ``next``: 5,000 incidents took 500 requests. Asking for pages of
1,000 from the second page on reads them in 6 (pages are keyset, so their cost is flat); a
client that wants small pages throughout sends its own ``limit`` on each request."""
CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/features-filter",
    "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/queryables",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-text",
    "http://www.opengis.net/spec/cql2/1.0/conf/cql2-json",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-cql2",
    "http://www.opengis.net/spec/cql2/1.0/conf/advanced-comparison-operators",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions",
    "http://www.opengis.net/spec/cql2/1.0/conf/basic-spatial-functions-plus",
    "http://www.opengis.net/spec/cql2/1.0/conf/spatial-functions",
    "http://www.opengis.net/spec/ogcapi-records-1/1.0/conf/sorting",
]


@bp.errorhandler(OgcError)
def ogc_error(exc: OgcError) -> Response:
    body: dict[str, Any] = {"code": exc.code, "description": exc.description, "error": exc.description}
    if exc.parameter:
        body["parameter"] = exc.parameter
    return Response(orjson.dumps(body), status=exc.status, mimetype=JSON)


def _json(document: dict[str, Any], mimetype: str = JSON) -> Response:
    return Response(orjson.dumps(document), mimetype=mimetype)


def _lang() -> str:
    return current_language(settings().language)


def _link(href: str, rel: str, mimetype: str, title: str | None = None) -> dict[str, str]:
    link = {"href": href, "rel": rel, "type": mimetype}
    if title:
        link["title"] = title
    return link


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def _visible(spec: CollectionSpec) -> bool:
    return has_role(spec.min_role)


def _collection_or_error(collection_id: str) -> CollectionSpec:
    spec = COLLECTIONS.get(collection_id)
    if spec is None:
        raise OgcError(404, "NotFound", f"no collection {collection_id!r}; "
                                        f"collections: {', '.join(COLLECTIONS)}")
    return spec


def _denied(spec: CollectionSpec) -> Response | None:
    """401/403 when the requester may not read ``spec``; ``None`` when they may."""
    if has_role(spec.min_role):
        return None
    if current_user() is None:  # as require_role: anonymous visitors are asked to log in
        return add_challenge(ogc_error(OgcError(401, "Unauthorized", AUTH_HINT)))
    return ogc_error(OgcError(403, "Forbidden", f"collection {spec.id!r} needs the role "
                                                 f"{spec.min_role!r} or higher; you are {current_role()!r}"))


# --- landing, conformance, API definition -------------------------------------------------

@bp.get("")
@bp.get("/")
def landing():  # type: ignore[no-untyped-def]
    check_parameters(COMMON_PARAMETERS)
    english = _lang() == "en"
    document = {
        "title": "pks-geo OGC API – Features",
        "description": ("Administrative areas, conflict incidents and polling stations (TPS)" if english
                        else "Wilayah administrasi, insiden konflik dan TPS"),
        "links": [
            _link(_url("ogc.landing"), "self", JSON, "this document"),
            _link(_url("ogc.api_definition"), "service-desc", OPENAPI, "API definition (OpenAPI 3.0)"),
            _link(_url("ogc.conformance"), "conformance", JSON, "conformance classes"),
            _link(_url("ogc.collections"), "data", JSON, "collections"),
            _link(_url("ogc.landing", f="html"), "alternate", "text/html", "this document as HTML"),
        ],
    }
    if wants_html():
        return ogc_html.render("landing", document["title"], document)
    return _json(document)


@bp.get("/conformance")
def conformance():  # type: ignore[no-untyped-def]
    check_parameters(COMMON_PARAMETERS)
    return _json({"conformsTo": CONFORMANCE})


@bp.get("/api")
def api_definition():  # type: ignore[no-untyped-def]
    check_parameters(COMMON_PARAMETERS)
    from pks_geo.web.ogc_openapi import openapi_document

    visible = [spec for spec in COLLECTIONS.values() if _visible(spec)]
    return _json(openapi_document(_url("ogc.landing").rstrip("/"), visible, MAX_LIMIT, DEFAULT_LIMIT),
                 OPENAPI)


# --- collections --------------------------------------------------------------------------

def _collection_document(spec: CollectionSpec, lang: str) -> dict[str, Any]:
    with engine().connect() as conn:
        bbox, interval = extent(conn, spec)
    doc: dict[str, Any] = {
        "id": spec.id,
        "title": spec.title[lang],
        "description": spec.description[lang],
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            _link(_url("ogc.collection", collection_id=spec.id), "self", JSON, spec.title[lang]),
            _link(_url("ogc.collection_items", collection_id=spec.id), "items", GEOJSON, "items"),
            _link(_url("ogc.queryables", collection_id=spec.id),
                  "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json",
                  "queryable properties"),
        ],
        "extent": {"spatial": {"bbox": [bbox] if bbox else [[-180.0, -90.0, 180.0, 90.0]], "crs": CRS84}},
    }
    if interval is not None:
        doc["extent"]["temporal"] = {
            "interval": [interval],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return doc


@bp.get("/collections")
def collections():  # type: ignore[no-untyped-def]
    check_parameters(COMMON_PARAMETERS)
    lang = _lang()
    document = {
        "links": [_link(_url("ogc.collections"), "self", JSON, "collections"),
                  _link(_url("ogc.collections", f="html"), "alternate", "text/html", "as HTML")],
        "collections": [_collection_document(spec, lang) for spec in COLLECTIONS.values() if _visible(spec)],
    }
    if wants_html():
        return ogc_html.render("collections", "Koleksi" if lang == "id" else "Collections", document,
                               collections=document["collections"])
    return _json(document)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str):  # type: ignore[no-untyped-def]
    spec = _collection_or_error(collection_id)
    if (denied := _denied(spec)) is not None:
        return denied
    check_parameters(COMMON_PARAMETERS)
    document = _collection_document(spec, _lang())
    if wants_html():
        return ogc_html.render("collection", document["title"], document, collection=document)
    return _json(document)


@bp.get("/collections/<collection_id>/queryables")
def queryables(collection_id: str):  # type: ignore[no-untyped-def]
    """JSON Schema of the properties ``filter`` and ``sortby`` may name (Part 3)."""
    spec = _collection_or_error(collection_id)
    if (denied := _denied(spec)) is not None:
        return denied
    check_parameters(COMMON_PARAMETERS)
    properties: dict[str, Any] = {"geometry": {"$ref": "https://geojson.org/schema/Geometry.json",
                                               "x-ogc-role": "primary-geometry"}}
    for name, _ in spec.properties:
        schema = property_schema(name)
        schema.pop("nullable", None)
        schema["type"] = [schema["type"], "null"]
        properties[name] = {"title": name, **schema}
    return _json({
        "$schema": "https://json-schema.org/draft/2019-09/schema",
        "$id": _url("ogc.queryables", collection_id=spec.id),
        "type": "object", "title": spec.title[_lang()], "properties": properties,
        "additionalProperties": False,
    }, "application/schema+json")


# --- items --------------------------------------------------------------------------------

def _item_query(spec: CollectionSpec) -> ItemQuery:
    check_parameters(ITEMS_PARAMETERS + tuple(spec.filters))
    limit = min(parse_int("limit", DEFAULT_LIMIT, 1), MAX_LIMIT)
    offset = parse_int("offset", 0, 0)
    date_from, date_to = parse_datetime()
    equals = {name: request.args[name] for name in spec.filters if name in request.args}
    after = request.args.get("after") or None
    if after is not None and (len(after) > 64 or "\x00" in after):
        raise OgcError(400, "InvalidParameterValue", "after must be a feature id of this collection", "after")
    part3 = parse_part3(spec)
    if after is not None and part3.sort_sql is not None:
        raise OgcError(400, "InvalidParameterValue", "after (keyset) pages in id order only; with "
                                                     "sortby use offset, as the next links do", "after")
    return ItemQuery(limit=limit, offset=offset, bbox=parse_bbox(), date_from=date_from,
                     date_to=date_to, equals=equals, after=after, filter_sql=part3.filter_sql,
                     filter_params=part3.filter_params, sort_sql=part3.sort_sql,
                     properties=part3.properties)


def _page_url(spec: CollectionSpec, **changes: Any) -> str:
    args = request.args.to_dict()
    args.update({k: str(v) for k, v in changes.items() if v is not None})
    for key in [k for k, v in changes.items() if v is None]:
        args.pop(key, None)
    base = _url("ogc.collection_items", collection_id=spec.id)
    return base + ("?" + urlencode(args) if args else "")


@bp.get("/collections/<collection_id>/items")
def collection_items(collection_id: str):  # type: ignore[no-untyped-def]
    spec = _collection_or_error(collection_id)
    if (denied := _denied(spec)) is not None:
        return denied
    query = _item_query(spec)
    with engine().connect() as conn:
        try:
            page = items(conn, spec, query)
        except ValueError as exc:  # an after cursor that is no id of this collection
            raise OgcError(400, "InvalidParameterValue", str(exc), "after") from None
        except (DataError, ProgrammingError) as exc:  # e.g. a filter comparing a number with text
            raise OgcError(400, "InvalidParameterValue", "filter: PostgreSQL refused it: "
                           + str(exc.orig).splitlines()[0][:200], "filter") from None
    features = page.features
    mimetype = JSON if request.args.get("f") == "json" else GEOJSON
    links = [
        _link(_page_url(spec), "self", mimetype, "this page"),
        _link(_page_url(spec, f="json" if mimetype == GEOJSON else "geojson"), "alternate",
              JSON if mimetype == GEOJSON else GEOJSON, "this page in the other JSON media type"),
        _link(_url("ogc.collection", collection_id=spec.id), "collection", JSON, spec.title[_lang()]),
    ]
    if page.more and query.sort_sql is None:  # continues after this page's last id (keyset)
        links.append(_link(_page_url(spec, after=page.next_after, offset=None,
                                     limit=max(query.limit, NEXT_LIMIT)),
                           "next", mimetype, "next page"))
    elif page.more:  # sorted by properties: offset pages
        links.append(_link(_page_url(spec, offset=query.offset + query.limit), "next", mimetype,
                           "next page"))
    if query.offset > 0 and query.after is None:
        links.append(_link(_page_url(spec, offset=max(query.offset - query.limit, 0), limit=query.limit),
                           "prev", mimetype, "previous page"))
    document: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [orjson.Fragment(feature) for feature in features],
        **({"numberMatched": page.matched} if page.matched is not None else {}),
        "numberReturned": len(features),
        "timeStamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "links": links,
    }
    if wants_html():
        return ogc_html.render("items", spec.title[_lang()], document, features_raw=features,
                               page_limit=query.limit,
                               collection={"id": spec.id, "title": spec.title[_lang()]})
    response = _json(document, mimetype)
    response.headers["Content-Crs"] = f"<{CRS84}>"
    return response


@bp.get("/collections/<collection_id>/items/<fid>")
def collection_item(collection_id: str, fid: str):  # type: ignore[no-untyped-def]
    spec = _collection_or_error(collection_id)
    if (denied := _denied(spec)) is not None:
        return denied
    check_parameters(COMMON_PARAMETERS)
    with engine().connect() as conn:
        feature = item(conn, spec, fid)
    if feature is None:
        raise OgcError(404, "NotFound", f"no feature {fid!r} in collection {spec.id!r}")
    document = orjson.loads(feature)
    mimetype = JSON if request.args.get("f") == "json" else GEOJSON
    document["links"] = [
        _link(_url("ogc.collection_item", collection_id=spec.id, fid=fid), "self", mimetype, "this feature"),
        _link(_url("ogc.collection", collection_id=spec.id), "collection", JSON, spec.title[_lang()]),
    ]
    return _json(document, mimetype)
