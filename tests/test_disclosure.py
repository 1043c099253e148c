"""The disclosure policy on a small planted world: exact for analysts, a minimum cell below.

Desa A holds 2 incidents (a small cell), desa B a tight group of 6. The crawler
(test_disclosure_crawler.py) walks every route; these tests pin the rules themselves: the
choropleth cache keyed by the policy, generalised cluster hulls, heat bands and the setting.
"""

from __future__ import annotations

import numpy as np
import orjson
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.auth import tokens, users
from pks_geo.config import ConfigError, Settings
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.queries.disclosure import CLUSTER_GRID_M, EXACT, Disclosure
from pks_geo.web import create_app

DESA_A = "74.05.01.2003"
DESA_B = "74.05.08.1001"
PLANT_SQL = text("""
WITH a AS (SELECT kode, parent_kode, geom FROM admin_area WHERE kode = :kode),
     p AS (SELECT (ST_Dump(ST_GeneratePoints(ST_Buffer(ST_PointOnSurface(a.geom)::geography, :r)::geometry,
                                             :n, 11))).geom AS geom FROM a)
INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom, desa_kode,
                      kecamatan_kode, meninggal)
SELECT 'uji', :kode || '-' || row_number() OVER (), DATE '2024-03-05' + CAST(row_number() OVER () AS integer),
       'bentrok', 'exact', p.geom, a.kode, a.parent_kode, 1
FROM p, a RETURNING ST_X(geom), ST_Y(geom)
""")


@pytest.fixture(scope="module")
def planted(database_factory, ks_boundary_paths):  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine: Engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        a = conn.execute(PLANT_SQL, {"kode": DESA_A, "n": 2, "r": 300}).all()
        b = conn.execute(PLANT_SQL, {"kode": DESA_B, "n": 6, "r": 400}).all()
    users.add_user(engine, "teliti", "analyst", "password-12345", actor="test")
    token = tokens.create_token(engine, "teliti", actor="test")[1]
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    return app.test_client(), {"Authorization": f"Bearer {token}"}, np.array(a), np.array(b)


def _geom(geometry: dict) -> shapely.Geometry:
    return shapely.from_geojson(orjson.dumps(geometry).decode())


def _props(body: dict, kode: str) -> dict:
    return next(f["properties"] for f in body["features"] if f["properties"]["kode"] == kode)


def test_choropleth_suppresses_small_cells_and_never_serves_an_analysts_answer_to_a_viewer(planted) -> None:  # type: ignore[no-untyped-def]
    client, analyst, _, _ = planted
    url = "/api/v1/choropleth?level=desa"
    exact = client.get(url, headers=analyst)  # first into the cache
    seen = client.get(url)
    assert exact.headers["ETag"] != seen.headers["ETag"]
    assert _props(exact.json, DESA_A)["n_incidents"] == 2 and "suppressed" not in _props(exact.json, DESA_A)
    a, b = _props(seen.json, DESA_A), _props(seen.json, DESA_B)
    assert (a["value"], a["n_incidents"], a["class"], a["rank"]) == (None, None, None, None)
    assert a["suppressed"] is True
    assert (b["value"], b["n_incidents"], b["suppressed"]) == (6, 6, False)
    assert seen.json["disclosure"] == {"level": "aggregate", "min_cell": 3}
    assert seen.json["legend"]["suppressed"]["count"] == 1
    assert seen.json["legend"]["suppressed"]["label"] == "< 3 (disamarkan)"
    assert seen.json["legend"]["labels"][1:] == ["3–6"]  # a count class starts at the minimum cell
    assert client.get(url, headers=analyst).json == exact.json  # still exact from the cache
    assert client.get(url).json == seen.json
    # casualties: 2 deaths in A are suppressed as a count of their own
    deaths = client.get("/api/v1/choropleth?level=desa&metric=meninggal").json
    assert _props(deaths, DESA_A)["value"] is None and _props(deaths, DESA_B)["value"] == 6


