"""Patrol plans along a loaded road network (pgRouting), against a road grid with known answers.

Two TPS lie 300 m apart as the crow flies, with a river between them that the only road goes
round: 5.3 km by road. The plan must cost and draw the road, and its tour length must equal an
independent shortest-path computation (networkx, geodesic lengths by pyproj) on the same
lines. Without roads (before ``roads load``, after ``roads remove``) the plan stays straight.
"""

from __future__ import annotations

import io
import itertools
import json
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod, Transformer
from sqlalchemy import Engine, text

from pks_geo.auth.users import add_user
from pks_geo.cli import main
from pks_geo.maps.patrol_sheet import arrival_minutes
from pks_geo.planning.patrol import patrol_plan
from pks_geo.planning.road_routes import SNAP_LIMIT_M, road_network
from pks_geo.planning.security_data import load_security_data
from pks_geo.web import create_app
from tests.security_setup import (
    add_election,
    add_tps,
    boundary_engine,
    inside,
    offset,
    token_for,
    write_security_dir,
)
from tests.web_support import logged_in

ELECTION = "pilkada-jalan"
GRID = {"P": (0, 0), "A": (1500, 0), "C": (4000, 0), "D": (4000, 300), "B": (1500, 300), "S": (1500, -120)}
"""Metres east/north of the post P: road P-A-C-D-B (one OSM-style way through A), a spur A-S
(so A is a junction in the middle of the way), TPS at A and B."""
ROAD_EDGES = [("P", "A"), ("A", "C"), ("C", "D"), ("D", "B"), ("A", "S")]
_to_metric = Transformer.from_crs(4326, 32751, always_xy=True)


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths, tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    with engine.begin() as conn:
        add_election(conn, ELECTION, date(2024, 11, 27))
        post = inside(conn, "74.05.03.1018")
        where = {name: offset(conn, *post, east, north) for name, (east, north) in GRID.items()}
        tps_a = add_tps(conn, ELECTION, "74.05.03.1018", 1, where["A"])
        tps_b = add_tps(conn, ELECTION, "74.05.03.1018", 2, where["B"])
        far = inside(conn, "74.05.11.2017")  # Polsek B, far from every road of the file
        tps_far = add_tps(conn, ELECTION, "74.05.11.2017", 1, far)
    folder = write_security_dir(tmp_path_factory.mktemp("security"), [
        ("polres-uji", "polres", "Polres Uji", "", *where["P"]),
        ("polsek-a", "polsek", "Polsek A", "a", *where["P"]), ("polsek-b", "polsek", "Polsek B", "b", *far)])
    road_file = tmp_path_factory.mktemp("roads") / "jalan.geojson"
    river = [offset_m(where["P"], 1000, 150), offset_m(where["P"], 2000, 150)]
    features = [
        _line([where[k] for k in "PACDB"], highway="secondary", name="Jalan Poros"),
        _line([where["A"], where["S"]], highway="residential", name="Jalan Sekolah"),
        _line(river, highway=None, name="Sungai", waterway="river"),  # not a road: skipped
    ]
    road_file.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return SimpleNamespace(engine=engine, data=load_security_data(folder), folder=folder, where=where,
                           tps_a=tps_a, tps_b=tps_b, tps_far=tps_far, road_file=road_file)


def offset_m(lonlat: tuple[float, float], east: float, north: float) -> tuple[float, float]:
    x, y = _to_metric.transform(*lonlat)
    return Transformer.from_crs(32751, 4326, always_xy=True).transform(x + east, y + north)


def _line(coords: list[tuple[float, float]], **properties: object) -> dict:
    return {"type": "Feature", "properties": properties,
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]}}


def _cli(engine: Engine, *args: str) -> str:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    return result.output


