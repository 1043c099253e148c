"""No request parameter makes the server fail (issue 13): a bounded hypothesis fuzz over every GET
operation the two OpenAPI documents describe (``/api/v1/openapi.json`` and ``/ogc/api``, read as
an admin so that every operation is in them), with each documented parameter either left out, a
value valid for its schema (enum members, the data's real codes, integers, numbers, dates,
booleans) or a hostile one (NUL bytes, integers past 64 bits, ``nan``/``inf``, impossible dates,
quotes, 5,000 characters, non-ASCII), requested as an admin or as an anonymous visitor (whose
answers take the disclosure-control paths). Every answer must be below 500, and a 400 must say what
was wrong as JSON naming the parameter. Derandomised (the same examples every run) and bounded to
well under a minute; the named inputs of the issue (NUL in ``election``, ``source``,
``created_by``, OGC ``kategori``; OGC ``offset=9223372036854775808``) are checked explicitly."""

from __future__ import annotations

import json
import re
import time
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from pks_geo.maps.views import create_view
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

SLOTS = 44
"""Test slots for operations (parametrised before the documents can be read); more operations fail."""
EXAMPLES = 30
"""Requests per operation (43 operations): ~820 distinct requests, ~12 s of requests, ~25 s with the
set-up (80 per operation with other seeds, and 60 with both identities, found nothing more)."""
HOSTILE = ["\x00", "a\x00b", "", " ", "-1", "0", "9223372036854775808", "-9223372036854775809",
           "1e309", "nan", "inf", "-inf", "2019-02-30", "0000-01-01", "99999-01-01", "%", "'", '"', "\\",
           "';--", ",,,", "1,2", "[]", "{}", "../../etc/passwd", "é", "日本", "x" * 5000, "\t", "\r\n",
           "true", "null", "<script>"]
TIMINGS: dict[str, float] = {}


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def world(ds: Dataset) -> dict[str, Any]:
    app = create_app({"DATABASE_URL": ds.url, "TESTING": False})  # a real 500, not a raised exception
    client = app.test_client()
    headers = bearer(ds, "admin")
    view = create_view(ds.engine, {"title": "Uji fuzz", "metric": "count", "filters": {"level": "desa"}},
                       actor="test")
    with ds.engine.connect() as conn:
        incident = conn.execute(text("SELECT min(id) FROM incident")).scalar_one()
        kecamatan, desa = conn.execute(text(
            "SELECT parent_kode, kode FROM admin_area WHERE level = 'desa' ORDER BY kode LIMIT 1")).one()
        elections = conn.execute(text("SELECT code FROM election")).scalars().all()
        sources = conn.execute(text("SELECT DISTINCT source FROM incident")).scalars().all()
    meta = client.get("/api/v1/meta", headers=headers).get_json()
    known: dict[str, list[str]] = {
        "election": elections, "previous": elections, "election_code": elections, "source": sources,
        "kategori": ["bentrok", "politik_uang", "bentrok,kerusuhan"], "within": [kecamatan],
        "kecamatan": [kecamatan], "kecamatan_kode": [kecamatan], "desa": [desa], "desa_kode": [desa],
        "parent_kode": [kecamatan], "kode": [desa, kecamatan], "stage": ["kampanye", "pemungutan_suara"],
        "metric": list(meta.get("metrics") or ["count"]), "scheme": ["quantiles", "fisher_jenks", "manual"],
        "breaks": ["1,5,10", "5"], "method": ["gi_star", "lisa"], "weights": ["queen", "knn", "distance"],
        "status": ["verified", "draft"], "bbox": ["122.0,-4.5,122.5,-4.0", "122.5,-4.0,122.0,-4.5"],
        "datetime": ["2018-01-01/2019-12-31", "../2019-01-01", "2019-01-01"],
        "filter": ["kategori = 'bentrok'", "kategori IN ('bentrok','kerusuhan')"],
        "filter-lang": ["cql2-text", "cql2-json"], "sortby": ["-event_date", "kode"],
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84", "http://www.opengis.net/def/crs/EPSG/0/4326"],
        "f": ["json", "geojson", "html"], "hull": ["convex", "concave"], "points": ["true", "false"],
        "window": ["stage", "month"], "smooth": ["eb", "none"], "profile": ["pemilu"],
        "view_id": [view.id], "incident_id": [str(incident)], "featureId": [desa, str(incident)],
        "q": ["a", "Tinanggea"], "interval": ["week", "month"], "created_by": ["test"],
        "site": ["https://peta.kantor.go.id"],
    }
    operations = []
    for prefix, url in (("/api/v1", "/api/v1/openapi.json"), ("/ogc", "/ogc/api")):
        document = client.get(url, headers=headers).get_json()
        shared = document["components"].get("parameters", {})
        for path, item in document["paths"].items():
            if "get" in item:
                params = [shared[p["$ref"].split("/")[-1]] if "$ref" in p else p
                          for p in item["get"].get("parameters", [])]
                operations.append((prefix + path, params))
    return {"client": client, "headers": headers, "known": known, "operations": operations}


def _values(name: str, schema: dict[str, Any], known: dict[str, list[str]]) -> st.SearchStrategy[str]:
    hostile = st.sampled_from(HOSTILE)
    kind = schema.get("type")
    if "enum" in schema:
        valid: st.SearchStrategy[str] = st.sampled_from([str(v) for v in schema["enum"]])
    elif kind == "integer":
        valid = st.integers(-(2**70), 2**70).map(str) | st.integers(0, 50).map(str)
    elif kind == "number":
        valid = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers(0, 5000).map(str)
    elif kind == "boolean":
        valid = st.sampled_from(["true", "false", "1", "0", "yes"])
    elif schema.get("format") == "date":
        valid = st.dates().map(lambda d: d.isoformat())
    else:
        valid = st.text(max_size=30)
    if name in known:
        valid = st.sampled_from(known[name]) | valid
    return st.one_of(valid, valid, hostile)


