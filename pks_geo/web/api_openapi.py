"""The OpenAPI 3.0 document of the JSON API under ``/api/v1`` (``GET /api/v1/openapi.json``).

One table, :data:`OPERATIONS`, lists every route with its least role, its query parameters
(taken from the same tuples the views validate against, so a new parameter appears here by
itself), its answer and its refusals. ``tests/test_openapi.py`` validates the document and
checks it against the app's URL map and against the views (every parameter described is
accepted; unknown ones are refused), so it cannot silently fall behind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pks_geo.export import DATASETS, FORMATS
from pks_geo.queries.filters import FILTER_PARAMETERS
from pks_geo.queries.incident_queries import FILTER_PARAMETERS as INCIDENT_PARAMETERS
from pks_geo.queries.incident_queries import TPS_PARAMETERS
from pks_geo.stats.choropleth import CHOROPLETH_PARAMETERS
from pks_geo.web.api_hotspots import ENDPOINT_PARAMETERS, STAT_PARAMETERS
from pks_geo.web.api_security import PARAMETERS as SECURITY_PARAMETERS
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

INTEGER = {"type": "integer"}
NUMBER = {"type": "number"}
PARAMETER_SCHEMAS: dict[str, dict[str, Any]] = {
    "limit": {"type": "integer", "minimum": 1}, "offset": {"type": "integer", "minimum": 0},
    "k": INTEGER, "permutations": INTEGER, "seed": INTEGER, "min_incidents": INTEGER,
    "min_points": INTEGER, "bands": INTEGER, "max_tps": INTEGER, "hours": INTEGER,
    "dpi": INTEGER, "confidence": {"type": "integer", "enum": [90, 95, 99]},
    "eps_m": NUMBER, "band_m": NUMBER, "bandwidth_m": NUMBER, "concavity": NUMBER,
    "max_km": NUMBER, "speed": NUMBER, "stop_min": NUMBER, "reserve": NUMBER,
    "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
    "lang": {"type": "string", "enum": ["id", "en"]},
    "level": {"type": "string", "enum": ["kabupaten", "kecamatan", "desa"]},
    "fdr": {"type": "boolean"}, "verified": {"type": "boolean"},
    "interval": {"type": "string", "enum": ["week", "month"]},
    "bbox": {"type": "string", "pattern": r"^-?[\d.]+,-?[\d.]+,-?[\d.]+,-?[\d.]+$"},
}
"""Types of the query parameters that are not free text; everything else is a string."""



@dataclass(frozen=True)
class Operation:
    path: str
    method: str
    summary: str
    role: str
    params: tuple[str, ...] = ()
    answer: str = "object"
    """``collection`` (GeoJSON FeatureCollection), ``feature``, ``object``, ``file``, ``none``."""
    codes: tuple[str, ...] = ("400",)
    body: bool = False
    path_params: dict[str, dict[str, Any]] = field(default_factory=dict)
    signed_in: bool = False
    """Operational data: a log-in or token is needed even when anonymous visitors may view."""


INCIDENT_ID = {"incident_id": INTEGER}
VIEW_ID = {"view_id": {"type": "string"}}

OPERATIONS: tuple[Operation, ...] = (
    Operation("/openapi.json", "get", "this document", "viewer"),
    Operation("/meta", "get", "filter options for the map", "viewer", ("lang",)),
    Operation("/areas", "get", "administrative areas", "viewer", ("level", "within", "outline"),
              "collection"),
    Operation("/choropleth", "get", "choropleth of a metric per area, with legend", "viewer",
              CHOROPLETH_PARAMETERS, "collection"),
    Operation("/hotspots", "get", "Gi* / LISA hot spots per area", "viewer",
              (*FILTER_PARAMETERS, *ENDPOINT_PARAMETERS["hotspots"], "lang"), "collection"),
    Operation("/clusters", "get", "DBSCAN incident clusters as hulls", "viewer",
              (*FILTER_PARAMETERS, *ENDPOINT_PARAMETERS["clusters"], "lang"),
              "collection", ("400", "403")),
    Operation("/heat", "get", "kernel-density heat bands", "viewer",
              (*FILTER_PARAMETERS, *ENDPOINT_PARAMETERS["heat"], "lang"),
              "collection"),
    Operation("/emerging", "get", "emerging hot spots", "viewer",
              (*FILTER_PARAMETERS, *ENDPOINT_PARAMETERS["emerging"], "lang"), "collection"),
    Operation("/emerging/compare", "get", "two-period hot-spot comparison", "viewer",
              (*FILTER_PARAMETERS, *ENDPOINT_PARAMETERS["compare"], "lang"), "collection"),
    Operation("/incidents", "get", "incidents, newest first, paged", "analyst", INCIDENT_PARAMETERS,
              "collection"),
    Operation("/incidents", "post", "record an incident", "editor", (), "feature",
              ("400", "409"), body=True),
    Operation("/incidents/{incident_id}", "get", "one incident", "analyst", (), "feature", ("404",),
              path_params=INCIDENT_ID),
    Operation("/incidents/{incident_id}", "patch", "change an incident", "editor", (), "feature",
              ("400", "404", "409"), body=True, path_params=INCIDENT_ID),
    Operation("/incidents/{incident_id}", "delete", "delete an incident", "editor", (), "none",
              ("404",), path_params=INCIDENT_ID),
    Operation("/incidents/{incident_id}/audit", "get", "an incident's audit trail", "analyst", (),
              "object", ("404",), path_params=INCIDENT_ID),
    Operation("/tps", "get", "polling sites (TPS) of one election", "viewer", TPS_PARAMETERS, "collection"),
    Operation("/views", "get", "saved views", "viewer", ("created_by",)),
    Operation("/views", "post", "save a view", "analyst", (), "object", ("400",), body=True),
    Operation("/views/{view_id}", "get", "one saved view", "viewer", (), "object", ("404",),
              path_params=VIEW_ID),
    Operation("/views/{view_id}", "delete", "delete a saved view (its creator or an admin)", "viewer",
              (), "none", ("403", "404"), path_params=VIEW_ID),
    Operation("/views/{view_id}/embed-token", "post", "a signed token for /embed/<id>", "analyst",
              ("hours",), "object", ("400", "404"), path_params=VIEW_ID),
    Operation("/export/{dataset}.{fmt}", "get", "export a dataset as a file (analyst+ for incidents, "
              "log-in for tps and patrol-plan); "
              "each dataset takes the parameters of its map or API endpoint",
              "viewer", (*CHOROPLETH_PARAMETERS, *STAT_PARAMETERS, "polsek", "max_tps", "max_km",
                         "speed", "stop_min"), "file", ("400", "401", "403"),
              path_params={"dataset": {"type": "string", "enum": list(DATASETS)},
                           "fmt": {"type": "string", "enum": list(FORMATS)}}),
    Operation("/tps-risk", "get", "risk score and category of every TPS", "viewer",
              SECURITY_PARAMETERS["tps_risk"], "collection", signed_in=True),
    Operation("/tps-risk/override", "post", "set a TPS's category by hand", "editor", (), "object",
              ("400", "404"), body=True),
    Operation("/tps-risk/override", "delete", "clear a TPS's manual category", "editor",
              ("election", "kode_tps", "reason"), "none", ("400", "404")),
    Operation("/personnel", "get", "personnel plan per Polres and Polsek", "viewer",
              SECURITY_PARAMETERS["personnel"], signed_in=True),
    Operation("/patrol-plan", "get", "patrol sectors, routes and stops", "viewer",
              SECURITY_PARAMETERS["patrol_plan"], "collection", signed_in=True),
    Operation("/security-data", "get", "operation profiles, Polres/Polsek and posts", "viewer",
              signed_in=True),
    Operation("/places", "get", "every kecamatan and desa with a label point and bounding box", "viewer"),
    Operation("/places/search", "get", "find a desa or kecamatan by name (typing slips tolerated) or code",
              "viewer", ("q",)),
    Operation("/areas/{kode}/profile", "get", "one area under the filters: incidents by kategori and "
              "month, TPS, DPT", "viewer", (*FILTER_PARAMETERS, "lang"), "object", ("400", "404"),
              path_params={"kode": {"type": "string"}}),
    Operation("/timeseries", "get", "incidents per week or month and kategori", "viewer",
              ("interval", *FILTER_PARAMETERS, "lang")),
    Operation("/views/{view_id}/embed-links", "get", "a view's active embed links", "analyst", (),
              "object", ("404",), path_params=VIEW_ID),
    Operation("/embed-links/{link_id}", "delete", "revoke an embed link (its maker, the view's creator "
              "or an admin)", "analyst", (), "object", ("403", "404"),
              path_params={"link_id": {"type": "string"}}),
    Operation("/embed-check", "get", "may a page at this site frame the embeds?", "analyst", ("site",)),
)


def _answer(op: Operation) -> dict[str, Any]:
    if op.answer == "collection":
        return {"200": content(GEOJSON, ref("schemas", "FeatureCollection"), op.summary)}
    if op.answer == "feature":
        status = "201" if op.method == "post" else "200"
        return {status: content(GEOJSON, ref("schemas", "Feature"), op.summary)}
    if op.answer == "none":
        return {"204": {"description": "done"}}
    if op.answer == "file":
        return {"200": {"description": "the file (Content-Disposition: attachment)", "content": {
            mimetype: {"schema": {"type": "string", "format": "binary"}}
            for _, mimetype in FORMATS.values()}}}
    status = "201" if op.method == "post" else "200"
    return {status: content(JSON, {"type": "object"}, op.summary)}


def _operation(op: Operation) -> dict[str, Any]:
    public = op.role == "viewer" and not op.signed_in
    refusals = () if public else ("401", "403")
    codes = dict.fromkeys((*op.codes, *refusals, "503"))
    parameters = [path_param(name, name, schema) for name, schema in op.path_params.items()]
    parameters += [query(name, name, PARAMETER_SCHEMAS.get(name)) for name in dict.fromkeys(op.params)
                   if name != "_"]
    operation: dict[str, Any] = {
        "summary": op.summary,
        "description": f"Least role: **{op.role}**" + ("" if public else ", logged in") + ".",
        "operationId": op.method + "_" + re.sub(r"[^a-z0-9]+", "_", op.path.lower()).strip("_"),
        "security": ANYONE if public else LOGGED_IN,
        "x-min-role": op.role,
        "parameters": parameters,
        "responses": {**_answer(op), **errors(*[c for c in codes if c in
                                                ("400", "401", "403", "404", "503")])},
    }
    if "409" in codes:
        operation["responses"]["409"] = content(JSON, ref("schemas", "Error"), "a duplicate external_id")
    if op.method in ("post", "patch") and op.answer == "feature":
        operation["responses"]["422"] = content(JSON, ref("schemas", "Error"), "values that break a rule")
    if op.body:
        operation["requestBody"] = {"required": True, "content": {
            JSON: {"schema": {"type": "object"}}, GEOJSON: {"schema": ref("schemas", "Feature")}}
            if op.answer == "feature" else {JSON: {"schema": {"type": "object"}}}}
    return operation


def api_document(base_url: str) -> dict[str, Any]:
    """OpenAPI 3.0 for every route under ``/api/v1``."""
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op)
    return {
        "openapi": "3.0.3",
        "info": {"title": "pks-geo API", "version": "1",
                 "description": "Maps, statistics, incidents, TPS, security planning and exports of "
                                "pks-geo. Errors are JSON `{\"error\", \"parameter\"}`; writes answer "
                                "`{\"errors\": {field: message}}`."},
        "servers": [{"url": base_url}],
        "paths": paths,
        "components": components(),
    }
