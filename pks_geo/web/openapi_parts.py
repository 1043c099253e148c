"""Pieces shared by the two OpenAPI 3.0 documents (``/ogc/api`` and ``/api/v1/openapi.json``):
GeoJSON schemas, links, errors, the security schemes and the refusals every protected
operation may answer. Each document is built from the same tables the views use, so it
cannot drift from them; ``tests/test_openapi.py`` validates both and checks that every route
and parameter is described."""

from __future__ import annotations

from typing import Any

OPENAPI_MEDIA_TYPE = "application/vnd.oai.openapi+json;version=3.0"
GEOJSON = "application/geo+json"
JSON = "application/json"

SECURITY_SCHEMES: dict[str, Any] = {
    "bearerToken": {"type": "http", "scheme": "bearer", "bearerFormat": "pksg_ API token",
                    "description": "an API token (`pks-geo tokens create USER`)"},
    "basicToken": {"type": "http", "scheme": "basic",
                   "description": "user name + an API token as the password (QGIS, GDAL); "
                                  "account passwords are not accepted here"},
    "session": {"type": "apiKey", "in": "cookie", "name": "session",
                "description": "the browser session started at /login"},
}
ANYONE: list[dict[str, list[str]]] = [{}, {"bearerToken": []}, {"basicToken": []}, {"session": []}]
"""Security of operations open to anonymous visitors (``PKS_GEO_ANONYMOUS_ROLE=viewer``)."""
LOGGED_IN: list[dict[str, list[str]]] = [{"bearerToken": []}, {"basicToken": []}, {"session": []}]


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _geometry() -> dict[str, Any]:
    return {"type": "object", "required": ["type"], "nullable": True,
            "description": "RFC 7946 geometry in WGS 84 ([lon, lat]), polygons counter-clockwise",
            "properties": {
                "type": {"type": "string", "enum": ["Point", "MultiPoint", "LineString",
                                                   "MultiLineString", "Polygon", "MultiPolygon",
                                                   "GeometryCollection"]},
                "coordinates": {"type": "array", "items": {}},
                "geometries": {"type": "array", "items": {"type": "object"}}},
            "example": {"type": "Point", "coordinates": [122.4, -4.2]}}


def components() -> dict[str, Any]:
    """Schemas, responses and security schemes both documents share."""
    link = {"type": "object", "required": ["href", "rel"], "properties": {
        "href": {"type": "string", "format": "uri"}, "rel": {"type": "string"},
        "type": {"type": "string"}, "title": {"type": "string"}}}
    error = {"type": "object", "required": ["error"], "properties": {
        "error": {"type": "string", "description": "what went wrong, in one sentence"},
        "parameter": {"type": "string", "description": "the offending parameter or field"},
        "code": {"type": "string", "description": "OGC exception code (/ogc only)"},
        "description": {"type": "string"},
        "required_role": {"type": "string", "enum": ["viewer", "analyst", "editor", "admin"]},
        "errors": {"type": "object", "additionalProperties": {"type": "string"},
                   "description": "field -> message (writes)"}}}
    feature = {"type": "object", "required": ["type", "geometry", "properties"], "properties": {
        "type": {"type": "string", "enum": ["Feature"]},
        "id": {"oneOf": [{"type": "string"}, {"type": "integer"}]},
        "geometry": ref("schemas", "Geometry"),
        "properties": {"type": "object", "nullable": True},
        "links": {"type": "array", "items": ref("schemas", "Link")}}}
    collection = {"type": "object", "required": ["type", "features"], "properties": {
        "type": {"type": "string", "enum": ["FeatureCollection"]},
        "features": {"type": "array", "items": ref("schemas", "Feature")},
        "numberMatched": {"type": "integer", "minimum": 0},
        "numberReturned": {"type": "integer", "minimum": 0},
        "timeStamp": {"type": "string", "format": "date-time"},
        "links": {"type": "array", "items": ref("schemas", "Link")}}}

    def answer(text: str) -> dict[str, Any]:
        return {"description": text, "content": {JSON: {"schema": ref("schemas", "Error")}}}

    unauthorized = answer("nobody is logged in and the anonymous role may not do this")
    unauthorized["headers"] = {"WWW-Authenticate": {
        "description": 'Bearer realm="pks-geo" (+ Basic for non-browser clients)',
        "schema": {"type": "string"}}}
    return {
        "schemas": {"Link": link, "Error": error, "Geometry": _geometry(), "Feature": feature,
                    "FeatureCollection": collection},
        "responses": {
            "BadRequest": answer("a parameter has an unknown name or a bad value (named in `parameter`)"),
            "Unauthorized": unauthorized,
            "Forbidden": answer("the logged-in user's role is too low (`required_role`)"),
            "NotFound": answer("no such resource"),
            "Unavailable": answer("the database is unreachable"),
        },
        "securitySchemes": SECURITY_SCHEMES,
    }


def errors(*codes: str) -> dict[str, Any]:
    """Error responses by status code: 400, 401, 403, 404, 503."""
    names = {"400": "BadRequest", "401": "Unauthorized", "403": "Forbidden", "404": "NotFound",
             "503": "Unavailable"}
    return {code: ref("responses", names[code]) for code in codes}


def query(name: str, description: str, schema: dict[str, Any] | None = None, *,
          style: str | None = None, explode: bool | None = None) -> dict[str, Any]:
    """An optional query parameter."""
    param: dict[str, Any] = {"name": name, "in": "query", "required": False,
                             "description": description, "schema": schema or {"type": "string"}}
    if style:
        param["style"] = style
    if explode is not None:
        param["explode"] = explode
    return param


def path_param(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "description": description,
            "schema": schema or {"type": "string"}}


def content(media: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": schema}}}
