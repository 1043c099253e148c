"""Emerging hot spots: the category rules on hand-made series, Mann–Kendall, monthly and
per-stage windows on a planted space-time dataset, and the two-election comparison."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, text

from pks_geo.queries.filters import FilterSet, ParameterError
from pks_geo.stats.emerging import (
    classify,
    compare_periods,
    emerging_hotspots,
    mann_kendall,
    previous_election,
)
from pks_geo.stats.hotspots import HotspotOptions
from tests.hotspot_data import compact_cluster, far_from, fresh_ks_engine, insert_counts, ks_desa_weights

H, C, N = 1, -1, 0


@pytest.mark.parametrize(("series", "trend", "expected"), [
    ([N, N, N, N, N, H], "no trend", "new_hot"),
    ([N, N, N, N, H, H, H], "increasing", "consecutive_hot"),
    ([N, H, N, N, H, H], "no trend", "sporadic_hot"),  # hot before the final run
    ([N, H, N, N, H, N, H], "no trend", "sporadic_hot"),
    ([C, N, N, H, N, H], "no trend", "oscillating_hot"),
    ([C, N, N, N, N, H], "no trend", "oscillating_hot"),  # a flip from cold is not "new"
    ([H] * 10, "no trend", "persistent_hot"),
    ([H] * 10, "increasing", "intensifying_hot"),
    ([H] * 10, "decreasing", "diminishing_hot"),
    ([H] * 8 + [N, H], "no trend", "persistent_hot"),  # 90 % of windows, last one hot
    ([H] * 9 + [N], "no trend", "historical_hot"),
    ([H] * 8 + [N, N], "no trend", "no_pattern"),  # 80 %: too few for historical
    ([N, N, N, N, N, C], "no trend", "new_cold"),
    ([C] * 10, "decreasing", "intensifying_cold"),  # cold spots intensify as z falls
    ([C] * 10, "increasing", "diminishing_cold"),
    ([C] * 9 + [N], "no trend", "historical_cold"),
    ([H, N, N, C, N, C], "no trend", "oscillating_cold"),
    ([N, H, N, N, N, N], "increasing", "no_pattern"),
    ([N] * 6, "no trend", "no_pattern"),
])
def test_category_rules_on_hand_made_series(series, trend, expected) -> None:  # type: ignore[no-untyped-def]
    assert classify(series, trend) == expected


def test_mann_kendall_on_hand_made_series() -> None:
    assert mann_kendall(np.arange(8.0))[0] == "increasing"
    trend, p, tau = mann_kendall(np.array([5.0, 4.1, 4.3, 3.0, 2.2, 2.5, 1.0, 0.4]))
    assert trend == "decreasing" and p < 0.05 and tau < -0.7
    assert mann_kendall(np.array([1.0, 3.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0]))[0] == "no trend"
    assert mann_kendall(np.zeros(6)) == ("no trend", 1.0, 0.0)


# --- a planted space-time dataset ----------------------------------------------------------

CLUSTER_SEEDS = {"always": "74.05.11.2016", "last_two": "74.05.08.2017", "last_only": "74.05.17.2015"}
ACTIVE_MONTHS = {"always": range(1, 13), "last_two": (11, 12), "last_only": (12,)}
EXPECTED = {"always": {"persistent_hot", "intensifying_hot", "diminishing_hot"},
            "last_two": {"consecutive_hot"}, "last_only": {"new_hot"}}


@pytest.fixture(scope="module")
def clusters() -> dict[str, set[str]]:
    weights = ks_desa_weights()
    return {name: compact_cluster(weights, seed, rings=3, share=0.6) for name, seed in CLUSTER_SEEDS.items()}


@pytest.fixture(scope="module")
def space_time(database_factory, ks_boundary_paths, clusters) -> Engine:  # type: ignore[no-untyped-def]
    """Twelve months of 2024: background Poisson(0.3) per desa, 8 per planted desa when active;
    two elections whose incidents sit in different clusters."""
    engine = fresh_ks_engine(database_factory, ks_boundary_paths)
    ids = ks_desa_weights().ids
    for month in range(1, 13):
        counts = dict(zip(ids, np.random.default_rng(month).poisson(0.3, len(ids)), strict=True))
        for name, members in clusters.items():
            if month in ACTIVE_MONTHS[name]:
                counts.update({k: 8 for k in members})
        insert_counts(engine, counts, date(2024, month, 15), seed=month)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO election (code, name, kind, voting_day) VALUES "
                          "('pemilu-2019', 'Pemilu 2019', 'pemilu', '2019-04-17'), "
                          "('pilkada-2024', 'Pilkada 2024', 'pilkada', '2024-11-27')"))
        stages = ["pendaftaran", "kampanye", "masa_tenang", "pemungutan_suara", "rekapitulasi", "pasca"]
        for code, year in (("pemilu-2019", 2019), ("pilkada-2024", 2024)):
            for k, stage in enumerate(stages):
                conn.execute(text("INSERT INTO election_stage (election_code, stage, start_date, end_date) "
                                  "VALUES (:c, :s, :a, :b)"),
                             {"c": code, "s": stage, "a": date(year - 1, 1 + 2 * k, 1),
                              "b": date(year - 1, 2 + 2 * k, 28)})
    background = dict(zip(ids, np.random.default_rng(99).poisson(0.3, len(ids)), strict=True))
    for code, day, cluster in (("pemilu-2019", date(2019, 3, 1), "always"),
                               ("pilkada-2024", date(2024, 11, 1), "last_only")):
        insert_counts(engine, {**background, **{k: 8 for k in clusters[cluster]}}, day,
                      election=code, stage="kampanye", source=code, seed=7)
    insert_counts(engine, {"74.05.01.1001": 2}, date(2024, 10, 1), election="pilkada-2024",
                  stage="pendaftaran", source="pilkada-2024", seed=8)
    return engine


def test_monthly_windows_find_the_planted_patterns(space_time, clusters) -> None:  # type: ignore[no-untyped-def]
    filters = FilterSet(level="desa", date_from=date(2024, 1, 1), date_to=date(2024, 12, 31),
                        source=("synthetic",))
    result = emerging_hotspots(space_time, "desa", "count", filters, "month",
                               HotspotOptions(permutations=4999, seed=42))
    assert [w["label"] for w in result.windows] == [f"2024-{m:02d}" for m in range(1, 13)]
    assert result.windows[0]["from"] == "2024-01-01" and result.windows[1]["to"] == "2024-02-29"
    table = result.table
    for name, members in clusters.items():
        categories = Counter(table.loc[sorted(members), "category"])
        assert set(categories) <= EXPECTED[name] | {"no_pattern"}, (name, categories)
        assert sum(categories[c] for c in EXPECTED[name]) >= len(members) / 2, (name, categories)
    assert (table.loc[sorted(clusters["always"]), "n_hot"] == 12).sum() >= len(clusters["always"]) / 2
    weights = ks_desa_weights()
    far = set.intersection(*(far_from(weights, m, 10_000) for m in clusters.values()))
    assert set(table.loc[sorted(far), "category"]) == {"no_pattern"}
    assert len(table.iloc[0]["bins"]) == 12 and len(table.iloc[0]["z"]) == 12


def test_stage_windows_follow_the_election_calendar(space_time) -> None:  # type: ignore[no-untyped-def]
    filters = FilterSet(level="kecamatan", election="pilkada-2024")
    result = emerging_hotspots(space_time, "kecamatan", "count", filters, "stage",
                               HotspotOptions(permutations=199, min_incidents=1))
    assert [w["label"] for w in result.windows] == ["pendaftaran", "kampanye", "masa_tenang",
                                                    "pemungutan_suara", "rekapitulasi", "pasca"]
    counts = {w["label"]: w["n_incidents"] for w in result.windows}
    assert counts["pendaftaran"] == 2 and counts["masa_tenang"] == 0 and counts["kampanye"] > 48
    assert result.windows[2]["insufficient_data"]
    assert len(result.table) == 25
    with pytest.raises(ParameterError) as err:
        emerging_hotspots(space_time, "kecamatan", "count", FilterSet(), "stage", HotspotOptions())
    assert err.value.parameter == "election"
    with pytest.raises(ParameterError) as err:
        emerging_hotspots(space_time, "desa", "count", FilterSet(level="desa", date_from=date(2024, 1, 1),
                                                                  date_to=date(2024, 2, 10)),
                          "month", HotspotOptions())
    assert err.value.parameter == "window"


def test_this_election_against_the_previous_one(space_time, clusters) -> None:  # type: ignore[no-untyped-def]
    assert previous_election(space_time, "pilkada-2024") == "pemilu-2019"
    assert previous_election(space_time, "pemilu-2019") is None
    table = compare_periods(space_time, "desa", "count",
                            FilterSet(level="desa", election="pemilu-2019"),
                            FilterSet(level="desa", election="pilkada-2024"),
                            HotspotOptions(permutations=9999, seed=1))
    assert set(table.loc[sorted(clusters["always"]), "change"]) == {"no_longer_hot"}
    assert set(table.loc[sorted(clusters["last_only"]), "change"]) == {"new_hot"}
    rows = table.loc[sorted(clusters["last_only"])]
    assert (rows["value_current"] == 8).all()
    assert (rows["difference"] == rows["value_current"] - rows["value_previous"]).all()
    weights = ks_desa_weights()
    far = far_from(weights, clusters["always"] | clusters["last_only"], 10_000)
    assert set(table.loc[sorted(far), "change"]) == {"none"}
    assert table.attrs["previous"]["n_incidents"] > 80
