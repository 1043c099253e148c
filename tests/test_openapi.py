"""Both OpenAPI 3.0 documents (``/ogc/api`` and ``/api/v1/openapi.json``) are valid, served as
the landing page advertises, and complete: every route of the app under ``/api/v1`` and
``/ogc`` is in them, and every parameter they describe is one the view accepts."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
LENIENT = {"/meta", "/areas", "/views", "/security-data"}


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def app(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True})


def _document(app, url: str, headers: dict[str, str] | None = None) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = app.test_client().get(url, headers=headers or {})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == OPENAPI
    document = json.loads(response.data)
    validate(document)
    return document


def _template(path: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?[a-z_]+>|\{[A-Za-z_]+\}", "{}", path)


def _routes(app, prefix: str) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(prefix):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((_template(rule.rule[len(prefix):] or "/"), method.lower()))
    return routes


def _documented(document: dict[str, Any]) -> set[tuple[str, str]]:
    return {(_template(path), method) for path, item in document["paths"].items() for method in item}


def test_api_v1_document_covers_every_route(app, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    document = _document(app, "/api/v1/openapi.json")
    assert _routes(app, "/api/v1") == _documented(document)
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearerToken"]["scheme"] == "bearer" and schemes["basicToken"]["scheme"] == "basic"
    incidents = document["paths"]["/incidents"]["get"]
    assert {"401", "403", "400"} <= set(incidents["responses"])
    assert {"bearerToken": []} in incidents["security"] and {} not in incidents["security"]
    assert document["servers"][0]["url"] == "http://localhost/api/v1"


def test_operational_routes_say_they_need_a_log_in(app, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    """The document marks exactly the views that refuse anonymous visitors whatever their role."""
    document = _document(app, "/api/v1/openapi.json")
    marked = {path for path, item in document["paths"].items()
              if item.get("get", {}).get("x-min-role") == "viewer" and {} not in item["get"]["security"]}
    guarded = {_template(rule.rule[len("/api/v1"):]) for rule in app.url_map.iter_rules()
               if rule.rule.startswith("/api/v1") and "GET" in rule.methods
               and getattr(app.view_functions[rule.endpoint], "signed_in", False)}
    assert guarded == {"/tps-risk", "/personnel", "/patrol-plan", "/security-data"}
    assert guarded == {_template(path) for path in marked}
    client = app.test_client()
    for path in guarded:
        assert client.get("/api/v1" + path).status_code == 401, path


def _sample(schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return str(schema["enum"][0])
    return {"integer": "1", "number": "1", "boolean": "true"}.get(schema.get("type", ""), "x") \
        if schema.get("format") != "date" else "2019-01-01"


def test_every_documented_parameter_is_accepted(app, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    """Sent all at once, no documented parameter is refused as unknown; an undocumented one is."""
    client = app.test_client()
    headers = bearer(ds, "editor")
    document = _document(app, "/api/v1/openapi.json")
    checked, lenient = 0, set()
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None or "{" in path or path == "/openapi.json":
            continue
        names = {p["name"]: _sample(p["schema"]) for p in operation["parameters"] if p["in"] == "query"}
        response = client.get("/api/v1" + path, query_string=names, headers=headers)
        if response.status_code == 400:
            assert "unknown parameter" not in response.get_json()["error"], (path, response.get_json())
        unknown = client.get("/api/v1" + path, query_string={"zz_undocumented": "1"}, headers=headers)
        if unknown.status_code == 400:
            assert unknown.get_json()["parameter"] == "zz_undocumented", path
        else:
            lenient.add(path)
        checked += 1
    assert checked >= 15
    assert lenient == LENIENT  # these ignore unknown names (older endpoints); all others refuse them


def test_ogc_document_covers_every_route_and_parameter(app, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    headers = bearer(ds, "analyst")
    landing = json.loads(client.get("/ogc/").data)
    desc = next(link for link in landing["links"] if link["rel"] == "service-desc")
    assert desc["type"] == OPENAPI
    document = _document(app, "/ogc/api", headers)
    routes = {(path.replace("{}", "areas", 1) if path.startswith("/collections/{}") else path, method)
              for path, method in _routes(app, "/ogc")}
    documented = _documented(document)
    for collection in ("areas", "incidents", "tps"):
        expected = {(p.replace("/collections/{}", f"/collections/{collection}"), m)
                    for p, m in _routes(app, "/ogc") if p.startswith("/collections/{}")}
        assert {(_template(p), m) for p, m in expected} <= documented, collection
    assert {r for r in routes if not r[0].startswith("/collections/")} <= documented
    assert "/collections/incidents/items" not in _document(app, "/ogc/api")["paths"]  # anonymous
    for collection in ("areas", "incidents", "tps"):
        operation = document["paths"][f"/collections/{collection}/items"]["get"]
        for param in operation["parameters"]:
            value = {"bbox": "122,-5,123,-4", "datetime": "2019-01-01/..", "f": "json",
                     "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                     "bbox-crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                     "filter-crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84",
                     "filter": "id IS NOT NULL", "sortby": "-id", "filter-lang": "cql2-text",
                     "properties": {"areas": "nama", "incidents": "kategori", "tps": "dpt"}[collection],
                     "after": "74.05" if collection == "areas" else "1"}.get(param["name"],
                                                                              _sample(param["schema"]))
            response = client.get(f"/ogc/collections/{collection}/items",
                                  query_string={param["name"]: value}, headers=headers)
            assert response.status_code == 200, (collection, param["name"], response.data[:200])
        schema = document["components"]["schemas"][f"{collection}Feature"]
        assert schema["allOf"][1]["properties"]["properties"]["properties"]
