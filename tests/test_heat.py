"""Kernel density heat surface: bandwidth rule, conserved mass, contour bands, clipping."""

from __future__ import annotations

from datetime import date

import numpy as np
import orjson
import pytest
import shapely
from sqlalchemy import Engine, text

from pks_geo.queries.filters import FilterSet
from pks_geo.stats.heat import (
    HeatOptions,
    contour_bands,
    density_grid,
    district_outline,
    heat_surface,
    scott_bandwidth,
)
from tests.hotspot_data import fresh_ks_engine, insert_counts

HOT_DESA = "74.05.08.1001"  # Ranomeeto


def test_scott_bandwidth_follows_the_normal_reference_rule() -> None:
    xy = np.random.default_rng(1).normal(0, 2000, size=(1000, 2)) + [400_000, 9_500_000]
    assert scott_bandwidth(xy) == pytest.approx(2000 * 1000 ** (-1 / 6), rel=0.08)
    outliers = np.vstack([xy, [[900_000, 9_000_000]] * 5])  # robust spread ignores far outliers
    assert scott_bandwidth(outliers) == pytest.approx(scott_bandwidth(xy), rel=0.05)
    assert scott_bandwidth(xy[:1]) == 1000.0 and scott_bandwidth(np.repeat(xy[:1], 5, axis=0)) == 1000.0


def test_density_keeps_the_mass_and_peaks_at_the_cluster() -> None:
    rng = np.random.default_rng(2)
    centre = np.array([420_000.0, 9_530_000.0])
    xy = np.vstack([rng.normal(centre, 500, size=(300, 2)),
                    rng.uniform([380_000, 9_500_000], [460_000, 9_560_000], size=(100, 2))])
    grid = density_grid(xy, (380_000, 9_500_000, 460_000, 9_560_000), bandwidth_m=1500)
    cell_km2 = (grid.cell_m / 1000) ** 2
    assert grid.density.sum() * cell_km2 == pytest.approx(400, rel=0.02)
    row, col = np.unravel_index(np.argmax(grid.density), grid.density.shape)
    assert np.hypot(grid.x[col] - centre[0], grid.y[row] - centre[1]) < 1500
    bands = contour_bands(grid, 4)
    assert len(bands) == 4 and bands[0][0] == pytest.approx(grid.density.max() / 4)
    assert all(lower < upper for lower, upper, _ in bands)
    top = bands[-1][2]
    assert top.contains(shapely.Point(grid.x[col], grid.y[row]))
    assert not top.contains(shapely.Point(440_000, 9_550_000))


@pytest.fixture(scope="module")
def heat_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    engine = fresh_ks_engine(database_factory, ks_boundary_paths)
    insert_counts(engine, {HOT_DESA: 60}, date(2024, 5, 1), seed=3)
    with engine.connect() as conn:
        spread = conn.execute(text("SELECT kode FROM admin_area WHERE level = 'desa' "
                                   "AND kode LIKE '74.05.1_.2%' ORDER BY kode")).scalars().all()
    insert_counts(engine, {k: 1 for k in spread[::4]}, date(2024, 6, 1), seed=4, kategori="unjuk_rasa")
    with engine.begin() as conn:  # one incident placed only at its desa: not a point of its own
        conn.execute(text("UPDATE incident SET location_precision = 'desa' WHERE external_id = "
                          "(SELECT min(external_id) FROM incident WHERE kategori = 'unjuk_rasa')"))
    return engine


def _union(fc) -> shapely.Geometry:  # type: ignore[no-untyped-def]
    return shapely.union_all([shapely.from_geojson(orjson.dumps(f["geometry"]).decode())
                              for f in fc["features"]])


def test_heat_surface_is_clipped_and_hottest_at_the_planted_desa(heat_engine) -> None:  # type: ignore[no-untyped-def]
    fc = heat_surface(heat_engine, FilterSet(), HeatOptions())
    with heat_engine.connect() as conn:
        n_exact = conn.execute(text(
            "SELECT count(*) FROM incident WHERE location_precision = 'exact'")).scalar()
        centre = shapely.from_wkt(conn.execute(text(
            "SELECT ST_AsText(ST_PointOnSurface(geom)) FROM admin_area WHERE kode = :k"),
            {"k": HOT_DESA}).scalar())
        kabupaten = shapely.from_wkt(conn.execute(text(
            "SELECT ST_AsText(ST_Union(geom)) FROM admin_area WHERE level = 'desa'")).scalar())
    assert fc["n_incidents"] == n_exact and fc["bandwidth_rule"] == "scott" and not fc["insufficient_data"]
    assert 100 <= fc["bandwidth_m"] <= 20_000 and fc["unit"] == "incidents per km2"
    assert [f["properties"]["band"] for f in fc["features"]] == list(range(1, len(fc["features"]) + 1))
    top = shapely.from_geojson(orjson.dumps(fc["features"][-1]["geometry"]).decode())
    assert top.distance(centre) < 0.03  # degrees, about 3 km
    assert kabupaten.buffer(0.001).contains(_union(fc))
    for feature in fc["features"]:
        geom = shapely.from_geojson(orjson.dumps(feature["geometry"]).decode())
        assert geom.geom_type == "MultiPolygon" and all(shapely.is_ccw(p.exterior) for p in geom.geoms)


def test_bandwidth_override_points_and_thin_data(heat_engine) -> None:  # type: ignore[no-untyped-def]
    user = heat_surface(heat_engine, FilterSet(), HeatOptions(bandwidth_m=3000, bands=3))
    assert user["bandwidth_m"] == 3000 and user["bandwidth_rule"] == "user" and len(user["features"]) <= 3
    assert user["cell_m"] == pytest.approx(1000, rel=0.01)  # h / 3
    everything = heat_surface(heat_engine, FilterSet(), HeatOptions(points="all"))
    default = heat_surface(heat_engine, FilterSet(), HeatOptions())
    assert everything["n_incidents"] == default["n_incidents"] + 1
    thin = heat_surface(heat_engine, FilterSet(kategori=("unjuk_rasa",)), HeatOptions(min_incidents=50))
    assert thin["insufficient_data"] and thin["features"] == []
    with pytest.raises(ValueError, match="bandwidth_m"):
        HeatOptions(bandwidth_m=5)


def test_within_clips_to_that_kecamatan(heat_engine) -> None:  # type: ignore[no-untyped-def]
    outline = district_outline(heat_engine, "74.05.08")
    assert district_outline(heat_engine, "74.05.08") is outline
    fc = heat_surface(heat_engine, FilterSet(within="74.05.08"), HeatOptions(min_incidents=5))
    with heat_engine.connect() as conn:
        ranomeeto = shapely.from_wkt(conn.execute(text(
            "SELECT ST_AsText(ST_Union(geom)) FROM admin_area WHERE kode LIKE '74.05.08.%'")).scalar())
    assert fc["n_incidents"] == 60 and fc["features"]
    assert ranomeeto.buffer(0.001).contains(_union(fc))