def _road_graph(where: dict[str, tuple[float, float]]) -> nx.Graph:
    """The road lines as networkx sees them: named junctions, geodesic lengths (pyproj)."""
    geod = Geod(ellps="WGS84")
    graph = nx.Graph()
    for a, b in ROAD_EDGES:
        (lon1, lat1), (lon2, lat2) = where[a], where[b]
        graph.add_edge(a, b, length=geod.inv(lon1, lat1, lon2, lat2)[2])
    return graph


def _sector_a(plan):  # type: ignore[no-untyped-def]
    (sector,) = [s for s in plan.sectors if s.polsek == "a"]
    return sector


def test_without_roads_the_plan_is_straight_line(world) -> None:  # type: ignore[no-untyped-def]
    assert road_network(world.engine) is None
    plan = patrol_plan(world.engine, ELECTION, data=world.data)
    assert plan.meta()["routing_method"] == "straight_line" and plan.meta()["off_road"] == []
    sector = _sector_a(plan)
    straight = 1500 + 300 + float(np.hypot(1500, 300))  # P-A-B-P as the crow flies
    assert sector.length_m == pytest.approx(straight, abs=1.0)
    assert sector.road_km_est == pytest.approx(straight / 1000 * 1.5, abs=0.01)  # detour factor 1.5


