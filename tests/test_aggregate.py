"""Aggregation per kecamatan/desa in PostGIS, checked against independent GeoPandas and pandas
computations on the same seeded data (a database of its own, see analysis_dataset.py)."""

from __future__ import annotations

from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from esda.smoothing import Empirical_Bayes
from sqlalchemy import text

from pks_geo.queries.filters import FilterSet, ParameterError, parse_filters
from pks_geo.stats.aggregate import aggregate
from tests.analysis_dataset import NO_TPS_KECAMATAN, Dataset, get_dataset, incidents_frame


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


def _polygons(ds: Dataset, level: str) -> gpd.GeoDataFrame:
    return gpd.read_postgis(text("SELECT kode, area_km2, geom FROM admin_area WHERE level = :l"),
                            ds.engine, params={"l": level}, geom_col="geom")


def _counted(ds: Dataset) -> pd.DataFrame:
    frame = ds.incidents
    return frame[frame["counted"].astype(bool)]


def test_counts_per_kecamatan_equal_a_geopandas_spatial_join(ds: Dataset) -> None:
    points = incidents_frame(ds)
    points = points[points["counted"].astype(bool)]
    kecamatan = _polygons(ds, "kecamatan")
    joined = gpd.sjoin(points, kecamatan, predicate="within", how="inner")
    expected = joined.groupby("kode").size()
    result = aggregate(ds.engine, "kecamatan", "count", FilterSet()).set_index("kode")
    assert len(result) == 25
    assert expected.sum() == result["n_incidents"].sum() > 600
    for kode, row in result.iterrows():
        assert row["n_incidents"] == expected.get(kode, 0), kode
        assert row["value"] == row["n_incidents"]


def test_counts_per_desa_equal_a_geopandas_spatial_join(ds: Dataset) -> None:
    points = incidents_frame(ds)
    points = points[points["counted"].astype(bool) & (points["location_precision"] != "kecamatan")]
    joined = gpd.sjoin(points, _polygons(ds, "desa"), predicate="within", how="inner")
    expected = joined.groupby("kode").size()
    result = aggregate(ds.engine, "desa", "count", FilterSet(level="desa")).set_index("kode")
    assert len(result) == 351
    pd.testing.assert_series_equal(result["n_incidents"].loc[expected.index], expected,
                                   check_names=False, check_dtype=False)
    others = result.drop(expected.index)
    assert (others["n_incidents"] == 0).all() and (others["value"] == 0).all()
    assert result.loc[ds.empty_desa, "value"] == 0


@pytest.mark.parametrize("args", [
    {"kategori": "bentrok,unjuk_rasa"},
    {"from": "2018-01-01", "to": "2018-12-31"},
    {"election": "pemilu-2019", "stage": "kampanye"},
    {"source": "uji-b", "verified": "true"},
    {"kategori": ["intimidasi", "politik_uang"], "from": "2017-09-01", "verified": "ya"},
    {"within": "74.05.02"},
])
def test_filters_restrict_the_counts(ds: Dataset, args: dict) -> None:
    filters = parse_filters(args, ds.engine)
    frame = _counted(ds)
    if filters.kategori:
        frame = frame[frame["kategori"].isin(filters.kategori)]
    if filters.date_from:
        frame = frame[frame["event_date"] >= filters.date_from]
    if filters.date_to:
        frame = frame[frame["event_date"] <= filters.date_to]
    if filters.election:
        frame = frame[frame["election_code"] == filters.election]
    if filters.stage:
        frame = frame[frame["stage"] == filters.stage]
    if filters.source:
        frame = frame[frame["source"].isin(filters.source)]
    if filters.verified_only:
        frame = frame[frame["status"] == "verified"]
    expected = frame.groupby("kecamatan_kode").size()
    result = aggregate(ds.engine, "kecamatan", "count", filters).set_index("kode")["n_incidents"]
    if filters.within:
        assert list(result.index) == [filters.within]
        expected = expected[expected.index == filters.within]
    assert result.sum() == expected.sum() > 0
    for kode, n in result.items():
        assert n == expected.get(kode, 0), kode


def test_per_1000_dpt_uses_the_latest_election_with_tps_and_has_no_data_without_dpt(ds: Dataset) -> None:
    result = aggregate(ds.engine, "desa", "per_1000_dpt", FilterSet(level="desa")).set_index("kode")
    assert result.attrs["dpt_election"] == "pemilu-2019"
    assert "latest" in result.attrs["dpt_election_reason"]
    tps = ds.tps[ds.tps["election_code"] == "pemilu-2019"]
    dpt = tps.groupby("desa_kode")["dpt"].sum(min_count=1)
    for kode, row in result.iterrows():
        voters = dpt.get(kode, np.nan)
        if pd.isna(voters) or voters == 0:
            assert pd.isna(row["value"]), kode
        else:
            assert row["dpt"] == voters
            assert row["value"] == pytest.approx(row["n_incidents"] * 1000 / voters)
    assert pd.isna(result.loc[ds.null_dpt_desa, "value"]) and pd.isna(result.loc[ds.zero_dpt_desa, "value"])
    no_tps = result[result.index.str.startswith(NO_TPS_KECAMATAN + ".")]
    assert no_tps["value"].isna().all() and (no_tps["n_incidents"] > 0).any()
    assert (result.loc[ds.empty_desa, "value"] == 0)


