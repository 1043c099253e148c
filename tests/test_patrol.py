"""Patrol sectors and routes: limits respected, every TPS visited exactly once, geometry right."""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, shape

from pks_geo.planning.patrol import diameter, make_sectors, order_route, patrol_plan
from pks_geo.planning.security_data import load_security_data
from pks_geo.web import create_app
from tests.security_setup import add_election, add_tps, boundary_engine, inside, token_for, write_security_dir

ANDOOLO_DESA = ["74.05.03.1002", "74.05.03.1018", "74.05.03.2001", "74.05.03.2004", "74.05.03.2010",
                "74.05.03.2014", "74.05.03.2015", "74.05.03.2026", "74.05.03.2031", "74.05.03.2033"]


def _closed_length(start: np.ndarray, xy: np.ndarray, order: list[int]) -> float:
    path = np.vstack([start, xy[order], start])
    return float(np.hypot(*np.diff(path, axis=0).T).sum())


def test_sectors_respect_count_and_distance_and_cover_every_point_once() -> None:
    rng = np.random.default_rng(3)
    xy = np.vstack([rng.uniform(0, 30_000, (50, 2)), np.full((10, 2), 5_000.0)])  # ten at one spot
    groups = make_sectors(xy, max_tps=6, max_diameter_m=7_000)
    assert sorted(int(i) for g in groups for i in g) == list(range(60))
    for group in groups:
        assert len(group) <= 6
        assert len(group) == 1 or diameter(xy[group]) <= 7_000


def test_a_route_visits_every_point_once_and_2opt_finds_the_octagon_tour() -> None:
    angles = np.arange(8) * math.pi / 4
    ring = np.column_stack([np.cos(angles), np.sin(angles)]) * 1000.0
    shuffled = ring[[3, 7, 1, 5, 0, 4, 2, 6]]
    start = np.zeros(2)
    order = order_route(start, shuffled, closed=True)
    assert sorted(order) == list(range(8))
    side = 2 * 1000.0 * math.sin(math.pi / 8)
    assert _closed_length(start, shuffled, order) == pytest.approx(2 * 1000.0 + 7 * side)
    line = np.array([[5.0, 0], [1.0, 0], [3.0, 0], [2.0, 0], [4.0, 0]])
    assert order_route(np.zeros(2), line, closed=False) == [1, 3, 2, 4, 0]


def test_2opt_never_makes_a_random_route_longer_than_nearest_neighbour() -> None:
    rng = np.random.default_rng(11)
    for _ in range(20):
        xy = rng.uniform(0, 10_000, (9, 2))
        start = rng.uniform(0, 10_000, 2)
        order = order_route(start, xy)
        assert sorted(order) == list(range(9))
        nn, left, here = [], set(range(9)), start
        while left:
            nxt = min(left, key=lambda j: (np.hypot(*(xy[j] - here)), j))
            nn.append(nxt)
            left.remove(nxt)
            here = xy[nxt]
        assert _closed_length(start, xy, order) <= _closed_length(start, xy, nn) + 1e-6


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths, tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    codes = []
    with engine.begin() as conn:
        add_election(conn, "pilkada-r", date(2024, 11, 27))
        for desa in ANDOOLO_DESA:
            where = inside(conn, desa)
            codes += [add_tps(conn, "pilkada-r", desa, 1, where), add_tps(conn, "pilkada-r", desa, 2, where)]
        codes.append(add_tps(conn, "pilkada-r", "74.05.11.2017", 1, inside(conn, "74.05.11.2017")))
        post_a = inside(conn, "74.05.03.1018")
        post_b = inside(conn, "74.05.11.2017")
    folder = write_security_dir(tmp_path_factory.mktemp("security"), [
        ("polres-uji", "polres", "Polres Uji", "", *post_a), ("polsek-a", "polsek", "Polsek A", "a", *post_a),
        ("polsek-b", "polsek", "Polsek B", "b", *post_b)])
    return SimpleNamespace(engine=engine, url=engine.url.render_as_string(hide_password=False), codes=codes,
                           folder=folder, data=load_security_data(folder), post_a=post_a)


def test_every_tps_is_in_exactly_one_sector_and_visited_once_in_order(world) -> None:
    plan = patrol_plan(world.engine, "pilkada-r", data=world.data)
    visits = Counter(stop.kode_tps for sector in plan.sectors for stop in sector.stops)
    assert sorted(visits) == sorted(world.codes) and set(visits.values()) == {1}
    config = world.data.patrol
    for sector in plan.sectors:
        assert 1 <= len(sector.stops) <= config.max_tps
        assert [s.order for s in sector.stops] == list(range(1, len(sector.stops) + 1))
        assert len(sector.stops) == 1 or sector.diameter_m <= config.max_diameter_m
        coords = list(sector.route.coords)
        start = (sector.start_lon, sector.start_lat)
        assert coords[0] == pytest.approx(start, abs=1e-6) and coords[-1] == pytest.approx(start, abs=1e-6)
        assert [c for c in coords[1:-1]] == [pytest.approx((s.lon, s.lat), abs=1e-6) for s in sector.stops]
        assert sector.stops[-1].cumulative_m <= sector.length_m
        assert sector.road_km_est == pytest.approx(sector.length_m / 1000 * 1.5)
        assert sector.minutes_est == pytest.approx(sector.road_km_est / 30 * 60 + 10 * len(sector.stops))
        assert all(sector.polygon.contains(Point(s.lon, s.lat)) for s in sector.stops)
        assert sector.polygon.exterior.is_ccw
    a_sectors = [s for s in plan.sectors if s.polsek == "a"]
    assert len(a_sectors) >= math.ceil(20 / config.max_tps) and all(s.start == "polsek-a" for s in a_sectors)


def test_one_polsek_and_request_limits_through_the_api(world) -> None:
    app = create_app({"DATABASE_URL": world.url, "TESTING": True, "SECURITY_DATA_DIR": str(world.folder)})
    client = app.test_client()
    # a patrol plan is operational: anonymous visitors are refused even when they may view maps
    assert client.get("/api/v1/patrol-plan?election=pilkada-r").status_code == 401
    viewer = token_for(world.engine, "pengamat-patroli", "viewer")
    client.environ_base["HTTP_AUTHORIZATION"] = viewer["Authorization"]
    body = client.get("/api/v1/patrol-plan?election=pilkada-r&polsek=a&max_tps=2&speed=20").get_json()
    assert body["meta"]["parameters"]["max_tps"] == 2 and body["meta"]["n_tps"] == 20
    kinds = Counter(f["properties"]["feature_type"] for f in body["features"])
    assert kinds["stop"] == 20 and kinds["sector"] == kinds["route"] >= 10
    for feature in body["features"]:
        geom = shape(feature["geometry"])
        if feature["properties"]["feature_type"] == "route":  # may be degenerate: TPS next to the post
            assert len(feature["geometry"]["coordinates"]) >= 3  # post, TPS..., post
        else:
            assert shapely.is_valid(geom)
        if feature["properties"]["feature_type"] == "sector":
            assert feature["properties"]["n_tps"] <= 2 and geom.exterior.is_ccw
            assert feature["properties"]["polsek"] == "a"
    for query, parameter in (("max_tps=0", "max_tps"), ("speed=fast", "speed"), ("polsek=zz", "polsek")):
        response = client.get(f"/api/v1/patrol-plan?election=pilkada-r&{query}")
        assert response.status_code == 400 and response.get_json()["parameter"] == parameter
