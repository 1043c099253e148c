"""Personnel calculator: totals per Polsek and Polres on an example worked out by hand."""

from __future__ import annotations

import tomllib
from datetime import date
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from pks_geo.cli import main
from pks_geo.manifest import load_manifest
from pks_geo.planning.personnel import personnel_plan
from pks_geo.planning.security_data import (
    SecurityDataError,
    load_security_data,
    parse_jurisdictions,
    parse_posts,
    parse_profiles,
)
from pks_geo.queries.filters import ParameterError
from pks_geo.web import create_app
from tests.security_setup import (
    JURISDICTIONS,
    add_election,
    add_tps,
    boundary_engine,
    inside,
    token_for,
    write_security_dir,
)

DESA_A = "74.05.03.2001"  # kecamatan Andoolo -> Polsek A
DESA_B = "74.05.11.2017"  # kecamatan Laonti -> Polsek B
DESA_NONE = "74.05.01.1001"  # kecamatan Tinanggea: under no Polsek of the test data


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths, tmp_path_factory):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    plan = {DESA_A: ["kurang rawan"] * 9 + ["rawan"] * 3 + ["sangat rawan"],
            DESA_B: ["kurang rawan"] * 2 + ["sangat rawan"] * 3,
            DESA_NONE: ["kurang rawan"] * 2}
    with engine.begin() as conn:
        add_election(conn, "pilkada-p", date(2024, 11, 27))
        for desa, categories in plan.items():
            where = inside(conn, desa)
            for no, category in enumerate(categories, start=1):
                add_tps(conn, "pilkada-p", desa, no, where, kategori=category)
        post = inside(conn, DESA_A)
    folder = write_security_dir(tmp_path_factory.mktemp("security"), [
        ("polres-uji", "polres", "Polres Uji", "", *post), ("polsek-a", "polsek", "Polsek A", "a", *post),
        ("polsek-b", "polsek", "Polsek B", "b", *post)])
    return SimpleNamespace(engine=engine, url=engine.url.render_as_string(hide_password=False),
                           folder=folder, data=load_security_data(folder))


def _unit(units, unit_id):  # type: ignore[no-untyped-def]
    return next(u for u in units if u.id == unit_id)


def test_totals_per_polsek_and_polres_match_the_hand_computed_example(world) -> None:
    plan = personnel_plan(world.engine, "pilkada-p", "uji", data=world.data)
    a = _unit(plan.polsek, "a")
    # kurang rawan: ceil(9/4) = 3 groups x 2 police, x 6 Linmas; rawan: ceil(3/2) = 2 x 4, x 8;
    # sangat rawan: ceil(1/2) = 1 x 6, x 8  ->  6 + 8 + 6 = 20 police, 18 + 16 + 8 = 42 Linmas.
    assert [(c.n_tps, c.groups, c.police, c.linmas) for c in a.by_category.values()] == [
        (9, 3, 6, 18), (3, 2, 8, 16), (1, 1, 6, 8)]
    assert (a.n_tps, a.police_required, a.linmas_required) == (13, 20, 42)
    # 10 available, 25 % in reserve -> 7 deployable (rounded down), 3 in reserve, short by 13.
    assert (a.available, a.deployable, a.reserve, a.shortfall, a.status) == (10, 7, 3, 13, "kurang")
    b = _unit(plan.polsek, "b")
    # kurang rawan ceil(2/4) = 1 x 2 police, 6 Linmas; sangat rawan ceil(3/2) = 2 x 6 police, x 8.
    assert (b.n_tps, b.police_required, b.linmas_required) == (5, 14, 22)
    assert (b.available, b.deployable, b.shortfall) == (4, 3, 11)
    p = _unit(plan.polres, "p")
    # The Polres pools its HQ (10 -> 7 deployable) and its Polsek (7 + 3): 17 against 34.
    assert (p.n_tps, p.police_required, p.linmas_required) == (18, 34, 64)
    assert (p.available, p.deployable, p.shortfall, p.polsek_shortfall) == (24, 17, 17, 24)
    unassigned = _unit(plan.polsek, "_unassigned")
    assert (unassigned.n_tps, unassigned.police_required, unassigned.linmas_required) == (2, 2, 6)
    assert any("no Polsek" in note for note in plan.notes)
    totals = plan.totals()
    assert totals["police_required"] == 36 and totals["polsek_with_shortfall"] == ["a", "b", "_unassigned"]


