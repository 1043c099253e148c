"""OGC API – Features Part 3 on /ogc: CQL2 text and JSON filters (bound, never spliced),
sortby, properties, queryables, and bbox tested against the geometry itself."""

from __future__ import annotations

import json
from typing import Any

import pytest
from shapely.geometry import box, shape
from sqlalchemy import text

from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset

ITEMS = "/ogc/collections/incidents/items"


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(ds: Dataset):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": ds.url, "TESTING": True}).test_client()


def count(ds: Dataset, where: str, **params: Any) -> int:
    with ds.engine.connect() as conn:
        return conn.execute(text(f"SELECT count(*) FROM incident i WHERE {where}"), params).scalar_one()


def page(client, ds: Dataset, **args: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    response = client.get(ITEMS, query_string={"limit": "10000", **args}, headers=bearer(ds, "analyst"))
    assert response.status_code == 200, response.data[:300]
    return json.loads(response.data)


def some_kategori(ds: Dataset) -> str:
    with ds.engine.connect() as conn:
        return conn.execute(text("SELECT kategori FROM incident GROUP BY 1 ORDER BY count(*) DESC")).scalar()


def test_cql2_text_and_json_filters_match_sql(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    kategori = some_kategori(ds)
    expected = count(ds, "kategori = :k AND event_date >= '2019-01-01'", k=kategori)
    assert 0 < expected
    by_text = page(client, ds, filter=f"kategori = '{kategori}' AND event_date >= DATE('2019-01-01')")
    assert by_text["numberMatched"] == len(by_text["features"]) == expected
    since = {"op": ">=", "args": [{"property": "event_date"}, {"date": "2019-01-01"}]}
    as_json = {"op": "and", "args": [{"op": "=", "args": [{"property": "kategori"}, kategori]}, since]}
    by_json = page(client, ds, filter=json.dumps(as_json), **{"filter-lang": "cql2-json"})
    assert by_json["numberMatched"] == expected
    for cql, where in [
        ("meninggal > 0 OR luka BETWEEN 1 AND 3", "meninggal > 0 OR luka BETWEEN 1 AND 3"),
        ("kategori IN ('politik_uang', 'intimidasi') AND NOT (luka IS NULL)",
         "kategori IN ('politik_uang', 'intimidasi') AND luka IS NOT NULL"),
        ("desa_kode LIKE '74.05.01.%'", "desa_kode LIKE '74.05.01.%'"),
        ("S_INTERSECTS(geometry, BBOX(122.2, -4.4, 122.5, -4.1))",
         "ST_Intersects(geom, ST_MakeEnvelope(122.2, -4.4, 122.5, -4.1, 4326))"),
        ("S_WITHIN(geometry, POLYGON((122.2 -4.4, 122.5 -4.4, 122.5 -4.1, 122.2 -4.1, 122.2 -4.4)))",
         "ST_Within(geom, ST_MakeEnvelope(122.2, -4.4, 122.5, -4.1, 4326))"),
    ]:
        assert page(client, ds, filter=cql)["numberMatched"] == count(ds, where), cql
    after = {"op": "t_after", "args": [{"property": "event_date"}, {"date": "2019-03-01"}]}
    assert page(client, ds, filter=json.dumps(after), **{"filter-lang": "cql2-json"})["numberMatched"] \
        == count(ds, "event_date > '2019-03-01'")


def test_filter_values_are_bound_not_spliced(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    hostile = {"op": "=", "args": [{"property": "kategori"}, "x' OR '1'='1"]}  # quotes in a value
    assert page(client, ds, filter=json.dumps(hostile), **{"filter-lang": "cql2-json"})["numberMatched"] == 0
    drop = page(client, ds, filter="kategori = 'a; DROP TABLE incident; --'")
    assert drop["numberMatched"] == 0 and count(ds, "TRUE") > 0


@pytest.mark.parametrize(("args", "parameter"), [
    ({"filter": "nope = 1"}, "filter"),  # not a queryable
    ({"filter": "kategori = "}, "filter"),  # not CQL2
    ({"filter": "kategori > 5"}, "filter"),  # text against a number: PostgreSQL refuses
    ({"filter": "kategori = 'a'", "filter-lang": "sql"}, "filter-lang"),
    ({"filter": "{not json", "filter-lang": "cql2-json"}, "filter"),
    ({"sortby": "pg_sleep"}, "sortby"),
    ({"properties": "kategori,password_hash"}, "properties"),
    ({"sortby": "event_date", "after": "5"}, "after"),
])
def test_bad_part3_parameters_are_400(client, ds: Dataset, args: dict[str, str], parameter: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(ITEMS, query_string=args, headers=bearer(ds, "analyst"))
    assert response.status_code == 400, response.data[:300]
    assert response.get_json()["parameter"] == parameter


def test_sortby_pages_through_everything_in_order(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    headers = bearer(ds, "analyst")
    url: str | None = f"{ITEMS}?sortby=-event_date,id&limit=40&properties=event_date"
    seen: list[tuple[str, int]] = []
    while url:
        body = json.loads(client.get(url, headers=headers).data)
        assert all(set(f["properties"]) == {"event_date"} for f in body["features"])
        seen.extend((f["properties"]["event_date"], f["id"]) for f in body["features"])
        nxt = [link["href"] for link in body["links"] if link["rel"] == "next"]
        url = nxt[0].replace("http://localhost", "") if nxt else None
    assert len(seen) == len({fid for _, fid in seen}) == count(ds, "TRUE")
    dates = [d for d, _ in seen]
    assert dates == sorted(dates, reverse=True)


def test_queryables_describe_the_properties(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/ogc/collections/incidents/queryables", headers=bearer(ds, "analyst"))
    assert response.status_code == 200 and response.mimetype == "application/schema+json"
    schema = json.loads(response.data)
    assert schema["properties"]["meninggal"]["type"] == ["integer", "null"]
    assert schema["properties"]["event_date"]["format"] == "date"
    assert "geometry" in schema["properties"]
    assert client.get("/ogc/collections/incidents/queryables").status_code == 401
    links = json.loads(client.get("/ogc/collections/areas").data)["links"]
    assert any(link["rel"].endswith("/queryables") for link in links)


def test_bbox_tests_the_geometry_not_its_box(client, ds: Dataset) -> None:  # type: ignore[no-untyped-def]
    bbox = (122.30, -4.30, 122.32, -4.28)
    body = json.loads(client.get("/ogc/collections/areas/items",
                                 query_string={"bbox": ",".join(map(str, bbox)), "limit": "1000"}).data)
    assert body["features"]
    window = box(*bbox)
    assert all(shape(f["geometry"]).intersects(window) for f in body["features"])
    with ds.engine.connect() as conn:
        by_box = conn.execute(text("SELECT count(*) FROM admin_area WHERE geom && "
                                   "ST_MakeEnvelope(122.30, -4.30, 122.32, -4.28, 4326)")).scalar_one()
    assert by_box >= len(body["features"])
