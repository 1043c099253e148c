"""The hot-spot API: RFC 7946 output with its metadata, roles, 400s naming the parameter,
and a cache that a changed incident invalidates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine, text

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.web import create_app
from tests.hotspot_data import compact_cluster, fresh_ks_engine, insert_counts, ks_desa_weights

PLANT_SEED = "74.05.11.2016"
GI_PROPERTIES = {"kode", "nama", "value", "n_incidents", "gi_z", "p_value", "p_fdr", "gi_bin", "confidence",
                 "neighbours", "explanation"}


@pytest.fixture(scope="module")
def planted() -> set[str]:
    return compact_cluster(ks_desa_weights(), PLANT_SEED, rings=3, share=0.6)


@pytest.fixture(scope="module")
def api_engine(database_factory, ks_boundary_paths, planted) -> Engine:  # type: ignore[no-untyped-def]
    engine = fresh_ks_engine(database_factory, ks_boundary_paths)
    ids = ks_desa_weights().ids
    counts = dict(zip(ids, np.random.default_rng(3).poisson(0.5, len(ids)), strict=True))
    counts.update({k: 10 for k in planted})
    insert_counts(engine, counts, date(2024, 6, 1))
    insert_counts(engine, {"74.05.08.1001": 30}, date(2023, 7, 1), kategori="unjuk_rasa", seed=5)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO election (code, name, kind, voting_day) VALUES "
                          "('pemilu-2019', 'Pemilu 2019', 'pemilu', '2019-04-17'), "
                          "('pilkada-2024', 'Pilkada 2024', 'pilkada', '2024-11-27')"))
    insert_counts(engine, {k: 6 for k in planted}, date(2019, 3, 1), election="pemilu-2019", seed=2)
    insert_counts(engine, {"74.05.08.1001": 12, "74.05.08.2002": 3}, date(2024, 11, 1),
                  election="pilkada-2024", seed=3)
    add_user(engine, "analis", "analyst", "rahasia-sekali-123", actor="test")
    return engine


@pytest.fixture(scope="module")
def api_app(api_engine):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": api_engine.url.render_as_string(hide_password=False), "TESTING": True})


@pytest.fixture
def api(api_app):  # type: ignore[no-untyped-def]
    return api_app.test_client()


@pytest.fixture(scope="module")
def analyst(api_engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {"Authorization": f"Bearer {create_token(api_engine, 'analis', 'exact', actor='test')[1]}"}


def test_hotspots_are_rfc7946_with_method_metadata(api, planted, analyst) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/hotspots?level=desa&inference=permutation&permutations=9999&seed=42&from=2024-01-01"
    response = api.get(url, headers=analyst)
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    fc = response.get_json()
    assert fc["type"] == "FeatureCollection" and "crs" not in fc
    # FDR over 351 desa needs p <= 0.05 / 351 reachable: 9,999 permutations are raised to 14,039
    assert (fc["method"], fc["weights"], fc["permutations"], fc["fdr"]) == ("gi_star", "queen", 14039, True)
    assert fc["significance"]["permutations_requested"] == 9999 and fc["significance"]["note"] is None
    assert fc["insufficient_data"] is False and fc["n_incidents"] == sum(
        f["properties"]["n_incidents"] for f in fc["features"])
    assert len(fc["features"]) == 351
    first = fc["features"][0]
    assert set(first["properties"]) == GI_PROPERTIES and first["geometry"]["type"] == "MultiPolygon"
    lon, lat = first["geometry"]["coordinates"][0][0][0]
    assert 121.8 < lon < 123 and -4.6 < lat < -3.9
    hot = {f["id"] for f in fc["features"] if f["properties"]["gi_bin"] >= 2}
    assert planted <= hot
    assert fc["joined_links"] == [{"from": "74.05.01.2010", "to": "74.05.01.1001", "distance_m": 398.9}]
    # a visitor gets the same statistics, with desa of 1 or 2 incidents suppressed (value and count)
    seen = api.get(url).get_json()
    exact = {f["id"]: f["properties"] for f in fc["features"]}
    small = {k for k, p in exact.items() if 0 < p["n_incidents"] < 3}
    assert small and seen["disclosure"] == {"level": "aggregate", "min_cell": 3}
    for f in seen["features"]:
        p = f["properties"]
        assert p["gi_z"] == exact[f["id"]]["gi_z"] and p["suppressed"] is (f["id"] in small)
        assert (p["value"], p["n_incidents"]) == ((None, None) if f["id"] in small else
                                                  (exact[f["id"]]["value"], exact[f["id"]]["n_incidents"]))
        assert all(n["value"] is None for n in p["neighbours"] if n["kode"] in small)


def test_lisa_and_distance_weights(api, planted) -> None:  # type: ignore[no-untyped-def]
    fc = api.get("/api/v1/hotspots?level=desa&method=lisa&permutations=9999&from=2024-01-01").get_json()
    props = {f["id"]: f["properties"] for f in fc["features"]}
    assert fc["method"] == "lisa" and {props[k]["lisa_cluster"] for k in planted} == {"HH"}
    assert {"quadrant", "lisa_i", "lisa_z"} <= set(props[PLANT_SEED])
    kec = api.get("/api/v1/hotspots?weights=distance&band_m=20000&permutations=199").get_json()
    assert kec["weights"] == "distance:20000" and len(kec["features"]) == 25


def test_cache_serves_repeats_and_a_new_incident_invalidates_it(api, api_engine) -> None:  # type: ignore[no-untyped-def]
    url = "/api/v1/hotspots?level=kecamatan&permutations=199"
    first, again = api.get(url), api.get(url)
    assert first.data == again.data and first.headers["ETag"] == again.headers["ETag"]
    assert api.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert api.get(url + "&fdr=false").headers["ETag"] != first.headers["ETag"]
    insert_counts(api_engine, {"74.05.01.1001": 1}, date(2024, 8, 1), seed=11)
    changed = api.get(url)
    assert changed.headers["ETag"] != first.headers["ETag"]
    assert changed.get_json()["n_incidents"] == first.get_json()["n_incidents"] + 1


def test_thin_selections_are_flagged_not_binned(api) -> None:  # type: ignore[no-untyped-def]
    fc = api.get("/api/v1/hotspots?level=desa&election=pilkada-2024&permutations=99"
                 "&min_incidents=20").get_json()
    assert fc["insufficient_data"] is True and fc["n_incidents"] == 15 and "15 incidents" in fc["reason"]
    assert all(f["properties"]["gi_bin"] is None for f in fc["features"])
    assert sum(f["properties"]["value"] for f in fc["features"]) == 15


@pytest.mark.parametrize(("query", "parameter"), [
    ("level=provinsi", "level"), ("method=kriging", "method"), ("permutations=50", "permutations"),
    ("permutations=lots", "permutations"), ("fdr=maybe", "fdr"), ("seed=-1", "seed"),
    ("weights=rook", "weights"), ("weights=distance", "band_m"), ("band_m=5000", "band_m"),
    ("weights=distance&band_m=10", "band_m"), ("metric=votes", "metric"), ("kategori=perang", "kategori"),
    ("from=2024-13-01", "from"), ("election=pemilu-1955", "election"), ("permutatons=999", "permutatons"),
    ("min_incidents=0", "min_incidents"),
])
def test_bad_hotspot_parameters_are_named(api, query, parameter) -> None:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/hotspots?{query}")
    assert response.status_code == 400
    assert response.get_json()["parameter"] == parameter


def test_clusters_show_hulls_only_and_small_clusters_need_an_analyst(api, api_engine) -> None:  # type: ignore[no-untyped-def]
    fc = api.get("/api/v1/clusters?eps_m=1500&min_points=5&kategori=unjuk_rasa").get_json()
    assert fc["n_points"] == 30 and fc["n_clusters"] >= 1
    assert set(fc["features"][0]["properties"]) == {"cluster", "count", "first_date", "last_date", "days",
                                                    "kategori", "kategori_count", "area_km2"}
    assert fc["features"][0]["properties"]["kategori"] == "unjuk_rasa"
    refused = api.get("/api/v1/clusters?min_points=1")
    assert refused.status_code == 400 and refused.get_json()["parameter"] == "min_points"
    _, token = create_token(api_engine, "analis", actor="test")
    allowed = api.get("/api/v1/clusters?min_points=1&eps_m=50", headers={"Authorization": f"Bearer {token}"})
    assert allowed.status_code == 200 and allowed.get_json()["n_clusters"] >= 30
    assert api.get("/api/v1/clusters?eps_m=5").get_json()["parameter"] == "eps_m"
    assert api.get("/api/v1/clusters?hull=alpha").get_json()["parameter"] == "hull"


def test_heat_surface_endpoint(api) -> None:  # type: ignore[no-untyped-def]
    fc = api.get("/api/v1/heat?bands=4&within=74.05.08").get_json()
    assert fc["type"] == "FeatureCollection" and fc["bandwidth_rule"] == "scott"
    assert 1 <= len(fc["features"]) <= 4 and fc["filters"]["within"] == "74.05.08"
    assert api.get("/api/v1/heat?bandwidth_m=5").get_json()["parameter"] == "bandwidth_m"
    assert api.get("/api/v1/heat?bands=20").get_json()["parameter"] == "bands"


def test_emerging_and_compare_endpoints(api, planted) -> None:  # type: ignore[no-untyped-def]
    fc = api.get("/api/v1/emerging?level=kecamatan&from=2024-05-01&to=2024-08-31&permutations=199"
                 "&min_incidents=1").get_json()
    assert fc["window"] == "month" and [w["label"] for w in fc["windows"]] == ["2024-05", "2024-06",
                                                                                "2024-07", "2024-08"]
    assert {"category", "trend", "trend_p", "bins", "z"} <= set(fc["features"][0]["properties"])
    assert api.get("/api/v1/emerging?window=stage").get_json()["parameter"] == "election"
    assert api.get("/api/v1/emerging?window=week").get_json()["parameter"] == "window"
    assert api.get("/api/v1/emerging?method=lisa").get_json()["parameter"] == "method"
    compare = api.get("/api/v1/emerging/compare?level=desa&election=pilkada-2024&permutations=9999"
                      "&min_incidents=5").get_json()
    assert compare["previous"] == "pemilu-2019" and compare["election"] == "pilkada-2024"
    changes = {f["id"]: f["properties"]["change"] for f in compare["features"]}
    assert {changes[k] for k in planted} == {"no_longer_hot"}
    assert api.get("/api/v1/emerging/compare").get_json()["parameter"] == "election"
    bad = api.get("/api/v1/emerging/compare?election=pilkada-2024&previous=pemilu-1955")
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "previous"


def test_login_required_when_anonymous_access_is_off(api_engine) -> None:  # type: ignore[no-untyped-def]
    app = create_app({"DATABASE_URL": api_engine.url.render_as_string(hide_password=False), "TESTING": True,
                      "ANONYMOUS_ROLE": "none"})
    assert app.test_client().get("/api/v1/hotspots").status_code == 401
