"""Vector tiles: decoded features and attributes over Konawe Selatan, choropleth attributes that
agree with /api/v1/choropleth, empty tiles, 400/403/404, TileJSON, ETag/304 and the cache
following data changes, and the Leaflet module drawing tiles in headless Chromium."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import mapbox_vector_tile
import pytest
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.config import Settings
from pks_geo.db import get_engine
from pks_geo.feature_sql.tiles import TileAddress, parse_tile, tile_bounds_3857
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize
from pks_geo.queries.filters import ParameterError
from pks_geo.web import create_app
from pks_geo.web.response_cache import ResponseCache as TileCache


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int, int]:
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


KS_TILE = tile_of(122.40, -4.20, 10)
"""A zoom-10 tile in the middle of Konawe Selatan (Konda, Landono, Ranomeeto, ...)."""
SEA_TILE = tile_of(-30.0, 0.0, 10)
"""The Atlantic: no area of ours is anywhere near."""


@dataclass
class World:
    engine: Engine
    url: str
    headers: dict[str, dict[str, str]]


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths) -> World:  # type: ignore[no-untyped-def]
    """A database of its own: Konawe Selatan, the elections, 3,000 synthetic incidents and
    600 TPS, and a viewer and an analyst with API tokens."""
    url = database_factory.create()
    engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "elections.toml")
    synthesize(engine, incidents=3000, tps=600, seed=5, election="pilkada-2024")
    headers = {}
    for role in ("viewer", "analyst"):
        add_user(engine, f"tiles-{role}", role, "password-12345", actor="test")
        token = create_token(engine, f"tiles-{role}", actor="test")[1]
        headers[role] = {"Authorization": f"Bearer {token}"}
    return World(engine, url, headers)


@pytest.fixture(scope="module")
def client(world: World):  # type: ignore[no-untyped-def]
    # exact counts (MIN_CELL 1); suppression below analyst is tested in test_disclosure.py
    return create_app({"DATABASE_URL": world.url, "TESTING": True, "MIN_CELL": 1}).test_client()


def tile_path(layer: str, tile: tuple[int, int, int], query: str = "") -> str:
    z, x, y = tile
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf" + (f"?{query}" if query else "")


def decode(response) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.data[:300]
    assert response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)


def areas_in_tile(engine: Engine, level: str, tile: tuple[int, int, int], margin: float = 0.0) -> set[str]:
    z, x, y = tile
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT kode FROM admin_area WHERE level = :level AND ST_Intersects(geom, "
            "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => :m), 4326))"),
            {"level": level, "z": z, "x": x, "y": y, "m": margin})
        return {row[0] for row in rows}


def test_desa_tile_over_konawe_selatan_has_the_desa_with_kode_and_nama(client, world: World) -> None:  # type: ignore[no-untyped-def]
    layers = decode(client.get(tile_path("areas-desa", KS_TILE)))
    assert list(layers) == ["areas-desa"]
    features = layers["areas-desa"]["features"]
    kodes = {f["properties"]["kode"] for f in features}
    inside = areas_in_tile(world.engine, "desa", KS_TILE, margin=-0.05)
    around = areas_in_tile(world.engine, "desa", KS_TILE, margin=64 / 4096)
    assert len(inside) > 20
    assert inside <= kodes <= around
    with world.engine.connect() as conn:
        names = dict(conn.execute(text("SELECT kode, nama FROM admin_area WHERE kode = ANY(:k)"),
                                  {"k": list(kodes)}).all())
    for feature in features:
        assert set(feature["properties"]) == {"kode", "nama"}  # no choropleth asked for
        assert feature["properties"]["nama"] == names[feature["properties"]["kode"]]
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_kecamatan_tile_carries_the_choropleth_of_the_api(client) -> None:  # type: ignore[no-untyped-def]
    query = "metric=count&scheme=quantiles&k=5"
    features = decode(client.get(tile_path("areas-kecamatan", KS_TILE, query)))["areas-kecamatan"]["features"]
    api = json.loads(client.get(f"/api/v1/choropleth?level=kecamatan&{query}").data)
    expected = {f["properties"]["kode"]: f["properties"] for f in api["features"]}
    colors = api["legend"]["colors"]
    assert len(features) >= 5
    for feature in features:
        props = feature["properties"]
        want = expected[props["kode"]]
        assert props["value"] == want["value"] and props["class"] == want["class"]
        assert props["rank"] == want["rank"] and props["n_incidents"] == want["n_incidents"]
        assert props["color"] == colors[want["class"]]


def test_filters_reach_the_choropleth_attributes(client) -> None:  # type: ignore[no-untyped-def]
    everything = decode(client.get(tile_path("areas-kecamatan", KS_TILE, "metric=count")))
    bentrok = decode(client.get(tile_path("areas-kecamatan", KS_TILE, "metric=count&kategori=bentrok")))
    total = sum(f["properties"]["n_incidents"] for f in everything["areas-kecamatan"]["features"])
    some = sum(f["properties"]["n_incidents"] for f in bentrok["areas-kecamatan"]["features"])
    assert 0 < some < total


def test_tile_outside_every_area_is_empty(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get(tile_path("areas-desa", SEA_TILE))
    assert response.status_code == 200 and response.data == b""
    assert decode(response) == {}


@pytest.mark.parametrize(("path", "parameter"), [
    ("/tiles/areas-desa/abc/1/1.pbf", "z"),
    ("/tiles/areas-desa/23/0/0.pbf", "z"),
    ("/tiles/areas-desa/-1/0/0.pbf", "z"),
    ("/tiles/areas-desa/3/8/0.pbf", "x"),
    ("/tiles/areas-desa/3/0/1.5.pbf", "y"),
    ("/tiles/areas-desa/3/0/-2.pbf", "y"),
    ("/tiles/areas-desa/10/0/0.pbf?metric=velocity", "metric"),
    ("/tiles/areas-desa/10/0/0.pbf?metrik=count", "metrik"),
    ("/tiles/areas-desa/10/0/0.pbf?level=kecamatan", "level"),
    ("/tiles/areas-desa/10/0/0.pbf?within=99.99", "within"),
    ("/tiles/tps/10/0/0.pbf?election=pemilu-1955", "election"),
])
def test_bad_tile_requests_are_400_naming_the_parameter(client, path: str, parameter: str) -> None:  # type: ignore[no-untyped-def]
    response = client.get(path)
    assert response.status_code == 400, response.data[:300]
    assert response.get_json()["parameter"] == parameter


def test_unknown_layer_is_404(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/tiles/rivers/10/0/0.pbf")
    assert response.status_code == 404 and response.get_json()["parameter"] == "layer"


def test_parse_tile_bounds() -> None:
    assert parse_tile("0", "0", "0").z == 0
    assert parse_tile("22", str(2 ** 22 - 1), "0").x == 2 ** 22 - 1
    with pytest.raises(ParameterError) as info:
        parse_tile("5", "0", "32")
    assert info.value.parameter == "y"


def test_tile_bounds_match_postgis(world: World) -> None:
    for z, x, y in (KS_TILE, (0, 0, 0), (14, 13712, 8397)):
        with world.engine.connect() as conn:
            expected = conn.execute(text(
                "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) "
                "FROM ST_TileEnvelope(:z, :x, :y, margin => 0.015625) e"), {"z": z, "x": x, "y": y}).one()
        got = tile_bounds_3857(TileAddress(z, x, y), 64 / 4096)
        assert got == pytest.approx(tuple(expected), abs=1e-6)


def test_incident_tiles_are_for_analysts_only(client, world: World) -> None:  # type: ignore[no-untyped-def]
    path = tile_path("incidents", KS_TILE)
    anonymous = client.get(path)  # the API's rule: nobody logged in -> 401 with a challenge
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    viewer = client.get(path, headers=world.headers["viewer"])
    assert viewer.status_code == 403 and viewer.get_json()["required_role"] == "analyst"
    assert client.get("/tiles/incidents.json", headers=world.headers["viewer"]).status_code == 403
    features = decode(client.get(path, headers=world.headers["analyst"]))["incidents"]["features"]
    z, x, y = KS_TILE
    with world.engine.connect() as conn:
        expected = conn.execute(text(
            "SELECT count(*) FROM incident WHERE counted AND geom && "
            "ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326)"),
            {"z": z, "x": x, "y": y}).scalar()
    assert len(features) == expected > 50
    assert all(f["geometry"]["type"] == "Point" for f in features)
    assert {"kategori", "event_date", "status", "location_precision"} <= set(features[0]["properties"])
    described = client.get("/tiles/incidents.json", headers=world.headers["analyst"]).get_json()
    fields = described["vector_layers"][0]["fields"]
    assert {"event_date", "location_precision"} <= set(fields) and not {"tanggal", "presisi"} & set(fields)
    assert {name for f in features for name in f["properties"]} <= set(fields)


def test_a_crowded_incident_tile_is_an_even_sample_that_says_so(client, world: World,
                                                                  monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Above the cap every grid cell that has incidents keeps one (its latest) with the cell's
    count, so the counts add up to all incidents and no area goes blank (issue 21)."""
    z, x, y = KS_TILE
    query = "from=2000-01-01"  # a request of its own: no cached tile from the other tests
    with world.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT i.id, i.event_date, ST_X(i.geom), ST_Y(i.geom), ST_XMin(e), ST_XMax(e), ST_YMin(e), "
            "ST_YMax(e) FROM incident i, "
            "(SELECT ST_Transform(ST_TileEnvelope(:z, :x, :y, margin => 64.0 / 4096), 4326) e) b "
            "WHERE i.counted AND i.geom && b.e"), {"z": z, "x": x, "y": y}).all()
    assert len(rows) > 50
    monkeypatch.setattr("pks_geo.feature_sql.tiles.MAX_POINTS_PER_TILE", 20)
    monkeypatch.setattr("pks_geo.feature_sql.tiles.SAMPLE_CELLS", 8)
    features = decode(client.get(tile_path("incidents", KS_TILE, query),
                                 headers=world.headers["analyst"]))["incidents"]["features"]
    assert all(f["properties"]["sampled"] is True for f in features)
    assert sum(f["properties"]["n"] for f in features) == len(rows)  # every incident counted once

    def cell(lon: float, lat: float, x0: float, x1: float, y0: float, y1: float) -> tuple[int, int]:
        return min(int((lon - x0) / (x1 - x0) * 8), 7), min(int((lat - y0) / (y1 - y0) * 8), 7)

    cells: dict[tuple[int, int], list] = {}
    for row in rows:
        cells.setdefault(cell(*row[2:]), []).append(row)
    assert len(features) == len(cells)  # one per occupied cell: no area left out, none twice
    latest = {max(members, key=lambda r: (r[1], r[0]))[0] for members in cells.values()}
    assert {f["id"] for f in features} == latest  # and it is the cell's latest incident


