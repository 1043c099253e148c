"""Spatial weights on the shared boundaries: fuzzy queen contiguity, joined islands and
parts, distance bands, subsets, and the cache keyed by the boundary version."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from libpysal.weights import Queen
from sqlalchemy import Engine, text

from pks_geo.stats.weights import (
    area_layer,
    area_weights,
    boundary_version,
    build_weights,
    frame_from_geojson,
)
from tests.conftest import SHARED_BOUNDARIES
from tests.hotspot_data import fresh_ks_engine, ks_desa_weights

BOUNDARIES = SHARED_BOUNDARIES  # the province file is shared scale data


def _links(weights) -> set[frozenset[str]]:  # type: ignore[no-untyped-def]
    return {frozenset((a, b)) for a, ns in weights.neighbors.items() for b in ns}


def test_the_coastal_island_gets_its_nearest_neighbour() -> None:
    weights = ks_desa_weights()
    assert weights.added == [("74.05.01.2010", "74.05.01.1001", pytest.approx(398.9, abs=0.5))]
    assert weights.neighbors["74.05.01.2010"] == ["74.05.01.1001"]  # Bungin Permai -> Tinanggea
    assert "74.05.01.2010" in weights.neighbors["74.05.01.1001"]
    w = weights.w
    assert w.n == 351 and not w.islands and w.n_components == 1


def test_weights_are_symmetric_binary_and_never_self() -> None:
    weights = ks_desa_weights()
    for a, ns in weights.neighbors.items():
        assert a not in ns and len(ns) == len(set(ns))
        for b in ns:
            assert a in weights.neighbors[b]
    assert set(weights.w.weights["74.05.11.2016"]) == {1.0}


def test_fuzzy_contiguity_finds_neighbours_strict_queen_misses() -> None:
    frame = frame_from_geojson(str(BOUNDARIES / "konawe_selatan_kecamatan.geojson"))
    ours = build_weights(frame.geometry)
    strict = Queen.from_dataframe(frame.reset_index(), ids="kode", silence_warnings=True)
    strict_links = {frozenset((a, b)) for a, ns in strict.neighbors.items() for b in ns}
    assert strict_links < _links(ours)
    # Konda and Ranomeeto overlap by 2.8 km2 without sharing a vertex (shared README)
    assert "74.05.08" in ours.neighbors["74.05.07"]
    for a, b in _links(ours) - strict_links:
        assert frame.geometry[a].distance(frame.geometry[b]) <= ours.snap_m


def test_province_islands_and_parts_are_joined_by_the_shortest_links() -> None:
    frame = frame_from_geojson(str(BOUNDARIES / "sulawesi_tenggara_desa.geojson"))
    weights = build_weights(frame.geometry)
    w = weights.w
    assert w.n == 2283 and not w.islands and w.n_components == 1
    assert len(weights.added) >= 26  # the shared file has 26 desa without any neighbour
    for a, b, distance in weights.added:
        assert frame.geometry[a].distance(frame.geometry[b]) == pytest.approx(distance, abs=0.1)


def test_distance_band_matches_brute_force_and_links_the_isolated() -> None:
    frame = frame_from_geojson(str(BOUNDARIES / "konawe_selatan_desa.geojson"))
    weights = build_weights(frame.geometry, "distance", band_m=3000)
    xy = shapely.get_coordinates(frame.geometry.centroid.values)
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    ids = list(frame.index)
    expected = {frozenset((ids[i], ids[j])) for i, j in zip(*np.nonzero((d <= 3000) & (d > 0)), strict=True)}
    added = {frozenset((a, b)) for a, b, _ in weights.added}
    assert _links(weights) == expected | added
    for a, _, distance in weights.added:
        i = ids.index(a)
        assert np.sort(d[i])[1] == pytest.approx(distance, abs=0.1) and distance > 3000
    assert weights.describe() == "distance:3000"
    with pytest.raises(ValueError, match="band_m"):
        build_weights(frame.geometry, "distance")
    with pytest.raises(ValueError, match="weights must be one of"):
        build_weights(frame.geometry, "rook")


def test_a_subset_is_connected_again() -> None:
    weights = ks_desa_weights()
    laeya = [k for k in weights.ids if k.startswith("74.05.19.")]
    sub = weights.subset(laeya)
    assert sub.ids == laeya and sub.w.n_components == 1 and not sub.w.islands
    assert all(n.startswith("74.05.19.") for ns in sub.neighbors.values() for n in ns)
    assert weights.subset(laeya) is sub  # cached
    assert weights.subset(weights.ids) is weights


@pytest.fixture(scope="module")
def own_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return fresh_ks_engine(database_factory, ks_boundary_paths)


def test_database_weights_equal_file_weights_and_are_cached(own_engine) -> None:  # type: ignore[no-untyped-def]
    weights = area_weights(own_engine, "desa")
    assert _links(weights) == _links(ks_desa_weights())
    assert area_weights(own_engine, "desa") is weights
    layer = area_layer(own_engine, "desa")
    assert len(layer.geojson) == 351 and layer.geojson["74.05.01.2010"].startswith('{"type":"MultiPolygon"')
    kec = area_weights(own_engine, "kecamatan", "distance", 15_000)
    assert kec.ids == sorted(kec.ids) and len(kec.ids) == 25
    with pytest.raises(ValueError, match="level must be one of"):
        area_layer(own_engine, "kabupaten")


def test_changed_boundaries_invalidate_the_cache(own_engine) -> None:  # type: ignore[no-untyped-def]
    before_version = boundary_version(own_engine, "desa")
    before = area_weights(own_engine, "desa")
    with own_engine.begin() as conn:  # move the island desa next to Tinanggea's neighbour
        conn.execute(text("UPDATE admin_area SET geom = ST_Multi(ST_Translate(geom, 0.0001, 0)) "
                          "WHERE kode = '74.05.01.2010'"))
    assert boundary_version(own_engine, "desa") != before_version
    after = area_weights(own_engine, "desa")
    assert after is not before
    assert area_weights(own_engine, "kecamatan") is area_weights(own_engine, "kecamatan")
