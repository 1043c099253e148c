"""Explainable TPS risk: factors worked out by hand, official and manual categories, audit."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from pks_geo.audit import events
from pks_geo.planning.risk import ANALYST_FIELDS, FACTORS, compute_risk, fields_for_role
from pks_geo.planning.risk_overrides import clear_override, set_override
from pks_geo.planning.security_data import load_security_data
from pks_geo.queries.filters import FilterSet, ParameterError
from pks_geo.stats import hotspots
from pks_geo.web import create_app
from tests.security_setup import (
    add_election,
    add_incident,
    add_tps,
    boundary_engine,
    inside,
    offset,
    token_for,
    write_security_dir,
)

D1 = "74.05.03.2001"  # Andoolo, kecamatan Andoolo (Polsek A of the test jurisdictions)
D2 = "74.05.11.2017"  # Laonti, kecamatan Laonti (Polsek B)
CLUSTER = (D1, "74.05.03.2015", "74.05.03.2031", "74.05.03.1002", "74.05.17.2007")  # D1 and its neighbours


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths, tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    with engine.begin() as conn:
        add_election(conn, "pilgub-uji", date(2018, 6, 27), "pilgub")
        add_election(conn, "pilkada-uji", date(2024, 11, 27), "pilkada")
        add_election(conn, "pilkada-2030", date(2030, 6, 1), "pilkada")
        p1 = inside(conn, D1)
        p2 = inside(conn, D2)
        post_a = offset(conn, *p1, 11_000)
        t1 = add_tps(conn, "pilkada-uji", D1, 1, p1, dpt=500)
        t2 = add_tps(conn, "pilkada-uji", D1, 2, offset(conn, *p1, 0, 2500), dpt=150)
        t3 = add_tps(conn, "pilkada-uji", D2, 1, p2, dpt=100, kategori="sangat rawan")
        t4 = add_tps(conn, "pilkada-uji", D2, 2, None, dpt=None)
        add_incident(conn, "I1", date(2024, 10, 1), "bentrok", p1, D1)
        add_incident(conn, "I2", date(2024, 9, 1), "unjuk_rasa", offset(conn, *p1, 1500), D1)
        add_incident(conn, "I3", date(2024, 8, 1), "kekerasan", p1, D1, meninggal=1)
        add_incident(conn, "I4", date(2022, 1, 1), "bentrok", p1, D1)  # before the window
        add_incident(conn, "I5", date(2024, 7, 1), "intimidasi", None, D1, precision="desa")
        add_incident(conn, "I6", date(2024, 6, 1), "bentrok", offset(conn, *p1, 4000), D1)  # beyond 3 km
        add_incident(conn, "I7", date(2018, 6, 20), "kerusuhan", offset(conn, *p1, 500), D1,
                     election="pilgub-uji")
        add_incident(conn, "I8", date(2018, 6, 21), "bentrok", offset(conn, *p1, 2000), D1,
                     election="pilgub-uji")  # previous election, but beyond 1 km
        t5 = add_tps(conn, "pilkada-2030", D1, 1, p1, dpt=300)
        for n, desa in enumerate(CLUSTER):  # a hot spot for the 2030 window only
            where = inside(conn, desa)
            for k in range(12):
                add_incident(conn, f"H{n}-{k}", date(2029, 9, 1 + k), "bentrok", where, desa)
    folder = write_security_dir(tmp_path_factory.mktemp("security"), [
        ("polres-uji", "polres", "Polres Uji", "", *offset_lonlat(engine, p1, -30_000)),
        ("polsek-a", "polsek", "Polsek A", "a", *post_a),
        ("polsek-b", "polsek", "Polsek B", "b", *p2),
    ])
    url = engine.url.render_as_string(hide_password=False)
    return SimpleNamespace(engine=engine, url=url, data=load_security_data(folder), folder=folder,
                           t1=t1, t2=t2, t3=t3, t4=t4, t5=t5, p1=p1, p2=p2)


def offset_lonlat(engine, point, east_m):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return offset(conn, *point, east_m)


def _item(result, kode_tps):  # type: ignore[no-untyped-def]
    return next(i for i in result.items if i.kode_tps == kode_tps)


def _factor(item, key):  # type: ignore[no-untyped-def]
    return next(f for f in item.factors if f.key == key)


def test_every_factor_of_a_tps_worked_out_by_hand(world) -> None:
    result = compute_risk(world.engine, "pilkada-uji", data=world.data)
    t1 = _item(result, world.t1)
    assert [f.key for f in t1.factors] == list(FACTORS)
    incidents = _factor(t1, "incidents")
    # bentrok at 0 m (1.0) + unjuk rasa at 1.5 km (0.4 x 0.5) + kekerasan with a death (1.0 x 1.5)
    # + intimidasi known only to the desa (0.8 x 0.5); I4 is before the window, I6 beyond 3 km.
    assert incidents.value == pytest.approx(3.1, abs=1e-3)
    assert incidents.points == 27.1  # 35 x 3.1 / 4
    assert incidents.data["n_incidents"] == 4 and incidents.data["n_desa_precision"] == 1
    assert "4 kejadian dalam 3 km" in incidents.detail
    previous = _factor(t1, "previous_election")
    assert previous.data["n_incidents"] == 1 and previous.points == 10.0  # kerusuhan at 500 m, I8 at 2 km
    assert _factor(t1, "dpt").points == 10.0  # 500 voters: full points
    post = _factor(t1, "post_distance")
    assert post.data["post"] == "polsek-a" and post.value == pytest.approx(11_000, abs=2)
    assert post.points == 7.5  # 15 x (11 - 2) / (20 - 2)
    hotspot = _factor(t1, "hotspot")
    assert hotspot.skipped and hotspot.points == 0 and "kurang dari minimum 10" in hotspot.detail
    assert t1.score == 54.6
    assert (t1.computed_category, t1.category, t1.category_source) == ("rawan", "rawan", "computed")
    assert (t1.polsek, t1.polres) == ("a", "p")
    assert any("hot" in note.lower() for note in result.notes)


def test_the_official_category_wins_over_the_computed_one(world) -> None:
    t3 = _item(compute_risk(world.engine, "pilkada-uji", data=world.data), world.t3)
    assert t3.computed_category == "kurang rawan"
    assert (t3.category, t3.category_source) == ("sangat rawan", "official")
    assert t3.official_category == "sangat rawan"


def test_a_tps_without_coordinates_is_placed_in_its_desa_and_says_so(world) -> None:
    t4 = _item(compute_risk(world.engine, "pilkada-uji", data=world.data), world.t4)
    assert t4.location_approx and t4.lon is not None
    dpt = _factor(t4, "dpt")
    assert dpt.skipped and dpt.points == 0 and "tidak diketahui" in dpt.detail


def test_english_details_and_the_default_election(world) -> None:
    result = compute_risk(world.engine, None, data=world.data, lang="en", with_hotspots=False)
    assert result.election.code == "pilkada-2030"  # the latest election that has TPS
    detail = _factor(result.items[0], "incidents").detail
    assert "incidents within 3 km" in detail or "No incidents" in detail
    with pytest.raises(ParameterError) as err:
        compute_risk(world.engine, "pemilu-9999", data=world.data)
    assert err.value.parameter == "election"


def test_the_hotspot_factor_uses_the_desa_gi_star_bin(world) -> None:
    # Without the FDR correction a cluster of 5 of 351 desa is significant (with it, 5 areas
    # at the smallest attainable p do not survive 351 tests).
    risk = world.data.risk
    data = replace(world.data, risk=replace(risk, hotspot={**risk.hotspot, "fdr": False}))
    result = compute_risk(world.engine, "pilkada-2030", data=data)
    factor = _factor(_item(result, world.t5), "hotspot")
    window = FilterSet(level="desa", date_from=result.date_from, date_to=result.date_to)
    options = hotspots.HotspotOptions(permutations=risk.hotspot["permutations"], fdr=False)
    expected = hotspots.hotspots(world.engine, "desa", "count", window, options)
    gi_bin = int(expected.table.loc[D1, "gi_bin"])
    assert not factor.skipped and factor.data["gi_bin"] == gi_bin
    assert gi_bin == 3  # 60 incidents in D1 and its four neighbours, none elsewhere
    assert factor.points == 20.0 and "hotspot" in factor.detail


def test_an_override_wins_and_every_change_is_audited(world) -> None:
    kode = world.t3
    stored = set_override(world.engine, "pilkada-uji", kode, "kurang rawan", "Situasi sudah kondusif",
                          actor="budi")
    assert stored["kategori"] == "kurang rawan"
    t3 = _item(compute_risk(world.engine, "pilkada-uji", data=world.data, with_hotspots=False), kode)
    assert (t3.category, t3.category_source) == ("kurang rawan", "override")
    assert t3.official_category == "sangat rawan"
    assert t3.override_reason == "Situasi sudah kondusif" and t3.override_by == "budi"
    set_override(world.engine, "pilkada-uji", kode, "rawan", "Ada laporan baru dari Polsek", actor="ani")
    assert clear_override(world.engine, "pilkada-uji", kode, actor="ani", reason="selesai")
    trail = events(world.engine, "tps_risk_override", f"pilkada-uji:{kode}")
    assert [(e["actor"], e["action"]) for e in trail] == [("budi", "override_set"), ("ani", "override_set"),
                                                          ("ani", "override_clear")]
    assert trail[0]["before"] is None and trail[0]["after"]["kategori"] == "kurang rawan"
    assert trail[1]["before"]["kategori"] == "kurang rawan" and trail[1]["after"]["kategori"] == "rawan"
    assert trail[2]["before"]["kategori"] == "rawan" and trail[2]["after"]["reason"] == "selesai"
    t3 = _item(compute_risk(world.engine, "pilkada-uji", data=world.data, with_hotspots=False), kode)
    assert t3.category_source == "official"


@pytest.mark.parametrize(("kode", "kategori", "reason", "parameter"), [
    (D1, "rawan", "alasan cukup", "kode_tps"),
    ("7405032001099", "rawan", "alasan cukup", "kode_tps"),
    ("7405032001001", "aman", "alasan cukup", "kategori"),
    ("7405032001001", "rawan", "  ok ", "reason"),
])
def test_a_bad_override_is_refused_and_stores_nothing(world, kode, kategori, reason, parameter) -> None:
    def stored():  # type: ignore[no-untyped-def]
        with world.engine.connect() as conn:
            return (conn.execute(text("SELECT count(*) FROM tps_risk_override")).scalar(),
                    conn.execute(text("SELECT count(*) FROM audit_event")).scalar())

    before = stored()
    with pytest.raises(ParameterError) as err:
        set_override(world.engine, "pilkada-uji", kode, kategori, reason, actor="budi")
    assert err.value.parameter == parameter
    assert stored() == before


def test_api_lists_factors_and_only_analysts_see_incident_ids(world) -> None:
    app = create_app({"DATABASE_URL": world.url, "TESTING": True, "SECURITY_DATA_DIR": str(world.folder)})
    client = app.test_client()
    analyst = token_for(world.engine, "analis-risk", "analyst")
    viewer = token_for(world.engine, "pengamat-faktor", "viewer")
    # risk factors are operational: anonymous visitors are refused even when they may view maps
    assert client.get("/api/v1/tps-risk?election=pilkada-uji").status_code == 401
    signed_in = client.get("/api/v1/tps-risk?election=pilkada-uji", headers=viewer)
    assert signed_in.status_code == 200 and signed_in.mimetype == "application/geo+json"
    body = signed_in.get_json()
    assert "crs" not in body and body["meta"]["n_tps"] == 4
    feature = next(f for f in body["features"] if f["id"] == world.t1)
    assert feature["geometry"]["coordinates"] == [pytest.approx(world.p1[0]), pytest.approx(world.p1[1])]
    assert [f["key"] for f in feature["properties"]["factors"]] == list(FACTORS)
    assert "incidents" not in feature["properties"]["factors"][0]["data"]
    assert "override_reason" not in feature["properties"]
    detailed = client.get("/api/v1/tps-risk?election=pilkada-uji", headers=analyst).get_json()
    listed = next(f for f in detailed["features"] if f["id"] == world.t1)["properties"]["factors"][0]["data"]
    assert len(listed["incidents"]) == 4 and listed["incidents"][0]["distance_m"] == 0
    assert "description" not in str(listed)
    # who overrode a category and why: one rule beside the data for the API and the export (issue 18)
    analyst_feature = next(f for f in detailed["features"] if f["id"] == world.t1)["properties"]
    assert set(ANALYST_FIELDS) <= set(analyst_feature)
    for headers, shown in ((viewer, ()), (analyst, ANALYST_FIELDS)):
        csv_header = client.get("/api/v1/export/tps.csv?election=pilkada-uji", headers=headers) \
            .get_data(as_text=True).splitlines()[0].split(",")
        assert [name for name in csv_header if name in ANALYST_FIELDS] == list(shown)
    bad = client.get("/api/v1/tps-risk?election=pilkada-uji&polsek=zz", headers=viewer)
    assert bad.status_code == 400 and bad.get_json()["parameter"] == "polsek"


def test_api_override_needs_an_editor_and_is_audited(world) -> None:
    app = create_app({"DATABASE_URL": world.url, "TESTING": True, "SECURITY_DATA_DIR": str(world.folder)})
    client = app.test_client()
    body = {"election": "pilkada-uji", "kode_tps": world.t2, "kategori": "sangat rawan",
            "reason": "Sengketa lahan memanas"}
    viewer = token_for(world.engine, "pengamat-risk", "viewer")
    editor = token_for(world.engine, "editor-risk", "editor")
    assert client.post("/api/v1/tps-risk/override", json=body).status_code == 401
    assert client.post("/api/v1/tps-risk/override", json=body, headers=viewer).status_code == 403
    missing = client.post("/api/v1/tps-risk/override", json={**body, "reason": ""}, headers=editor)
    assert missing.status_code == 400 and missing.get_json()["parameter"] == "reason"
    ok = client.post("/api/v1/tps-risk/override", json=body, headers=editor)
    assert ok.status_code == 200 and ok.get_json()["by"] == "editor-risk"
    risk = client.get("/api/v1/tps-risk?election=pilkada-uji", headers=viewer).get_json()
    props = next(f for f in risk["features"] if f["id"] == world.t2)["properties"]
    assert (props["category"], props["category_source"]) == ("sangat rawan", "override")
    url = f"/api/v1/tps-risk/override?election=pilkada-uji&kode_tps={world.t2}"
    assert client.delete(url, headers=editor).status_code == 200
    assert client.delete(url, headers=editor).status_code == 404
    trail = events(world.engine, "tps_risk_override", f"pilkada-uji:{world.t2}")
    assert [(e["actor"], e["action"]) for e in trail] == [("editor-risk", "override_set"),
                                                          ("editor-risk", "override_clear")]


def test_restricted_tps_fields_follow_the_role() -> None:
    assert fields_for_role(None) == fields_for_role("viewer") == ()
    assert all(fields_for_role(role) == ANALYST_FIELDS for role in ("analyst", "editor", "admin"))
