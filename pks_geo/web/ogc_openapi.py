"""The OpenAPI 3.0 definition of the OGC API – Features endpoints (``/ogc/api``).

OGC API – Features Core asks the landing page to link an API definition (``service-desc``);
clients such as GDAL read parameters, paging limits and queryable properties from it. It is
built from the same collection descriptions the endpoints use (:data:`COLLECTIONS`, the
parameter tuples of :mod:`pks_geo.web.ogc_params`), so it cannot drift from them.
"""

from __future__ import annotations

from typing import Any

from pks_geo.feature_sql.features import CollectionSpec, property_schema
from pks_geo.web.ogc_params import FORMATS, ITEMS_PARAMETERS, QUERYABLES_ROUTE
from pks_geo.web.openapi_parts import (
    ANYONE,
    GEOJSON,
    JSON,
    LOGGED_IN,
    components,
    content,
    errors,
    path_param,
    query,
    ref,
)

COMMON = {
    "f": query("f", "representation: json, geojson (items) or html", {"type": "string",
                                                                      "enum": list(FORMATS)}),
    "lang": query("lang", "language of titles and descriptions", {"type": "string", "enum": ["id", "en"]}),
}


def _items_parameters(max_limit: int, default_limit: int) -> dict[str, dict[str, Any]]:
    return {
        "limit": query("limit", f"features per page (larger values are clamped to {max_limit})",
                       {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit}),
        "offset": query("offset", "features to skip", {"type": "integer", "minimum": 0, "default": 0}),
        "after": query("after", "keyset cursor: the id of the last feature of the previous page "
                                "(what the next link carries; flat cost at any depth)"),
        "bbox": query("bbox", "minx,miny,maxx,maxy in CRS84: features whose geometry intersects the box",
                      {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
                      style="form", explode=False),
        "bbox-crs": query("bbox-crs", "CRS of bbox (only CRS84)", {"type": "string", "format": "uri"}),
        "crs": query("crs", "CRS of the answer (only CRS84)", {"type": "string", "format": "uri"}),
        "datetime": query("datetime", "RFC 3339 date-time, date or interval (a/b, ../b, a/..)"),
        "filter": query("filter", "CQL2 filter (OGC API – Features Part 3) on the queryables"),
        "filter-lang": query("filter-lang", "language of filter", {"type": "string",
                                                                    "enum": ["cql2-text", "cql2-json"]}),
        "filter-crs": query("filter-crs", "CRS of geometries in filter (only CRS84)",
                            {"type": "string", "format": "uri"}),
        "sortby": query("sortby", "comma-separated queryables, '-' before one for descending",
                        {"type": "array", "items": {"type": "string"}}, style="form", explode=False),
        "properties": query("properties", "comma-separated properties to return (others are left out)",
                            {"type": "array", "items": {"type": "string"}}, style="form", explode=False),
    }


def _feature_schema(spec: CollectionSpec) -> dict[str, Any]:
    props = {name: property_schema(name) for name, _ in spec.properties}
    id_schema = {"type": "integer"} if spec.id_type == "bigint" else {"type": "string"}
    return {"allOf": [ref("schemas", "Feature"), {"type": "object", "properties": {
        "id": id_schema, "properties": {"type": "object", "properties": props}}}]}


def _collection_paths(spec: CollectionSpec, items_params: dict[str, Any]) -> dict[str, Any]:
    security = ANYONE if spec.min_role == "viewer" else LOGGED_IN
    refusals = ("401", "403") if spec.min_role != "viewer" else ()
    feature = f"{spec.id}Feature"
    extra = [query(name, f"features whose {name} equals this value") for name in spec.filters]
    paths = {
        f"/collections/{spec.id}": {"get": {
            "summary": spec.title["en"], "description": spec.description["en"],
            "operationId": f"describe_{spec.id}", "tags": ["Collections"], "security": security,
            "parameters": list(COMMON.values()),
            "responses": {"200": content(JSON, ref("schemas", "Collection"), "the collection"),
                          **errors("400", *refusals, "503")}}},
        f"/collections/{spec.id}/queryables": {"get": {
            "summary": f"{spec.title['en']}: queryable properties (JSON Schema)",
            "operationId": f"get_{spec.id}_queryables", "tags": ["Collections"], "security": security,
            "parameters": list(COMMON.values()),
            "responses": {"200": content("application/schema+json", {"type": "object"},
                                         "JSON Schema of the properties filter and sortby may use"),
                          **errors("400", *refusals)}}},
        f"/collections/{spec.id}/items": {"get": {
            "summary": f"{spec.title['en']}: features", "operationId": f"get_{spec.id}_items",
            "tags": ["Features"], "security": security,
            "parameters": list(COMMON.values()) + list(items_params.values()) + extra,
            "responses": {"200": {"description": "a page of features", "content": {
                GEOJSON: {"schema": {"allOf": [ref("schemas", "FeatureCollection"), {
                    "type": "object", "properties": {"features": {"type": "array",
                                                                  "items": ref("schemas", feature)}}}]}},
                "text/html": {"schema": {"type": "string"}}}},
                **errors("400", *refusals, "503")}}},
        f"/collections/{spec.id}/items/{{featureId}}": {"get": {
            "summary": f"{spec.title['en']}: one feature", "operationId": f"get_{spec.id}_item",
            "tags": ["Features"], "security": security,
            "parameters": [path_param("featureId", "the feature's id"), *COMMON.values()],
            "responses": {"200": content(GEOJSON, ref("schemas", feature), "the feature"),
                          **errors("400", *refusals, "404", "503")}}},
    }
    if not QUERYABLES_ROUTE:
        del paths[f"/collections/{spec.id}/queryables"]
    return paths


def openapi_document(base_url: str, collections: list[CollectionSpec], max_limit: int,
                     default_limit: int) -> dict[str, Any]:
    """OpenAPI 3.0 for the landing page, conformance, collections and their items."""
    parts = components()
    parts["schemas"]["Collection"] = {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
        "itemType": {"type": "string"}, "crs": {"type": "array", "items": {"type": "string"}},
        "storageCrs": {"type": "string"},
        "extent": {"type": "object", "properties": {
            "spatial": {"type": "object", "properties": {"bbox": {"type": "array", "items": {
                "type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}}},
                "crs": {"type": "string"}}},
            "temporal": {"type": "object", "properties": {"interval": {"type": "array", "items": {
                "type": "array", "minItems": 2, "maxItems": 2,
                "items": {"type": "string", "format": "date-time", "nullable": True}}},
                "trs": {"type": "string"}}}}},
        "links": {"type": "array", "items": ref("schemas", "Link")}}}
    links_doc = {"type": "object", "required": ["links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"},
        "links": {"type": "array", "items": ref("schemas", "Link")}}}
    parts["schemas"]["LandingPage"] = links_doc
    parts["schemas"]["Conformance"] = {"type": "object", "required": ["conformsTo"], "properties": {
        "conformsTo": {"type": "array", "items": {"type": "string"}}}}
    parts["schemas"]["Collections"] = {"type": "object", "required": ["collections", "links"], "properties": {
        "links": {"type": "array", "items": ref("schemas", "Link")},
        "collections": {"type": "array", "items": ref("schemas", "Collection")}}}
    for spec in collections:
        parts["schemas"][f"{spec.id}Feature"] = _feature_schema(spec)
    common = list(COMMON.values())

    def simple(summary: str, op_id: str, schema: str, media: str = JSON) -> dict[str, Any]:
        return {"get": {"summary": summary, "operationId": op_id, "tags": ["Capabilities"],
                        "security": ANYONE, "parameters": common,
                        "responses": {"200": content(media, ref("schemas", schema), summary),
                                      **errors("400")}}}

    paths: dict[str, Any] = {
        "/": simple("landing page", "getLandingPage", "LandingPage"),
        "/conformance": simple("conformance classes", "getConformance", "Conformance"),
        "/api": {"get": {"summary": "this API definition", "operationId": "getAPI",
                         "tags": ["Capabilities"], "security": ANYONE, "parameters": common,
                         "responses": {"200": content("application/vnd.oai.openapi+json;version=3.0",
                                                      {"type": "object"}, "OpenAPI 3.0"),
                                       **errors("400")}}},
        "/collections": simple("the collections the requester may read", "getCollections", "Collections"),
    }
    items_params = {name: param for name, param in _items_parameters(max_limit, default_limit).items()
                    if name in ITEMS_PARAMETERS}  # only what the endpoint accepts
    for spec in collections:
        paths.update(_collection_paths(spec, items_params))
    return {
        "openapi": "3.0.3",
        "info": {"title": "pks-geo OGC API – Features", "version": "1.0.0",
                 "description": "Areas, conflict incidents (analysts and above) and TPS of pks-geo. "
                                "Only the collections the requester may read are described."},
        "servers": [{"url": base_url}],
        "tags": [{"name": "Capabilities"}, {"name": "Collections"}, {"name": "Features"}],
        "paths": paths,
        "components": parts,
    }
