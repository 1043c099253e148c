"""The OpenAPI 3.0 definition of the OGC API – Features endpoints (``/ogc/api``).

OGC API – Features Core asks the landing page to link an API definition
(``service-desc``); clients such as GDAL read the paging limits from it. It is built
from the same collection descriptions the endpoints use, so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from pks_geo.analysis.features import CollectionSpec


def _param(name: str, description: str, schema: dict[str, Any], style: str | None = None,
           explode: bool | None = None) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": "query", "required": False,
                             "description": description, "schema": schema}
    if style:
        param["style"] = style
    if explode is not None:
        param["explode"] = explode
    return param


def _json_response(description: str, media: str = "application/json") -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": {"type": "object"}}}}


def openapi_document(base_url: str, collections: list[CollectionSpec], max_limit: int,
                     default_limit: int) -> dict[str, Any]:
    """OpenAPI 3.0 for the landing page, conformance, collections and their items."""
    common = {
        "limit": _param("limit", "features per page", {"type": "integer", "minimum": 1,
                                                       "maximum": max_limit, "default": default_limit}),
        "offset": _param("offset", "features to skip", {"type": "integer", "minimum": 0, "default": 0}),
        "after": _param("after", "keyset cursor: the id of the last feature of the previous page "
                                 "(what the next link carries; flat cost at any depth)", {"type": "string"}),
        "bbox": _param("bbox", "minx,miny,maxx,maxy in CRS84", {"type": "array", "minItems": 4,
                                                                "maxItems": 6, "items": {"type": "number"}},
                       style="form", explode=False),
        "datetime": _param("datetime", "RFC 3339 date-time, date or interval (a/b, ../b, a/..)",
                           {"type": "string"}),
    }
    paths: dict[str, Any] = {
        "/": {"get": {"summary": "landing page", "operationId": "getLandingPage",
                      "responses": {"200": _json_response("links to the API")}}},
        "/conformance": {"get": {"summary": "conformance classes", "operationId": "getConformance",
                                 "responses": {"200": _json_response("conformance classes")}}},
        "/collections": {"get": {"summary": "collections", "operationId": "getCollections",
                                 "responses": {"200": _json_response("the collections")}}},
    }
    for spec in collections:
        extra = [_param(name, f"features whose {name} equals this value", {"type": "string"})
                 for name in spec.filters]
        paths[f"/collections/{spec.id}"] = {"get": {
            "summary": spec.title["en"], "operationId": f"describe_{spec.id}",
            "responses": {"200": _json_response("the collection")}}}
        paths[f"/collections/{spec.id}/items"] = {"get": {
            "summary": f"{spec.title['en']}: features", "operationId": f"get_{spec.id}_items",
            "parameters": list(common.values()) + extra,
            "responses": {"200": _json_response("a page of features", "application/geo+json"),
                          "400": _json_response("a parameter is invalid")}}}
        paths[f"/collections/{spec.id}/items/{{featureId}}"] = {"get": {
            "summary": f"{spec.title['en']}: one feature", "operationId": f"get_{spec.id}_item",
            "parameters": [{"name": "featureId", "in": "path", "required": True,
                            "schema": {"type": "string"}}],
            "responses": {"200": _json_response("the feature", "application/geo+json"),
                          "404": _json_response("no such feature")}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "pks-geo OGC API – Features", "version": "1.0.0",
                 "description": "Areas, conflict incidents (analysts and above) and TPS of pks-geo"},
        "servers": [{"url": base_url}],
        "paths": paths,
    }
