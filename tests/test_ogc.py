"""OGC API – Features under ``/ogc``: landing, conformance, collections, items with paging,
bbox and datetime, single features, role rules, and GDAL's OAPIF driver reading it."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date

import pyogrio
import pytest
from sqlalchemy import text

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

CORE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core"
GEOJSON = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson"


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def _json(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)


def _rels(document: dict) -> dict[str, dict]:
    return {link["rel"]: link for link in document["links"]}


def _count(ds: Dataset, sql: str, **params) -> int:  # type: ignore[no-untyped-def]
    with ds.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def test_landing_page_and_conformance(client) -> None:  # type: ignore[no-untyped-def]
    landing = _json(client.get("/ogc/"))
    rels = _rels(landing)
    assert {"self", "service-desc", "conformance", "data"} <= set(rels)
    assert rels["data"]["href"].endswith("/ogc/collections")
    assert {CORE, GEOJSON} <= set(_json(client.get("/ogc/conformance"))["conformsTo"])
    api = _json(client.get(rels["service-desc"]["href"]))
    assert api["openapi"].startswith("3.0") and "/collections/areas/items" in api["paths"]
    assert "/collections/incidents/items" not in api["paths"]  # anonymous visitors are viewers


def test_collections_list_what_the_role_may_read(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    anonymous = _json(client.get("/ogc/collections"))
    assert [c["id"] for c in anonymous["collections"]] == ["areas", "tps"]
    analyst = _json(client.get("/ogc/collections", headers=bearer(ds, "analyst")))
    assert [c["id"] for c in analyst["collections"]] == ["areas", "incidents", "tps"]
    incidents = next(c for c in analyst["collections"] if c["id"] == "incidents")
    start, end = incidents["extent"]["temporal"]["interval"][0]  # RFC 3339 date-times
    assert start == f"{ds.incidents['event_date'].min()}T00:00:00Z" and end.endswith("T23:59:59Z")
    minx, miny, maxx, maxy = _json(client.get("/ogc/collections/areas"))["extent"]["spatial"]["bbox"][0]
    assert 121.8 < minx < maxx < 123.0 and -4.6 < miny < maxy < -3.9
    assert _rels(_json(client.get("/ogc/collections/tps")))["items"]["type"] == "application/geo+json"
    assert client.get("/ogc/collections/pemilih").status_code == 404


def test_items_page_through_every_feature_once(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    total = _count(ds, "SELECT count(*) FROM admin_area")
    seen: list[str] = []
    url = "/ogc/collections/areas/items?limit=100"
    pages = 0
    while url:
        response = client.get(url)
        assert response.mimetype == "application/geo+json"
        page = _json(response)
        assert page["type"] == "FeatureCollection" and page.get("numberMatched", total) == total
        # the first page has the limit asked for; next links ask for 1,000 (GDAL 3.6 pages by 10)
        assert page["numberReturned"] == len(page["features"]) <= (100 if pages == 0 else 1000)
        rels = _rels(page)
        assert rels["self"]["type"] == "application/geo+json"
        assert rels["alternate"]["type"] == "application/json"
        assert "prev" not in rels  # next links are keyset cursors (after=<last id>), not offsets
        assert pages == 0 or "after=" in url
        seen.extend(f["id"] for f in page["features"])
        url = rels["next"]["href"].replace("http://localhost", "") if "next" in rels else None
        pages += 1
    assert pages == 2 and len(seen) == total == len(set(seen)) and seen == sorted(seen)


def test_keyset_walk_with_filters_returns_every_incident_once_and_offsets_still_work(
        client, ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(ds, "analyst")
    expected = _count(ds, "SELECT count(*) FROM incident WHERE event_date >= '2018-01-01'")
    seen: list[int] = []
    url = "/ogc/collections/incidents/items?limit=37&datetime=2018-01-01/.."
    while url:
        page = _json(client.get(url, headers=headers))
        if seen:  # keyset continuation pages leave the count out: the first page told it
            assert "numberMatched" not in page
        else:
            assert page["numberMatched"] == expected
        seen.extend(f["id"] for f in page["features"])
        rels = _rels(page)
        url = rels["next"]["href"].replace("http://localhost", "") if "next" in rels else None
    assert len(seen) == expected == len(set(seen)) and seen == sorted(seen)
    # offset paging as before (with a prev link), the same features at the same depth
    by_offset = _json(client.get("/ogc/collections/incidents/items?limit=37&offset=74&datetime=2018-01-01/..",
                                 headers=headers))
    assert [f["id"] for f in by_offset["features"]] == seen[74:111]
    assert "prev" in _rels(by_offset)
    # above the count cap numberMatched is left out (as the standard allows); paging goes on
    monkeypatch.setattr("pks_geo.feature_sql.features.COUNT_CAP", 10)
    capped = _json(client.get("/ogc/collections/incidents/items?limit=5", headers=headers))
    assert "numberMatched" not in capped and capped["numberReturned"] == 5 and "next" in _rels(capped)
    small = _json(client.get("/ogc/collections/areas/items?level=kabupaten"))
    assert small["numberMatched"] == 1
    for query in ("after=abc", "after=99999999999999999999", "offset=9223372036854775808"):
        response = client.get(f"/ogc/collections/incidents/items?{query}", headers=headers)
        assert response.status_code == 400, query
        assert response.get_json()["parameter"] == query.split("=")[0]


def test_items_filters_bbox_datetime_and_properties(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(ds, "analyst")
    frame = ds.incidents
    box = (122.0, -4.4, 122.4, -4.1)
    inside = frame[(frame["lon"] >= box[0]) & (frame["lon"] <= box[2]) & (frame["lat"] >= box[1])
                   & (frame["lat"] <= box[3])]
    page = _json(client.get("/ogc/collections/incidents/items?bbox=" + ",".join(map(str, box)) + "&limit=1",
                            headers=headers))
    assert page["numberMatched"] == len(inside) > 0 and page["numberReturned"] == 1
    period = frame[(frame["event_date"] >= date(2018, 1, 1)) & (frame["event_date"] <= date(2018, 6, 30))]
    for value in ("2018-01-01/2018-06-30", "2018-01-01T00:00:00Z/2018-06-30T23:59:59Z"):
        page = _json(client.get(f"/ogc/collections/incidents/items?datetime={value}", headers=headers))
        assert page["numberMatched"] == len(period) + 1  # and the one outside every area (2018-05-01)
    after = _json(client.get("/ogc/collections/incidents/items?datetime=2019-01-01/..", headers=headers))
    assert after["numberMatched"] == int((frame["event_date"] >= date(2019, 1, 1)).sum())
    kecamatan = _json(client.get("/ogc/collections/areas/items?level=kecamatan"))
    assert kecamatan["numberMatched"] == 25
    tps = _json(client.get("/ogc/collections/tps/items?election_code=pemilu-2019&limit=5"))
    assert tps["numberMatched"] == int((ds.tps["election_code"] == "pemilu-2019").sum())


def test_limit_is_clamped_and_bad_parameters_are_400(client) -> None:  # type: ignore[no-untyped-def]
    page = _json(client.get("/ogc/collections/tps/items?limit=50000"))
    assert page["numberReturned"] == min(page["numberMatched"], 10_000)
    for query, parameter in [("limit=0", "limit"), ("limit=abc", "limit"), ("offset=-1", "offset"),
                             ("bbox=1,2,3", "bbox"), ("bbox=122,-4,121,-3", "bbox"),
                             ("datetime=kemarin", "datetime"), ("datetime=2019-01-01/2018-01-01", "datetime"),
                             ("warna=merah", "warna"), ("f=xml", "f"), ("crs=EPSG:4326", "crs")]:
        response = client.get(f"/ogc/collections/areas/items?{query}")
        assert response.status_code == 400, query
        assert response.get_json()["parameter"] == parameter
        assert response.get_json()["code"] == "InvalidParameterValue"


def test_single_feature_and_not_found(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    feature = _json(client.get("/ogc/collections/areas/items/74.05.01"))
    assert feature["type"] == "Feature" and feature["id"] == "74.05.01"
    assert feature["properties"]["level"] == "kecamatan"
    assert {"self", "collection"} <= set(_rels(feature))
    tps_id = _count(ds, "SELECT min(id) FROM polling_site")
    assert _json(client.get(f"/ogc/collections/tps/items/{tps_id}"))["properties"]["dpt"] is not None
    assert client.get("/ogc/collections/areas/items/99.99").status_code == 404
    assert client.get("/ogc/collections/tps/items/abc").status_code == 404


def test_incidents_need_an_analyst(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/ogc/collections/incidents/items").status_code == 401
    viewer = bearer(ds, "viewer")
    assert client.get("/api/v1/choropleth", headers=viewer).status_code == 200
    for url in ("/ogc/collections/incidents", "/ogc/collections/incidents/items",
                "/ogc/collections/incidents/items/1"):
        response = client.get(url, headers=viewer)
        assert response.status_code == 403, url
    page = _json(client.get("/ogc/collections/incidents/items?limit=3", headers=bearer(ds, "analyst")))
    assert page["numberMatched"] == len(ds.incidents) + 1  # plus the one outside every area
    assert "description" in page["features"][0]["properties"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served(ds: Dataset) -> Iterator[str]:
    """``pks-geo serve`` in its own process: GDAL reads while holding the GIL, so an in-process
    server thread could not answer it."""
    port = _free_port()
    env = {**os.environ, "PKS_GEO_DATABASE_URL": ds.url}
    proc = subprocess.Popen([sys.executable, "-c", "from pks_geo.cli import main; main()", "serve",
                             "--port", str(port), "--threads", "4"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_gdal_oapif_driver_reads_the_collections(served: str, ds: Dataset) -> None:
    assert "OAPIF" in pyogrio.list_drivers()
    source = f"OAPIF:{served}/ogc"
    layers = {name for name, _ in pyogrio.list_layers(source)}
    assert layers == {"areas", "tps"}
    areas = pyogrio.read_dataframe(source, layer="areas")
    assert len(areas) == _count(ds, "SELECT count(*) FROM admin_area") == 377
    with ds.engine.connect() as conn:
        assert set(areas["kode"]) == set(conn.execute(text("SELECT kode FROM admin_area")).scalars())
    assert areas.geometry.geom_type.eq("MultiPolygon").all()
    tps = pyogrio.read_dataframe(source, layer="tps")  # > 1,000 features: GDAL follows 'next'
    assert len(tps) == len(ds.tps) > 1000
