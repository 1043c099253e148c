"""Patrol routes stay on land: legs round a bay instead of across it, sectors never span a bay.

Ground truth is the district's own land (the union of its desa): a straight leg from Lapuko to
Ranooha Raya (kecamatan Moramo) runs more than a kilometre over the sea, which is what the
patrol plan drew before. The checks measure every route against that land with shapely, not
with the grid the router uses.
"""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, shape
from sqlalchemy import Engine

from pks_geo.auth.users import add_user
from pks_geo.models import METRIC_SRID
from pks_geo.planning.land_routes import SHORE_M, land_grid
from pks_geo.planning.patrol import patrol_plan, plan_sectors
from pks_geo.planning.risk import compute_risk
from pks_geo.planning.security_data import load_security_data
from pks_geo.web import create_app
from tests.security_setup import add_election, add_tps, boundary_engine, inside
from tests.web_support import logged_in

LAPUKO, RANOOHA_RAYA = "74.05.10.1001", "74.05.10.2028"  # opposite shores of a bay in Moramo
ELECTION = "pilkada-darat"


@pytest.fixture(scope="module")
def district(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    """Konawe Selatan with one TPS in every desa (the real jurisdictions and sample posts)."""
    engine = boundary_engine(database_factory, ks_boundary_paths)
    with engine.begin() as conn:
        add_election(conn, ELECTION, date(2024, 11, 27))
        desa = list(conn.exec_driver_sql("SELECT kode FROM admin_area WHERE level = 'desa'").scalars())
        for kode in sorted(desa):
            add_tps(conn, ELECTION, kode, 1, inside(conn, kode))
    return engine


@pytest.fixture(scope="module")
def land(district: Engine):  # type: ignore[no-untyped-def]
    """The land as shapely sees it (UTM 51S), widened by the router's promise (``SHORE_M``): the
    yardstick, independent of the router's grid."""
    frame = gpd.read_postgis("SELECT geom FROM admin_area WHERE level = 'desa'", district, geom_col="geom")
    return shapely.union_all(frame.to_crs(METRIC_SRID).geometry.values).buffer(SHORE_M)


def _metric(lonlat: list[tuple[float, float]]) -> LineString:
    return gpd.GeoSeries([LineString(lonlat)], crs=4326).to_crs(METRIC_SRID).iloc[0]


def test_a_leg_across_a_bay_goes_round_it_over_land(district: Engine, land) -> None:  # type: ignore[no-untyped-def]
    grid = land_grid(district)
    assert grid is not None
    with district.connect() as conn:
        ends = [inside(conn, LAPUKO), inside(conn, RANOOHA_RAYA)]
    straight = _metric(ends)
    assert straight.difference(land).length > 1000  # the straight line crosses the sea
    xy = np.asarray(straight.coords)
    paths = grid.paths(xy)
    leg = LineString(paths.leg(0, 1))
    assert leg.difference(land).length == pytest.approx(0, abs=1.0)
    assert tuple(leg.coords[0]) == pytest.approx(tuple(xy[0]))
    assert tuple(leg.coords[-1]) == pytest.approx(tuple(xy[1]))
    assert straight.length < paths.dist[0, 1] < 2 * straight.length
    assert leg.length <= paths.dist[0, 1] + 1e-6  # the drawn path is no longer than its distance


def test_no_route_of_the_district_crosses_the_sea(district: Engine, land) -> None:  # type: ignore[no-untyped-def]
    data = load_security_data()
    plan = patrol_plan(district, ELECTION, data=data)
    assert plan.routing == "land" and plan.meta()["routing"] == "land"
    assert any("over land" in note for note in plan.notes)
    over_sea = {s.id: _metric(list(s.route.coords)).difference(land).length for s in plan.sectors}
    assert len(plan.sectors) > 50
    assert max(over_sea.values()) == pytest.approx(0, abs=1.0), {k: v for k, v in over_sea.items() if v > 1}
    for sector in plan.sectors:  # every stop still on the route, in order
        coords = [tuple(np.round(c, 6)) for c in sector.route.coords]
        positions = [coords.index((round(s.lon, 6), round(s.lat, 6))) for s in sector.stops]
        assert positions == sorted(positions)
        assert sector.diameter_m <= data.patrol.max_diameter_m or len(sector.stops) == 1

    # the same plan drawn with straight lines does cross the sea: the check above can fail
    risk = compute_risk(district, ELECTION, data=data)
    straight = plan_sectors(risk.items, data, data.patrol, ELECTION)
    assert straight.routing == "straight"
    assert max(_metric(list(s.route.coords)).difference(land).length for s in straight.sectors) > 500


def test_tps_on_both_shores_of_a_bay_are_not_one_sector(district: Engine) -> None:
    data = load_security_data()
    plan = patrol_plan(district, ELECTION, data=data)
    sector_of = {stop.kode_tps: s.id for s in plan.sectors for stop in s.stops}
    lapuko, ranooha = LAPUKO.replace(".", "") + "001", RANOOHA_RAYA.replace(".", "") + "001"
    assert sector_of[lapuko] != sector_of[ranooha]


def test_the_api_says_how_it_routed(district: Engine) -> None:
    add_user(district, "pengamat-darat", "viewer", "password-pengamat-darat", actor="test")
    app = create_app({"DATABASE_URL": district.url.render_as_string(hide_password=False), "TESTING": True})
    client = logged_in(app, "pengamat-darat", "password-pengamat-darat")
    polsek = load_security_data().jurisdictions.polsek_of_kecamatan()[LAPUKO[:8]]
    response = client.get(f"/api/v1/patrol-plan?election={ELECTION}&polsek={polsek}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["meta"]["routing"] == "land" and body["meta"]["n_tps"] > 10
    routes = [shape(f["geometry"]) for f in body["features"] if f["properties"]["feature_type"] == "route"]
    assert routes and all(route.is_valid for route in routes)