def test_roads_cost_and_draw_the_detour_and_remove_restores_straight_lines(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with world.engine.connect() as conn:
        mark = conn.execute(text("SELECT coalesce(max(id), 0) FROM audit_event")).scalar_one()
    output = _cli(world.engine, "roads", "load", str(world.road_file))
    assert "2 lines read, 1 skipped (not roads)" in output and "1 connected parts" in output
    with world.engine.connect() as conn:
        edges, km, one_piece = conn.execute(text(
            "SELECT count(*), sum(length_m) / 1000, count(DISTINCT source) FROM road_edge")).one()
        event = conn.execute(text("SELECT action, entity, entity_id, after FROM audit_event WHERE id > :m"),
                             {"m": mark}).one()
    graph = _road_graph(world.where)
    assert km == pytest.approx(graph.size(weight="length") / 1000, abs=0.002)
    assert edges > len(ROAD_EDGES)  # long stretches cut into edges of at most about 250 m
    assert (event.action, event.entity, event.entity_id) == ("import", "road_network", "jalan.geojson")
    assert event.after["edges"] == edges and event.after["skipped"] == 1

    plan = patrol_plan(world.engine, ELECTION, data=world.data)
    meta = plan.meta()
    assert meta["routing_method"] == "road" and meta["routing"] == "road"
    sector = _sector_a(plan)
    assert [s.kode_tps for s in sector.stops] in ([world.tps_a, world.tps_b], [world.tps_b, world.tps_a])
    # independent answer: networkx shortest paths on the same lines, tour P-A-B-P
    tour = sum(nx.shortest_path_length(graph, a, b, weight="length") for a, b in itertools.pairwise("PABP"))
    assert tour == pytest.approx(1500 + 5300 + 6800, rel=2e-3)  # the road goes round the river
    assert sector.length_m == pytest.approx(tour, abs=1.0)
    assert sector.road_km_est == pytest.approx(tour / 1000, abs=0.002)  # roads: no detour factor
    second = sector.stops[1]  # the Polsek's printed sheet: arrival times along the road, no detour factor
    assert arrival_minutes(second, world.data.patrol, sector) == pytest.approx(
        second.cumulative_m / 1000 / 30 * 60 + 10, abs=0.01)
    a_to_b = [s for s in sector.stops if s.order == 2][0].leg_m
    assert a_to_b == pytest.approx(nx.shortest_path_length(graph, "A", "B", weight="length"), abs=1.0)
    # the route line follows the road round the river (out to 4 km east), not across it
    route = np.array([_to_metric.transform(*c) for c in sector.route.coords])
    post = np.array(_to_metric.transform(*world.where["P"]))
    assert (route[:, 0] - post[0]).max() == pytest.approx(4000, abs=2)
    drawn = float(np.hypot(*np.diff(route, axis=0).T).sum())
    assert drawn == pytest.approx(sector.length_m, rel=2e-3)
    # Polsek B's TPS and post are far from any road: routed as before, and the plan says so
    assert world.tps_far in meta["off_road"] and "polsek-b" in meta["off_road"]
    assert any(f"{SNAP_LIMIT_M:.0f} m from any road" in note for note in meta["notes"])

    app = create_app({"DATABASE_URL": world.engine.url.render_as_string(hide_password=False), "TESTING": True,
                      "SECURITY_DATA_DIR": str(world.folder)})
    client = app.test_client()
    viewer = token_for(world.engine, "pengamat-jalan", "viewer")
    client.environ_base["HTTP_AUTHORIZATION"] = viewer["Authorization"]
    body = client.get(f"/api/v1/patrol-plan?election={ELECTION}&polsek=a").get_json()
    assert body["meta"]["routing_method"] == "road"
    (route_feature,) = [f for f in body["features"] if f["properties"]["feature_type"] == "route"]
    assert route_feature["properties"]["length_km"] == pytest.approx(tour / 1000, abs=0.01)
    kml = client.get(f"/api/v1/export/patrol-plan.kml?election={ELECTION}&polsek=a")
    assert kml.status_code == 200, kml.get_data(as_text=True)[:300]
    assert "<LineString>" in kml.get_data(as_text=True)
    lines = list(gpd.read_file(io.BytesIO(kml.data), layer="routes").geometry)
    assert len(lines) == 1 and len(lines[0].coords) > len(GRID)  # the road's vertices, not P-A-B-P
    gpx = client.get(f"/api/v1/export/patrol-plan.gpx?election={ELECTION}&polsek=a")
    assert gpx.status_code == 200, gpx.get_data(as_text=True)[:300]
    (gpx_path := tmp_path / "plan.gpx").write_bytes(gpx.data)
    tracks = gpd.read_file(gpx_path, layer="tracks")  # GDAL reads the appended <trk> back
    assert len(tracks) == 1 and len(gpd.read_file(gpx_path, layer="routes")) == 1
    track = np.array([_to_metric.transform(*c) for c in shapely.get_coordinates(tracks.geometry.iloc[0])])
    assert (track[:, 0] - post[0]).max() == pytest.approx(4000, abs=2)  # round the river on the GPS too

    add_user(world.engine, "perencana-jalan", "viewer", "password-perencana-jalan", actor="test")
    planner = logged_in(app, "perencana-jalan", "password-perencana-jalan")
    for lang, words in (("id", "Rute mengikuti jaringan jalan"), ("en", "Routes follow the loaded road")):
        page = planner.get(f"/rencana?election={ELECTION}&lang={lang}").get_data(as_text=True)
        assert 'data-routing="road"' in page and words in page
    assert "removed" in _cli(world.engine, "roads", "remove")
    assert road_network(world.engine) is None
    again = patrol_plan(world.engine, ELECTION, data=world.data)
    assert again.meta()["routing_method"] == "straight_line"
    assert _sector_a(again).length_m == pytest.approx(1500 + 300 + float(np.hypot(1500, 300)), abs=1.0)
    page = planner.get(f"/rencana?election={ELECTION}&lang=id").get_data(as_text=True)
    assert 'data-routing="straight_line"' in page and "Tanpa jaringan jalan" in page
    with world.engine.connect() as conn:
        last = conn.execute(text("SELECT action, entity, after FROM audit_event "
                                 "ORDER BY id DESC LIMIT 1")).one()
    assert (last.action, last.entity, last.after["edges"]) == ("remove", "road_network", edges)


def test_a_file_without_roads_is_refused_and_changes_nothing(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "sungai.geojson"
    empty.write_text(json.dumps({"type": "FeatureCollection", "features": [
        _line([world.where["P"], world.where["A"]], highway=None, waterway="river")]}), encoding="utf-8")
    url = world.engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, ["roads", "load", str(empty)], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 1 and "no road lines" in result.output