def _request(world: dict[str, Any], path: str, query: dict[str, str], who: str = "admin") -> Any:
    encoded = "&".join(f"{quote(k)}={quote(v, safe='')}" for k, v in query.items())
    url = path + ("?" + encoded if encoded else "")
    started = time.perf_counter()
    response = world["client"].get(url, headers=world["headers"] if who == "admin" else {})
    TIMINGS[url[:200]] = time.perf_counter() - started
    return url, response


def _check(url: str, response: Any) -> None:
    assert response.status_code < 500, f"{url} -> {response.status_code}: {response.data[:300]!r}"
    if response.status_code == 400:
        body = json.loads(response.data)
        assert body.get("error"), url
        # a refused parameter is named (OGC: its own name or the filter it is part of)
        assert body.get("parameter") or body.get("code"), f"{url}: {body}"


@pytest.mark.parametrize("index", range(SLOTS))
def test_fuzz_documented_parameters(world: dict[str, Any], index: int) -> None:
    operations = world["operations"]
    assert 35 <= len(operations) <= SLOTS, [p for p, _ in operations]  # both documents read; raise SLOTS
    if index >= len(operations):
        assert index >= len(operations)  # fewer operations than slots: nothing more to fuzz
        return
    path, params = operations[index]
    query_params = [p for p in params if p["in"] == "query"]
    path_params = [p for p in params if p["in"] == "path"]
    known = world["known"]
    strategies = {p["name"]: st.none() | _values(p["name"], p.get("schema", {}), known) for p in query_params}
    fills = {p["name"]: st.sampled_from(known.get(p["name"]) or [str(v) for v in p["schema"]["enum"]])
             | st.sampled_from(HOSTILE[:4] + ["zz"]) for p in path_params}

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(query=st.fixed_dictionaries(strategies), where=st.fixed_dictionaries(fills),
           who=st.sampled_from(["admin", "anonymous"]))
    def run(query: dict[str, str | None], where: dict[str, str], who: str) -> None:
        concrete = path
        for name, value in where.items():
            concrete = concrete.replace("{" + name + "}", quote(value, safe="") or "x")
        url, response = _request(world, concrete, {k: v for k, v in query.items() if v is not None}, who)
        _check(url, response)

    run()


NAMED = [
    ("/api/v1/choropleth?level=desa&election=%00", "election"),
    ("/api/v1/incidents?source=%00", "source"),
    ("/api/v1/incidents?q=%00", "q"),
    ("/api/v1/views?created_by=%00", "created_by"),
    ("/api/v1/tps?election=%00", "election"),
    ("/api/v1/tps-risk?election=%00", "election"),
    ("/ogc/collections/incidents/items?kategori=%00", "kategori"),
    ("/ogc/collections/incidents/items?offset=9223372036854775808", "offset"),
    ("/ogc/collections/areas/items?offset=9223372036854775808", "offset"),
    ("/api/v1/areas/%00/profile", "kode"),
]


@pytest.mark.parametrize(("url", "parameter"), NAMED)
def test_named_inputs_are_400_naming_the_parameter(world: dict[str, Any], url: str, parameter: str) -> None:
    response = world["client"].get(url, headers=world["headers"])
    assert response.status_code == 400, (url, response.status_code, response.data[:300])
    body = json.loads(response.data)
    assert body["parameter"] == parameter, body
    assert re.search(parameter, body["error"]) or "NUL" in body["error"] or "at most" in body["error"], body


def test_fuzz_stayed_fast() -> None:
    """Runs after the fuzz: report the slowest requests; none may take 10 s."""
    if TIMINGS:
        slow = sorted(TIMINGS.items(), key=lambda kv: -kv[1])[:5]
        print("\nslowest:", [(u[:90], round(t, 2)) for u, t in slow], f"total {sum(TIMINGS.values()):.1f} s "
              f"over {len(TIMINGS)} requests")
        assert slow[0][1] < 10, slow[0]


@pytest.mark.parametrize(("method", "url", "body", "parameter"), [
    ("post", "/api/v1/incidents", {"event_date": "2019-01-01", "kategori": "bentrok", "source": "uji",
                                   "description": "a\x00b", "lat": -4.3, "lon": 122.4}, "description"),
    ("post", "/api/v1/views", {"title": "a\x00b", "metric": "count", "filters": {"level": "desa"}}, "title"),
    ("post", "/api/v1/views", {"title": "t", "metric": "count",
                               "filters": {"level": "desa", "kategori": ["x\x00"]}}, "filters.kategori[0]"),
    ("form", "/login", {"username": "admin\x00", "password": "x"}, "username"),
])
def test_nul_in_a_body_is_400_naming_the_field(world: dict[str, Any], method: str, url: str,
                                                body: dict[str, Any], parameter: str) -> None:
    """Bodies too (these were 500s: the log-in form's user name, an incident's text, a view's title)."""
    client = world["client"]
    if method == "form":
        response = client.post(url, data=body)
    else:
        response = client.post(url, json=body, headers=world["headers"])
    assert response.status_code == 400, (url, response.status_code, response.data[:300])
    answer = json.loads(response.data)
    assert answer["parameter"] == parameter and "NUL" in answer["error"], answer
    assert answer["errors"] == {parameter: "must not contain a NUL byte"}