def test_cluster_hulls_are_grid_squares_below_analyst(planted) -> None:  # type: ignore[no-untyped-def]
    client, analyst, a, b = planted
    url = "/api/v1/clusters?min_points=3&eps_m=2000"
    exact = client.get(url, headers=analyst).json
    seen = client.get(url).json
    vertices = np.vstack([shapely.get_coordinates(_geom(f["geometry"])) for f in exact["features"]])
    assert any((np.abs(vertices - p).max(axis=1) < 1e-6).any() for p in b)  # analyst hull: incidents
    assert seen["n_clusters"] == 1 and seen["features"][0]["properties"]["count"] == 6
    props = seen["features"][0]["properties"]
    assert props["first_date"] == "2024-03" and props["days"] is None
    geom = _geom(seen["features"][0]["geometry"])
    xy = shapely.get_coordinates(geom)
    assert not any(np.abs(xy - p).max(axis=1).min() < 1e-5 for p in np.vstack([a, b]))
    to_utm = Transformer.from_crs(4326, 32751, always_xy=True)
    x, y = to_utm.transform(xy[:, 0], xy[:, 1])
    assert np.abs(np.asarray(x) / CLUSTER_GRID_M - np.round(np.asarray(x) / CLUSTER_GRID_M)).max() < 0.01
    assert np.abs(np.asarray(y) / CLUSTER_GRID_M - np.round(np.asarray(y) / CLUSTER_GRID_M)).max() < 0.01
    assert all(shapely.contains_xy(geom, p[0], p[1]) for p in b)  # the hull still covers its incidents


def test_heat_draws_no_band_around_fewer_than_the_minimum(planted) -> None:  # type: ignore[no-untyped-def]
    client, analyst, a, b = planted
    only_a = "/api/v1/heat?min_incidents=1&bandwidth_m=300&within=74.05.01"
    assert client.get(only_a, headers=analyst).json["features"]  # an analyst sees the 2 incidents' heat
    refused = client.get(only_a).json
    assert refused["insufficient_data"] is True and refused["min_incidents"] == 3
    assert refused["n_incidents"] is None and refused["features"] == []
    both = client.get("/api/v1/heat?min_incidents=1&bandwidth_m=300").json
    assert both["n_incidents"] == 8 and both["features"]
    parts = [p for f in both["features"]
             for p in shapely.get_parts(_geom(f["geometry"]))]
    shells = [shapely.Polygon(shapely.get_exterior_ring(p)) for p in parts]
    assert not any(shapely.contains_xy(shell, *a.T).any() for shell in shells)
    assert any(shapely.contains_xy(p, *b.T).any() for p in parts)


def test_profile_and_series_of_a_small_cell(planted) -> None:  # type: ignore[no-untyped-def]
    client, analyst, _, _ = planted
    profile = client.get(f"/api/v1/areas/{DESA_A}/profile").json
    assert profile["suppressed"] is True and profile["n_incidents"] is None and profile["by_kategori"] == []
    assert all(m["count"] in (None, 0) for m in profile["monthly"]) and profile["min_cell"] == 3
    assert client.get(f"/api/v1/areas/{DESA_A}/profile", headers=analyst).json["n_incidents"] == 2


def test_the_data_range_is_whole_months_below_analyst(planted) -> None:  # type: ignore[no-untyped-def]
    client, analyst, _, _ = planted
    exact = client.get("/api/v1/meta", headers=analyst).json["data_range"]
    seen = client.get("/api/v1/meta").json["data_range"]
    assert (exact["from"], exact["to"], exact["n_incidents"]) == ("2024-03-06", "2024-03-11", 8)
    assert (seen["from"], seen["to"], seen["n_incidents"]) == ("2024-03-01", "2024-03-31", 8)


def test_the_rule_itself_and_its_setting() -> None:
    policy = Disclosure(min_cell=3)
    assert [policy.count(n) for n in (0, 1, 2, 3, None)] == [0, None, None, 3, None]
    assert policy.key == "min_cell=3" and EXACT.key == "exact" and Disclosure(min_cell=1).active is False
    assert policy.area_mask([0, 1, 5, 5], [0, 1, 2, 5], "meninggal").tolist() == [False, True, True, False]
    assert policy.floor(1) == 3 and EXACT.floor(1) == 1
    assert Settings.from_env({"PKS_GEO_MIN_CELL": "5"}).min_cell == 5 and Settings.from_env({}).min_cell == 3
    with pytest.raises(ConfigError, match="PKS_GEO_MIN_CELL"):
        Settings.from_env({"PKS_GEO_MIN_CELL": "0"})