def test_incident_tiles_honour_the_filters(client, world: World) -> None:  # type: ignore[no-untyped-def]
    path = tile_path("incidents", KS_TILE, "kategori=bentrok&from=2019-01-01&to=2019-12-31")
    features = decode(client.get(path, headers=world.headers["analyst"]))["incidents"]["features"]
    assert features
    for feature in features:
        assert feature["properties"]["kategori"] == "bentrok"
        assert feature["properties"]["event_date"].startswith("2019-")


def test_tps_tiles_of_one_election(client, world: World) -> None:  # type: ignore[no-untyped-def]
    tile = tile_of(122.40, -4.20, 9)
    features = decode(client.get(tile_path("tps", tile, "election=pilkada-2024")))["tps"]["features"]
    assert len(features) > 50
    assert all(len(f["properties"]["kode_tps"]) == 13 and f["properties"]["dpt"] >= 150 for f in features)
    # the API's field names (issue 18), and the TileJSON describes exactly what the tiles carry
    described = client.get("/tiles/tps.json").get_json()["vector_layers"][0]["fields"]
    assert set(described) == {"kode_tps", "no_tps", "desa_kode", "dpt", "kategori_kerawanan",
                              "location_precision"}
    assert {name for f in features for name in f["properties"]} <= set(described)
    assert {f["properties"].get("location_precision") for f in features} <= {"exact", "desa", "near"}
    other = client.get(tile_path("tps", tile, "election=pemilu-2019"))
    assert other.status_code == 200 and other.data == b""  # no TPS loaded for that election