def test_reserve_share_and_a_profile_without_linmas(world) -> None:
    plan = personnel_plan(world.engine, "pilkada-p", "tanpa-linmas", reserve_share=0.5, data=world.data)
    a, b = _unit(plan.polsek, "a"), _unit(plan.polsek, "b")
    # 1 police per 8 kurang rawan TPS, 1 per rawan TPS, 2 per sangat rawan TPS.
    assert (a.police_required, b.police_required) == (2 + 3 + 2, 1 + 6)
    assert a.linmas_required is None and plan.totals()["linmas_required"] is None
    assert (a.deployable, b.deployable, _unit(plan.polres, "p").deployable) == (5, 2, 12)
    assert plan.reserve_source == "request parameter reserve"
    assert any("assumed for the test" in note for note in plan.notes)


def test_api_personnel_per_polsek_and_polres(world) -> None:
    app = create_app({"DATABASE_URL": world.url, "TESTING": True, "SECURITY_DATA_DIR": str(world.folder)})
    client = app.test_client()
    assert client.get("/api/v1/personnel?election=pilkada-p").status_code == 401  # operational: log in
    assert client.get("/api/v1/security-data").status_code == 401  # post positions too
    viewer = token_for(world.engine, "pengamat-personil", "viewer")
    client.environ_base["HTTP_AUTHORIZATION"] = viewer["Authorization"]
    body = client.get("/api/v1/personnel?election=pilkada-p&profile=uji").get_json()
    assert body["profile"]["source"] == "test: DOMAIN.md Pemilu 2019 pattern"
    assert {u["id"]: u["police_required"] for u in body["polsek"]} == {"a": 20, "b": 14, "_unassigned": 2}
    assert body["polres"][0]["status"] == "kurang" and body["totals"]["shortfall"] == 17
    default = client.get("/api/v1/personnel?election=pilkada-p").get_json()
    assert default["profile"]["id"] == "uji"  # [defaults] profile of the test data
    for query, parameter in (("profile=nope", "profile"), ("reserve=2", "reserve"),
                             ("election=x", "election"), ("polsek=a", "polsek")):
        response = client.get(f"/api/v1/personnel?{query}")
        assert response.status_code == 400 and response.get_json()["parameter"] == parameter


def test_bad_data_files_name_the_file_entry_and_field() -> None:
    posts = parse_posts("id,kind,name,polsek,kecamatan_kode,lon,lat,source\n"
                        "p1,polsek,Polsek,a,,122.3,-4.3,x\n")
    twice = JURISDICTIONS.replace('kecamatan = ["74.05.11"]', 'kecamatan = ["74.05.03"]')
    refs = {name: posts["p1"] for name in ("polres-uji", "polsek-a", "polsek-b")}
    with pytest.raises(SecurityDataError, match=r"\[polsek\.b\] kecamatan: 74\.05\.03 is already under"):
        parse_jurisdictions(tomllib.loads(twice), refs)
    with pytest.raises(SecurityDataError, match=r"line 3 field lon"):
        parse_posts("# comment\nid,kind,name,polsek,kecamatan_kode,lon,lat,source\np,polsek,P,a,,east,-4,x\n")
    with pytest.raises(SecurityDataError, match=r"\[profile\.x\] rawan: missing"):
        parse_profiles(tomllib.loads('[profile.x]\nname = "x"\nsource = "s"\n'
                                    'kurang_rawan = { tps = 1, police = 1 }\n'))


def test_the_shipped_data_files_cover_every_kecamatan_and_name_their_sources() -> None:
    data = load_security_data()
    expected = set(load_manifest().expected_kecamatan)
    assigned = data.jurisdictions.polsek_of_kecamatan()
    assert set(assigned) == expected
    kendari = {k for k, s in assigned.items() if data.jurisdictions.polsek[s].polres == "kendari"}
    assert kendari and kendari < expected  # part of the kabupaten is policed from the city
    assert all(p.source for p in data.profiles.profiles.values())
    assert all(data.posts[p.post] for p in data.jurisdictions.polsek.values())
    result = CliRunner().invoke(main, ["security", "check"])
    assert result.exit_code == 0 and "security data OK" in result.output


def test_an_unknown_profile_is_refused(world) -> None:
    with pytest.raises(ParameterError) as err:
        personnel_plan(world.engine, "pilkada-p", "nope", data=world.data)
    assert err.value.parameter == "profile"
