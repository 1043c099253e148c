"""ST_ClusterDBSCAN clusters on a hand-made point layout inside real desa."""

from __future__ import annotations

from datetime import date

import orjson
import pytest
import shapely
from pyproj import Transformer
from sqlalchemy import Engine, text

from pks_geo.queries.filters import FilterSet
from pks_geo.stats.clusters import ClusterOptions, incident_clusters
from tests.hotspot_data import fresh_ks_engine, insert_xy

TO_METRIC = Transformer.from_crs(4326, 32751, always_xy=True)


@pytest.fixture(scope="module")
def layout(database_factory, ks_boundary_paths) -> tuple[Engine, dict[str, tuple[float, float]]]:  # type: ignore[no-untyped-def]
    """Square of 5 points (A), 3 points on a 200 m line (B), a pair 150 m apart (C), one lone
    point (D), and a desa-precision incident 50 m from B's line."""
    engine = fresh_ks_engine(database_factory, ks_boundary_paths)
    with engine.connect() as conn:
        centres = conn.execute(text(
            "SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform(ST_PointOnSurface(geom), 32751) AS g "
            "FROM admin_area WHERE level = 'desa' ORDER BY area_km2 DESC LIMIT 4) s")).all()
    (ax, ay), (bx, by), (cx, cy), (dx, dy) = centres
    square = [(0, 0), (100, 0), (0, 100), (100, 100), (50, 50)]
    for k, (x, y) in enumerate(square):
        insert_xy(engine, [(ax + x, ay + y)], date(2024, 1, 1 + k), "bentrok" if k < 3 else "intimidasi")
    insert_xy(engine, [(bx + x, by) for x in (0, 100, 200)], date(2024, 2, 10), "unjuk_rasa")
    insert_xy(engine, [(cx, cy)], date(2024, 3, 1), "perusakan")
    insert_xy(engine, [(cx + 150, cy)], date(2024, 3, 4), "kekerasan")
    insert_xy(engine, [(dx, dy)], date(2024, 4, 1), "lainnya")
    insert_xy(engine, [(bx + 100, by + 50)], date(2024, 2, 20), "bentrok", precision="desa")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incident WHERE desa_kode IS NULL")).scalar() == 0
    return engine, {"A": (ax, ay), "B": (bx, by), "C": (cx, cy)}


def _geometry(feature) -> shapely.Geometry:  # type: ignore[no-untyped-def]
    return shapely.from_geojson(orjson.dumps(feature["geometry"]).decode())


def _metric(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: shapely.get_coordinates(shapely.points(
        *TO_METRIC.transform(c[:, 0], c[:, 1]))))


def test_dbscan_finds_the_square_and_the_line(layout) -> None:  # type: ignore[no-untyped-def]
    engine, origin = layout
    fc = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=200, min_points=3))
    assert (fc["n_points"], fc["n_clustered"], fc["n_noise"], fc["n_clusters"]) == (11, 8, 3, 2)
    square, line = fc["features"]
    assert square["properties"] == {
        "cluster": 1, "count": 5, "first_date": "2024-01-01", "last_date": "2024-01-05", "days": 4,
        "kategori": "bentrok", "kategori_count": 3, "area_km2": pytest.approx(0.01, abs=0.001)}
    assert line["properties"]["count"] == 3 and line["properties"]["kategori"] == "unjuk_rasa"
    # three collinear points: the hull is a line, buffered by eps/2 = 100 m
    assert line["properties"]["area_km2"] == pytest.approx(0.2 * 0.2 + 3.14159 * 0.01, abs=0.002)
    bx, by = origin["B"]
    hull = _metric(_geometry(line))
    for x in (0, 100, 200):
        assert hull.buffer(0.5).contains(shapely.Point(bx + x, by))
    ax, ay = origin["A"]
    assert _metric(_geometry(square)).buffer(0.5).contains(shapely.box(ax, ay, ax + 100, ay + 100))


def test_geometry_is_rfc7946_and_reveals_no_incident(layout) -> None:  # type: ignore[no-untyped-def]
    engine, _ = layout
    fc = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=200, min_points=3))
    for feature in fc["features"]:
        geom = _geometry(feature)
        assert geom.geom_type == "Polygon" and shapely.is_ccw(geom.exterior)
        minx, miny, maxx, maxy = geom.bounds
        assert 121.8 < minx < maxx < 123.0 and -4.6 < miny < maxy < -3.9
        assert set(feature["properties"]) == {"cluster", "count", "first_date", "last_date", "days",
                                              "kategori", "kategori_count", "area_km2"}


def test_parameters_change_the_clusters(layout) -> None:  # type: ignore[no-untyped-def]
    engine, _ = layout
    pair = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=200, min_points=2))
    assert [f["properties"]["count"] for f in pair["features"]] == [5, 3, 2]
    assert pair["features"][2]["properties"]["kategori"] == "kekerasan"  # tie: alphabetical
    small_eps = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=90, min_points=3))
    assert [f["properties"]["count"] for f in small_eps["features"]] == [5]  # diagonal 70.7 m
    with_desa_points = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=200, min_points=3,
                                                                             points="all"))
    assert [f["properties"]["count"] for f in with_desa_points["features"]] == [5, 4]
    only = incident_clusters(engine, FilterSet(kategori=("intimidasi",)),
                             ClusterOptions(eps_m=200, min_points=2))
    assert [f["properties"]["count"] for f in only["features"]] == [2]
    concave = incident_clusters(engine, FilterSet(), ClusterOptions(eps_m=200, min_points=3, hull="concave"))
    assert len(concave["features"]) == 2 and concave["hull"] == "concave"


def test_nothing_to_cluster_gives_an_empty_collection(layout) -> None:  # type: ignore[no-untyped-def]
    engine, _ = layout
    fc = incident_clusters(engine, FilterSet(date_from=date(2030, 1, 1)), ClusterOptions())
    assert fc["features"] == [] and fc["n_points"] == 0 and fc["n_clusters"] == 0


def test_bad_options_are_refused() -> None:
    with pytest.raises(ValueError, match="eps_m"):
        ClusterOptions(eps_m=1)
    with pytest.raises(ValueError, match="min_points"):
        ClusterOptions(min_points=0)
    with pytest.raises(ValueError, match="hull"):
        ClusterOptions(hull="alpha")