def test_tilejson_describes_each_layer(client) -> None:  # type: ignore[no-untyped-def]
    document = client.get("/tiles/areas-desa.json?metric=count").get_json()
    assert document["tilejson"] == "3.0.0"
    assert document["tiles"][0].endswith("/tiles/areas-desa/{z}/{x}/{y}.pbf?metric=count")
    west, south, east, north = document["bounds"]
    assert 121.8 < west < east < 123.0 and -4.6 < south < north < -3.9
    assert document["vector_layers"][0]["id"] == "areas-desa"
    assert {"kode", "nama", "value", "class", "color"} <= set(document["vector_layers"][0]["fields"])
    assert document["feature_count"] == 351 and document["use_tiles"] is False
    assert document["tile_threshold"] == 2000
    assert document["legend"]["k"] >= 1 and len(document["legend"]["colors"]) == document["legend"]["k"] + 1
    tps = client.get("/tiles/tps.json").get_json()
    assert tps["vector_layers"][0]["id"] == "tps" and "feature_count" not in tps


def test_threshold_setting_switches_to_tiles(world: World) -> None:
    settings = Settings(database_url=world.url, tile_threshold=300)
    client = create_app(settings).test_client()
    desa = client.get("/tiles/areas-desa.json").get_json()
    kecamatan = client.get("/tiles/areas-kecamatan.json").get_json()
    assert (desa["feature_count"], desa["use_tiles"]) == (351, True)
    assert (kecamatan["feature_count"], kecamatan["use_tiles"]) == (25, False)
    within = client.get("/tiles/areas-desa.json?within=74.05.01").get_json()
    assert (within["feature_count"], within["use_tiles"]) == (24, False)


