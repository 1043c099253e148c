"""The in-process cache of finished choropleth documents: hits for repeat requests, never stale."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.web import create_app


def _insert_incident(engine: Engine, external_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom,
                                  desa_kode, kecamatan_kode)
            SELECT 'uji', :ext, DATE '2019-04-10', 'bentrok', 'exact', ST_PointOnSurface(geom),
                   kode, parent_kode
            FROM admin_area WHERE kode = '74.05.01.2003'"""), {"ext": external_id})


def test_repeat_requests_hit_the_cache_and_data_changes_miss_it(empty_engine: Engine,
                                                                ks_boundary_paths: list[Path]) -> None:
    load_boundary_paths(empty_engine, ks_boundary_paths, progress=False)
    _insert_incident(empty_engine, "a")
    app = create_app({"DATABASE_URL": empty_engine.url.render_as_string(hide_password=False),
                      "TESTING": True, "MIN_CELL": 1})  # exact counts of 1 and 2 (no disclosure rule)
    client = app.test_client()
    cache = app.extensions["pks_geo.cache.responses"]
    url = "/api/v1/choropleth?level=kecamatan&metric=count"
    first = client.get(url)
    assert first.status_code == 200 and cache.misses == 1 and cache.hits == 0
    second = client.get(url)
    assert second.data == first.data and cache.hits == 1
    tinanggea = [f for f in first.get_json()["features"] if f["properties"]["kode"] == "74.05.01"][0]
    assert tinanggea["properties"]["n_incidents"] == 1
    _insert_incident(empty_engine, "b")  # the data version moves on: a fresh document
    third = client.get(url)
    assert third.status_code == 200 and cache.misses == 2
    tinanggea = [f for f in third.get_json()["features"] if f["properties"]["kode"] == "74.05.01"][0]
    assert tinanggea["properties"]["n_incidents"] == 2
    assert client.get(url + "&k=4").status_code == 200 and cache.misses == 3  # other parameters


def test_cache_can_be_switched_off(empty_engine: Engine) -> None:
    app = create_app({"DATABASE_URL": empty_engine.url.render_as_string(hide_password=False),
                      "TESTING": True, "RESPONSE_CACHE_MB": 0})
    assert app.extensions["pks_geo.cache.responses"].enabled is False
    assert app.test_client().get("/api/v1/choropleth?level=kecamatan").status_code == 200