def test_per_1000_dpt_of_an_election_uses_its_own_tps_and_incidents(ds: Dataset) -> None:
    filters = FilterSet(election="pilgub-sultra-2018")
    result = aggregate(ds.engine, "kecamatan", "per_1000_dpt", filters).set_index("kode")
    assert result.attrs["dpt_election"] == "pilgub-sultra-2018"
    assert result.attrs["dpt_election_reason"] == "election filter"
    frame = _counted(ds)
    n = frame[frame["election_code"] == "pilgub-sultra-2018"].groupby("kecamatan_kode").size()
    dpt = ds.tps[ds.tps["election_code"] == "pilgub-sultra-2018"].groupby("kecamatan_kode")["dpt"].sum()
    assert pd.isna(result.loc[NO_TPS_KECAMATAN, "value"])
    kode = "74.05.03"
    assert result.loc[kode, "value"] == pytest.approx(n.get(kode, 0) * 1000 / dpt[kode])


def test_per_km2_meninggal_and_luka(ds: Dataset) -> None:
    areas = _polygons(ds, "kecamatan").set_index("kode")
    per_km2 = aggregate(ds.engine, "kecamatan", "per_km2", FilterSet()).set_index("kode")
    for kode, row in per_km2.iterrows():
        assert row["value"] == pytest.approx(row["n_incidents"] / areas.loc[kode, "area_km2"])
    # A narrow filter leaves areas whose only incidents have unknown casualties.
    filters = FilterSet(level="desa", date_from=date(2017, 6, 1), date_to=date(2018, 3, 31))
    frame = _counted(ds)
    frame = frame[(frame["event_date"] <= date(2018, 3, 31)) & frame["desa_kode"].notna()]
    for metric in ("meninggal", "luka"):
        expected = frame.groupby("desa_kode")[metric].sum(min_count=1)
        result = aggregate(ds.engine, "desa", metric, filters).set_index("kode")["value"]
        assert expected.isna().any(), "the data should have an area with only unknown casualties"
        for kode, value in result.items():
            if kode in expected.index:
                assert (pd.isna(value) and pd.isna(expected[kode])) or value == expected[kode], kode
            else:
                assert value == 0, kode


def test_empirical_bayes_matches_esda_and_shrinks_towards_the_overall_rate(ds: Dataset) -> None:
    raw = aggregate(ds.engine, "desa", "per_1000_dpt", FilterSet(level="desa")).set_index("kode")
    smooth = aggregate(ds.engine, "desa", "per_1000_dpt", FilterSet(level="desa"), smooth="eb")
    smooth = smooth.set_index("kode")
    has = raw["dpt"] > 0
    reference = Empirical_Bayes(raw.loc[has, "n_incidents"].to_numpy(float),
                                raw.loc[has, "dpt"].to_numpy(float)).r.ravel() * 1000
    np.testing.assert_allclose(smooth.loc[has, "value"].to_numpy(), reference)
    assert smooth.loc[~has, "value"].isna().all()
    overall = raw.loc[has, "n_incidents"].sum() * 1000 / raw.loc[has, "dpt"].sum()
    for kode in raw.index[has]:
        low, high = sorted([raw.loc[kode, "value"], overall])
        assert low - 1e-9 <= smooth.loc[kode, "value"] <= high + 1e-9
    assert smooth["value"].max() < raw["value"].max()


@pytest.mark.parametrize("args,parameter", [
    ({"election": "pemilu-2099"}, "election"),
    ({"stage": "perang"}, "stage"),
    ({"kategori": "bentrok,tawuran"}, "kategori"),
    ({"from": "27/06/2018"}, "from"),
    ({"to": "2018-02-30"}, "to"),
    ({"from": "2019-01-01", "to": "2018-01-01"}, "from"),
    ({"verified": "mungkin"}, "verified"),
    ({"level": "provinsi"}, "level"),
    ({"source": "tidak-ada"}, "source"),
    ({"within": "74.99"}, "within"),
    ({"within": "abc"}, "within"),
    ({"election": ["pemilu-2019", "pilgub-sultra-2018"]}, "election"),
])
def test_bad_filter_values_raise_naming_the_parameter(ds: Dataset, args: dict, parameter: str) -> None:
    with pytest.raises(ParameterError) as info:
        parse_filters(args, ds.engine)
    assert info.value.parameter == parameter


def test_metric_and_smoothing_are_validated(ds: Dataset) -> None:
    with pytest.raises(ParameterError) as info:
        aggregate(ds.engine, "kecamatan", "per_capita", FilterSet())
    assert info.value.parameter == "metric"
    with pytest.raises(ParameterError) as info:
        aggregate(ds.engine, "kecamatan", "count", FilterSet(), smooth="eb")
    assert info.value.parameter == "smooth"


def test_echo_lists_what_was_applied(ds: Dataset) -> None:
    filters = parse_filters({"level": "desa", "kategori": ["bentrok", "bentrok"], "from": "2018-01-01",
                             "verified": "1"}, ds.engine)
    assert filters.echo() == {"level": "desa", "from": "2018-01-01", "to": None, "election": None,
                              "stage": None, "kategori": ["bentrok"], "source": [], "verified": True,
                              "within": None}