def test_etag_gives_304_and_follows_data_changes(database_factory, ks_boundary_paths) -> None:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    app = create_app({"DATABASE_URL": url, "TESTING": True})
    client = app.test_client()
    plain = tile_path("areas-kecamatan", KS_TILE)
    colored = tile_path("areas-kecamatan", KS_TILE, "metric=count")
    first_plain, first_colored = client.get(plain), client.get(colored)
    assert first_plain.headers["Cache-Control"] == "public, no-cache"
    etag = first_colored.headers["ETag"]
    again = client.get(colored, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    before = {f["properties"]["kode"]: f["properties"]["n_incidents"]
              for f in decode(first_colored)["areas-kecamatan"]["features"]}
    assert set(before.values()) == {0}

    synthesize(engine, incidents=500, within="74.05", seed=9)

    assert client.get(plain, headers={"If-None-Match": first_plain.headers["ETag"]}).status_code == 304
    changed = client.get(colored, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag  # not the cached old tile
    after = {f["properties"]["kode"]: f["properties"]["n_incidents"]
             for f in decode(changed)["areas-kecamatan"]["features"]}
    with engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT kecamatan_kode, count(*) FROM incident GROUP BY 1")).all())
    assert after == {kode: counts.get(kode, 0) for kode in after}
    assert sum(after.values()) > 0


def test_tile_cache_is_bounded_and_drops_a_group_when_its_data_change() -> None:
    cache = TileCache(max_bytes=4000)
    cache.put("a", b"x" * 900, ("db", "admin_area"), "v1")
    cache.put("b", b"y" * 900, ("db", "incident"), "v1")
    assert cache.get("a") == b"x" * 900 and len(cache) == 2
    cache.put("c", b"z" * 900, ("db", "admin_area"), "v2")  # admin_area changed: "a" is stale
    assert cache.get("a") is None and cache.get("b") == b"y" * 900 and cache.get("c") == b"z" * 900
    for key in "defg":
        cache.put(key, b"w" * 900, ("db", "incident"), "v1")
    assert len(cache) == 4 and cache.get("b") is None  # least recently used went first
    assert TileCache(0).enabled is False


PAGE = """<!doctype html><html><head><meta charset="utf-8">
<link rel="stylesheet" href="/vendor/leaflet/leaflet.css">
<script src="/vendor/leaflet/leaflet.js"></script>
<script src="/vendor/leaflet.vectorgrid/Leaflet.VectorGrid.bundled.min.js"></script>
<script src="/static/js/common.js"></script>
<script src="/static/js/tiles.js"></script>
<style>html, body, #map { margin: 0; height: 100%; }</style></head>
<body><div id="map"></div></body></html>"""

DRAW = """async () => {
  const map = L.map("map", { zoomAnimation: false }).setView([-4.2, 122.4], 11);
  const tj = await PKSTiles.tileJson("areas-desa", { metric: "count" });
  const layer = PKSTiles.areaLayer(map, "desa", { metric: "count" }, null,
    { tooltip: (p) => p.nama });
  const loaded = new Promise((resolve) => layer.once("load", resolve));
  layer.addTo(map);
  await loaded;
  layer.on("click", (e) => { window.clickedKode = e.layer.properties.kode; });
  const size = map.getSize();
  const canvas = document.querySelector(".leaflet-tile-container canvas");
  const box = canvas ? canvas.getBoundingClientRect() : null;
  return { count: tj.feature_count, useTiles: tj.use_tiles,
           canvases: document.querySelectorAll(".leaflet-tile-container canvas").length,
           center: [size.x / 2, size.y / 2], box: box && [box.width, box.height],
           threshold: PKSTiles.DEFAULT_THRESHOLD, tiled: PKSTiles.shouldUseTiles(5000) };
}"""


def test_tiles_js_draws_the_desa_in_chromium(live_server: str, page) -> None:  # type: ignore[no-untyped-def]
    tile_requests: list[tuple[str, int]] = []
    page.on("response", lambda r: tile_requests.append((r.url, r.status)) if ".pbf" in r.url else None)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(live_server + "/healthz")
    page.set_content(PAGE)
    result = page.evaluate(DRAW)
    assert errors == []
    assert result["count"] == 351 and result["useTiles"] is False
    assert result["threshold"] == 2000 and result["tiled"] is True
    assert result["canvases"] >= 4 and result["box"] == [256, 256]
    assert tile_requests and all(status == 200 for _, status in tile_requests)
    assert all("/tiles/areas-desa/11/" in url and "metric=count" in url for url, _ in tile_requests)
    page.mouse.click(*result["center"])  # without tiles.js' fakeStop shim this throws on Leaflet 1.9
    page.wait_for_function("() => window.clickedKode !== undefined")
    assert errors == []
    assert page.evaluate("() => window.clickedKode").startswith("74.05.")
