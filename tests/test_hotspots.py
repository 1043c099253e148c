"""Gi* and local Moran on the real Konawe Selatan desa: agreement with esda and ArcGIS's
formula, honest significance (ties, FDR), planted clusters and null data."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from esda import G_Local
from sqlalchemy import Engine

from pks_geo.queries.filters import FilterSet
from pks_geo.stats.hotspots import (
    HotspotOptions,
    compute_hotspots,
    gi_bins,
    gi_star,
    hotspots,
    local_moran,
    permutation_p,
)
from tests.hotspot_data import compact_cluster, far_from, fresh_ks_engine, insert_counts, ks_desa_weights

PLANT_SEED = "74.05.11.2016"
"""A Laonti desa; with rings=3, share=0.6 the planted cluster is 10 contiguous desa."""


@pytest.fixture(scope="module")
def weights():  # type: ignore[no-untyped-def]
    return ks_desa_weights()


@pytest.fixture(scope="module")
def planted(weights) -> set[str]:  # type: ignore[no-untyped-def]
    core = compact_cluster(weights, PLANT_SEED, rings=3, share=0.6)
    assert 8 <= len(core) <= 15
    return core


def planted_values(weights, core: set[str], seed: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    y = rng.poisson(0.5, len(weights.ids)).astype(float)
    y[[weights.ids.index(k) for k in core]] = 10.0
    return y


def test_gi_z_equals_esda_and_the_arcgis_formula(weights) -> None:  # type: ignore[no-untyped-def]
    y = np.random.default_rng(5).gamma(2.0, 3.0, len(weights.ids))
    ours = gi_star(y, weights, permutations=99, seed=1)
    reference = G_Local(y, weights.fresh_w(), transform="B", star=True, permutations=0)
    np.testing.assert_allclose(ours["gi_z"].to_numpy(), reference.Zs, rtol=0, atol=1e-9)
    # Getis & Ord (1992) / ArcGIS: binary weights with the area itself included.
    n = len(y)
    wmat = weights.w.full()[0] + np.eye(n)
    xbar, s = y.mean(), np.sqrt((y ** 2).mean() - y.mean() ** 2)
    wsum, w2sum = wmat.sum(axis=1), (wmat ** 2).sum(axis=1)
    arcgis = (wmat @ y - xbar * wsum) / (s * np.sqrt((n * w2sum - wsum ** 2) / (n - 1)))
    np.testing.assert_allclose(ours["gi_z"].to_numpy(), arcgis, rtol=0, atol=1e-9)
    assert list(ours.index) == weights.ids


def test_permutation_p_counts_ties_against_significance() -> None:
    sims = np.array([[1.0] * 999, [0.0] * 999, [0.0] * 999, np.arange(999.0)])
    p = permutation_p(np.array([1.0, 5.0, -5.0, 499.0]), sims)
    assert p[0] == 1.0  # observed equals every simulation: nothing extreme about it
    assert p[1] == pytest.approx(2 / 1000) and p[2] == pytest.approx(2 / 1000)
    assert p[3] == pytest.approx(1.0)


@pytest.mark.filterwarnings("ignore:The alternative hypothesis:DeprecationWarning")
def test_an_all_zero_neighbourhood_is_not_called_cold(weights) -> None:  # type: ignore[no-untyped-def]
    y = np.zeros(len(weights.ids))
    y[:40] = 3.0  # incidents only in Tinanggea and Angata (codes sort first)
    quiet = weights.ids.index("74.05.11.2016")
    ours = gi_star(y, weights, permutations=999, seed=3, fdr=False, inference="permutation")
    esda_p = G_Local(y, weights.fresh_w(), transform="B", star=True, permutations=999, seed=3,
                     n_jobs=1).p_sim
    assert esda_p[quiet] <= 0.002  # esda's directed p reads the tie as extreme ...
    assert ours["p_value"].iloc[quiet] > 0.5  # ... ours does not
    assert ours["gi_bin"].iloc[quiet] == 0
    assert gi_star(y, weights, fdr=False)["gi_bin"].iloc[quiet] == 0  # nor the analytic default


def test_a_seed_repeats_the_result_and_another_seed_changes_it(weights) -> None:  # type: ignore[no-untyped-def]
    y = np.random.default_rng(9).poisson(2, len(weights.ids)).astype(float)
    first = gi_star(y, weights, 199, seed=7, inference="permutation")
    again = gi_star(y, weights, 199, seed=7, inference="permutation")
    other = gi_star(y, weights, 199, seed=8, inference="permutation")
    pd.testing.assert_frame_equal(first, again)
    assert not np.array_equal(first["p_value"].to_numpy(), other["p_value"].to_numpy())
    np.testing.assert_array_equal(first["gi_z"].to_numpy(), other["gi_z"].to_numpy())


def test_bins_follow_the_arcgis_convention() -> None:
    p = np.array([0.001, 0.01, 0.03, 0.05, 0.08, 0.2, 0.004, 0.04, 0.09])
    z = np.array([4.0, 3.0, 2.1, 2.0, 1.7, 1.0, -3.0, -2.0, -1.7])
    assert list(gi_bins(p, z)) == [3, 3, 2, 2, 1, 0, -3, -2, -1]


@pytest.mark.parametrize("data_seed", [0, 1, 2])
def test_planted_cluster_is_hot_and_nothing_far_from_it(weights, planted, data_seed) -> None:  # type: ignore[no-untyped-def]
    y = planted_values(weights, planted, data_seed)
    result = gi_star(y, weights, permutations=9999, seed=42, fdr=True)
    hot = set(result.index[result["gi_bin"] >= 2])
    assert planted <= hot
    assert not hot & far_from(weights, planted, 10_000)
    assert (result["gi_bin"] < 0).sum() == 0


def test_lisa_marks_the_planted_cluster_high_high(weights, planted) -> None:  # type: ignore[no-untyped-def]
    y = planted_values(weights, planted, 0)
    lonely = "74.05.01.2003"  # a Tinanggea desa far from Laonti
    y[weights.ids.index(lonely)] = 10.0
    result = local_moran(y, weights, permutations=9999, seed=42, fdr=True)
    assert set(result.loc[sorted(planted), "lisa_cluster"]) == {"HH"}
    assert result.loc[lonely, "quadrant"] == "HL"
    assert not set(result.index[result["lisa_cluster"] == "HH"]) & far_from(weights, planted, 10_000)


def test_null_data_flags_at_most_the_expected_share_with_fdr(weights) -> None:  # type: ignore[no-untyped-def]
    with_fdr, without = [], []
    for k in range(12):
        y = np.random.default_rng(100 + k).poisson(2, len(weights.ids)).astype(float)
        result = gi_star(y, weights, permutations=999, seed=k, fdr=True)
        with_fdr.append((result["gi_bin"].abs() >= 2).mean())
        without.append((result["p_value"] <= 0.05).mean())
    assert np.mean(with_fdr) <= 0.05 * 0.2  # FDR: almost never a discovery under the null
    assert 0.0 < np.mean(without) <= 0.05  # uncorrected: about the nominal 5 %, never above


def _frame(weights, values, counts=None) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    counts = values if counts is None else counts
    return pd.DataFrame({"kode": weights.ids, "nama": weights.ids, "value": values, "n_incidents": counts})


def test_too_few_incidents_or_no_variation_give_no_bins(weights) -> None:  # type: ignore[no-untyped-def]
    values = np.zeros(len(weights.ids))
    values[:9] = 1
    thin = compute_hotspots(_frame(weights, values), weights, HotspotOptions(permutations=99))
    assert thin.insufficient_data and "9 incidents" in thin.reason
    assert thin.table["gi_bin"].isna().all() and thin.table["value"].sum() == 9
    flat = compute_hotspots(_frame(weights, np.full(len(weights.ids), 2.0)), weights,
                            HotspotOptions(permutations=99))
    assert flat.insufficient_data and flat.reason == "every area has the same value"
    enough = compute_hotspots(_frame(weights, values), weights,
                              HotspotOptions(permutations=99, min_incidents=5))
    assert not enough.insufficient_data and enough.table["gi_bin"].notna().all()


def test_areas_without_a_value_are_left_out_and_islands_rejoined(weights) -> None:  # type: ignore[no-untyped-def]
    values = np.random.default_rng(4).poisson(3, len(weights.ids)).astype(float)
    missing = ["74.05.01.1001", "74.05.11.2016"]  # Tinanggea: the only neighbour of Bungin Permai
    for kode in missing:
        values[weights.ids.index(kode)] = np.nan
    result = compute_hotspots(_frame(weights, values, np.nan_to_num(values)), weights,
                              HotspotOptions(permutations=99))
    assert result.table.loc[missing, "gi_z"].isna().all()
    assert result.table.drop(index=missing)["gi_z"].notna().all()
    assert any(a == "74.05.01.2010" for a, _, _ in result.added_links)  # Bungin Permai re-joined


@pytest.fixture(scope="module")
def planted_engine(database_factory, ks_boundary_paths, weights, planted) -> Engine:  # type: ignore[no-untyped-def]
    engine = fresh_ks_engine(database_factory, ks_boundary_paths)
    y = planted_values(weights, planted, 1)
    insert_counts(engine, dict(zip(weights.ids, y.astype(int), strict=True)), date(2024, 10, 1))
    return engine


def test_planted_cluster_from_the_database_end_to_end(planted_engine, weights, planted) -> None:  # type: ignore[no-untyped-def]
    options = HotspotOptions(permutations=9999, seed=42)
    result = hotspots(planted_engine, "desa", "count", FilterSet(level="desa"), options)
    table = result.table
    assert result.n_incidents == int(planted_values(weights, planted, 1).sum())
    assert table.loc[sorted(planted), "value"].eq(10).all()
    hot = set(table.index[table["gi_bin"].fillna(0) >= 2])
    assert planted <= hot and not hot & far_from(weights, planted, 10_000)
    kec = hotspots(planted_engine, "kecamatan", "count", FilterSet(), HotspotOptions(permutations=999))
    assert len(kec.table) == 25 and kec.weights == "queen"
