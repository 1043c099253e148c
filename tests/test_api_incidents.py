"""``/api/v1/incidents`` and ``/api/v1/tps`` on a real PostGIS: roles, filters, paging, writes, audit.

Runs on its own database (boundaries + elections calendar), filled by the tests themselves,
so counts here never depend on, or disturb, other tests.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from pks_geo import audit, schema
from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.web import create_app

GEOJSON = "application/geo+json"


@pytest.fixture(scope="module")
def api_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "test")
    return engine


@pytest.fixture(scope="module")
def desa(api_engine: Engine) -> list[dict[str, object]]:
    """Three desa: two in one kecamatan, one in another; with an interior point each."""
    with api_engine.connect() as conn:
        rows = conn.execute(text("""
            WITH d AS (SELECT kode, parent_kode, ST_PointOnSurface(geom) AS p,
                              row_number() OVER (PARTITION BY parent_kode ORDER BY kode) AS n
                       FROM admin_area WHERE level = 'desa')
            SELECT kode, parent_kode, ST_X(p) AS lon, ST_Y(p) AS lat FROM d
            WHERE n <= 2 ORDER BY parent_kode, kode LIMIT 3""")).mappings().all()
    return [dict(r) for r in rows]


INSERT = text("""
INSERT INTO incident (source, external_id, event_date, kategori, description, actor1, location_precision,
                      geom, desa_kode, kecamatan_kode, election_code, stage, status)
SELECT :source, :external_id, CAST(:day AS date), :kategori, :description, 'Massa A', 'exact',
       ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :desa, :kecamatan, :election, :stage, :status
""")


@pytest.fixture(scope="module")
def seeded(api_engine: Engine, desa: list[dict[str, object]]) -> dict[str, int]:
    """3 distinct incidents (ids by letter) plus 25 older 'paging' ones in the third desa."""
    a, b, c = desa
    rows = [
        ("uji", "A", "2018-06-20", "bentrok", a, "pilgub-sultra-2018", "kampanye", "verified"),
        ("uji", "B", "2019-04-17", "politik_uang", b, "pemilu-2019", "pemungutan_suara", "unverified"),
        ("lain", "C", "2019-04-10", "intimidasi", c, "pemilu-2019", "kampanye", "unverified"),
    ] + [("paging", f"P{i:02d}", f"2017-03-{i + 1:02d}", "lainnya", c, None, None, "unverified")
         for i in range(25)]
    with api_engine.begin() as conn:
        for source, ext, day, kategori, d, election, stage, status in rows:
            conn.execute(INSERT, {"source": source, "external_id": ext, "day": day, "kategori": kategori,
                                  "description": f"Uraian rahasia {ext}", "lon": d["lon"], "lat": d["lat"],
                                  "desa": d["kode"], "kecamatan": d["parent_kode"], "election": election,
                                  "stage": stage, "status": status})
        ids = dict(conn.execute(text("SELECT external_id, id FROM incident WHERE source <> 'paging'")).all())
    return ids


@pytest.fixture(scope="module")
def tokens(api_engine: Engine) -> dict[str, dict[str, str]]:
    out = {}
    for role in ("viewer", "analyst", "editor"):
        add_user(api_engine, f"{role}-api", role, f"password-{role}", actor="test")
        _, token = create_token(api_engine, f"{role}-api", "test", actor="test")
        out[role] = {"Authorization": f"Bearer {token}"}
    return out


@pytest.fixture(scope="module")
def api(api_engine: Engine, seeded: dict[str, int]):  # type: ignore[no-untyped-def]
    url = api_engine.url.render_as_string(hide_password=False)
    return create_app({"DATABASE_URL": url, "TESTING": True}).test_client()


def ids_of(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [f["properties"]["external_id"] for f in response.json["features"]]


def incident_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM incident")).scalar_one()


# --- reading ------------------------------------------------------------------------------

def test_viewer_is_refused_incident_details_while_analyst_gets_them(api, tokens, seeded) -> None:  # type: ignore[no-untyped-def]
    incident = seeded["A"]
    assert api.get("/api/v1/incidents", headers=tokens["viewer"]).status_code == 403
    refused = api.get(f"/api/v1/incidents/{incident}", headers=tokens["viewer"])
    assert refused.status_code == 403 and refused.json["required_role"] == "analyst"
    assert api.get(f"/api/v1/incidents/{incident}").status_code == 401  # anonymous

    detail = api.get(f"/api/v1/incidents/{incident}", headers=tokens["analyst"])
    assert detail.status_code == 200 and detail.mimetype == GEOJSON
    props = detail.json["properties"]
    assert props["description"] == "Uraian rahasia A" and props["actor1"] == "Massa A"
    assert detail.json["geometry"]["type"] == "Point"
    assert api.get("/api/v1/incidents/999999", headers=tokens["analyst"]).status_code == 404


def test_listing_is_an_rfc7946_feature_collection(api, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    response = api.get("/api/v1/incidents?source=uji", headers=tokens["analyst"])
    body = response.json
    assert response.status_code == 200 and response.mimetype == GEOJSON
    assert body["type"] == "FeatureCollection" and "crs" not in body
    assert body["numberMatched"] == 2 and body["numberReturned"] == 2
    assert ids_of(response) == ["B", "A"]  # newest first
    lon, lat = body["features"][1]["geometry"]["coordinates"]
    assert (round(lon, 5), round(lat, 5)) == (round(desa[0]["lon"], 5), round(desa[0]["lat"], 5))
    props = body["features"][1]["properties"]
    assert props["desa_kode"] == desa[0]["kode"] and props["kecamatan_kode"] == desa[0]["parent_kode"]
    assert props["desa_nama"] and props["kecamatan_nama"]


@pytest.mark.parametrize(("query", "expected"), [
    ("kategori=bentrok", ["A"]),
    ("kategori=bentrok,politik_uang", ["B", "A"]),
    ("kategori=bentrok&kategori=intimidasi", ["C", "A"]),
    ("from=2019-01-01&source=uji", ["B"]),
    ("to=2018-12-31&source=uji", ["A"]),
    ("from=2019-04-10&to=2019-04-10", ["C"]),
    ("election=pemilu-2019", ["B", "C"]),
    ("stage=kampanye", ["C", "A"]),
    ("status=verified", ["A"]),
    ("source=lain", ["C"]),
])
def test_filters(api, tokens, query: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/incidents?{query}", headers=tokens["analyst"])
    assert response.status_code == 200, response.json
    assert ids_of(response) == expected


def test_area_filters_accept_codes_with_or_without_dots(api, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    kecamatan = desa[0]["parent_kode"]
    by_kecamatan = api.get(f"/api/v1/incidents?kecamatan={kecamatan}", headers=tokens["analyst"])
    assert sorted(ids_of(by_kecamatan)) == ["A", "B"]
    plain = str(desa[1]["kode"]).replace(".", "")
    assert ids_of(api.get(f"/api/v1/incidents?desa={plain}", headers=tokens["analyst"])) == ["B"]


def test_bbox_filter(api, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    lon, lat = desa[0]["lon"], desa[0]["lat"]
    bbox = f"{lon - 0.0005},{lat - 0.0005},{lon + 0.0005},{lat + 0.0005}"
    response = api.get(f"/api/v1/incidents?bbox={bbox}", headers=tokens["analyst"])
    assert ids_of(response) == ["A"]
    far = api.get("/api/v1/incidents?bbox=100,-10,101,-9", headers=tokens["analyst"])
    assert far.json["numberMatched"] == 0 and far.json["features"] == []


def test_paging_with_hard_cap(api, tokens) -> None:  # type: ignore[no-untyped-def]
    first = api.get("/api/v1/incidents?source=paging&limit=10", headers=tokens["analyst"]).json
    assert (first["numberMatched"], first["numberReturned"]) == (25, 10)
    next_link = next(link["href"] for link in first["links"] if link["rel"] == "next")
    assert "after=" in next_link and "source=paging" in next_link and "offset" not in next_link  # keyset
    second = api.get(next_link, headers=tokens["analyst"]).json
    last = api.get("/api/v1/incidents?source=paging&limit=10&offset=20", headers=tokens["analyst"]).json
    seen = [f["id"] for page in (first, second, last) for f in page["features"]]
    assert len(seen) == 25 and len(set(seen)) == 25  # stable order, no overlaps
    assert last["numberReturned"] == 5 and not any(link["rel"] == "next" for link in last["links"])
    # following next links from the first page gives the same rows as offsets, in the same order
    walked, url = [], "/api/v1/incidents?source=paging&limit=7"
    while url:
        page = api.get(url, headers=tokens["analyst"]).json
        walked.extend(f["id"] for f in page["features"])
        url = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
    by_offset = api.get("/api/v1/incidents?source=paging&limit=25", headers=tokens["analyst"]).json
    assert walked == [f["id"] for f in by_offset["features"]]
    for bad in ("after=kemarin", "after=2019-01-01,x", "after=2019-01-01,0"):
        refused = api.get(f"/api/v1/incidents?{bad}", headers=tokens["analyst"])
        assert refused.status_code == 400 and refused.json["parameter"] == "after"
    beyond = api.get("/api/v1/incidents?source=paging&offset=100", headers=tokens["analyst"]).json
    assert (beyond["numberMatched"], beyond["numberReturned"]) == (25, 0)
    assert api.get("/api/v1/incidents?limit=1000", headers=tokens["analyst"]).status_code == 200
    capped = api.get("/api/v1/incidents?limit=1001", headers=tokens["analyst"])
    assert capped.status_code == 400 and capped.json["parameter"] == "limit"
    assert "1000" in capped.json["error"]


@pytest.mark.parametrize(("query", "parameter"), [
    ("kategori=banjir", "kategori"),
    ("kecamatan=74.05.99", "kecamatan"),
    ("kecamatan=kendari", "kecamatan"),
    ("desa=74.05.01", "desa"),
    ("bbox=1,2,3", "bbox"),
    ("bbox=123,-4,122,-3", "bbox"),
    ("from=2019-13-01", "from"),
    ("from=2019-05-01&to=2019-04-01", "from"),
    ("election=pemilu-2099", "election"),
    ("stage=kampanye_akbar", "stage"),
    ("status=palsu", "status"),
    ("limit=0", "limit"),
    ("limit=sepuluh", "limit"),
    ("offset=-1", "offset"),
    ("kategory=bentrok", "kategory"),
    ("source=uji&source=lain", "source"),
])
def test_bad_parameters_are_400_naming_the_parameter(api, tokens, query: str, parameter: str) -> None:  # type: ignore[no-untyped-def]
    response = api.get(f"/api/v1/incidents?{query}", headers=tokens["analyst"])
    assert response.status_code == 400, response.json
    assert response.json["parameter"] == parameter and response.json["error"]


# --- writing ------------------------------------------------------------------------------

def _new(desa: dict[str, object], **extra: object) -> dict[str, object]:
    return {"event_date": "2019-04-12", "kategori": "perusakan", "description": "APK dirusak",
            "lat": desa["lat"], "lon": desa["lon"], **extra}


def test_editor_creates_changes_and_deletes_with_audit(api, api_engine, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    created = api.post("/api/v1/incidents", json=_new(desa[0], luka=None), headers=tokens["editor"])
    assert created.status_code == 201, created.json
    props = created.json["properties"]
    incident_id = created.json["id"]
    assert created.headers["Location"] == f"/api/v1/incidents/{incident_id}"
    assert props["desa_kode"] == desa[0]["kode"] and props["kecamatan_kode"] == desa[0]["parent_kode"]
    assert props["location_precision"] == "exact" and props["source"] == "manual"
    assert props["created_by"] == "editor-api" and props["luka"] is None
    assert (props["election_code"], props["stage"]) == ("pemilu-2019", "kampanye")  # from the calendar

    changed = api.patch(f"/api/v1/incidents/{incident_id}", json={"luka": 2, "status": "verified"},
                        headers=tokens["editor"])
    assert changed.status_code == 200, changed.json
    assert changed.json["properties"]["luka"] == 2
    assert changed.json["properties"]["description"] == "APK dirusak"
    moved = api.patch(f"/api/v1/incidents/{incident_id}", json={"lat": desa[1]["lat"], "lon": desa[1]["lon"]},
                      headers=tokens["editor"])
    assert moved.json["properties"]["desa_kode"] == desa[1]["kode"]
    same = api.patch(f"/api/v1/incidents/{incident_id}", json={"luka": 2}, headers=tokens["editor"])
    assert same.status_code == 200

    deleted = api.delete(f"/api/v1/incidents/{incident_id}", headers=tokens["editor"])
    assert deleted.status_code == 204
    assert api.get(f"/api/v1/incidents/{incident_id}", headers=tokens["editor"]).status_code == 404
    assert api.delete(f"/api/v1/incidents/{incident_id}", headers=tokens["editor"]).status_code == 404

    events = audit.events(api_engine, "incident", incident_id)
    assert [e["action"] for e in events] == ["create", "update", "update", "delete"]  # no-op not audited
    assert all(e["actor"] == "editor-api" for e in events)
    create, first_update, move, delete = events
    assert create["before"] is None and create["after"]["description"] == "APK dirusak"
    assert first_update["before"]["luka"] is None and first_update["after"]["luka"] == 2
    assert first_update["before"]["status"] == "unverified" and first_update["after"]["status"] == "verified"
    assert move["before"]["desa_kode"] == desa[0]["kode"] and move["after"]["desa_kode"] == desa[1]["kode"]
    assert move["after"]["geometry"]["coordinates"] == pytest.approx([desa[1]["lon"], desa[1]["lat"]])
    assert delete["after"] is None and delete["before"]["id"] == incident_id
    trail = api.get(f"/api/v1/incidents/{incident_id}/audit", headers=tokens["analyst"])
    assert [e["action"] for e in trail.json["events"]] == ["create", "update", "update", "delete"]
    assert trail.json["events"][1]["after"]["luka"] == 2
    assert api.get(f"/api/v1/incidents/{incident_id}/audit", headers=tokens["viewer"]).status_code == 403
    assert api.get("/api/v1/incidents/999999/audit", headers=tokens["analyst"]).status_code == 404


def test_geojson_feature_body_and_swapped_coordinates(api, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    swapped = [desa[2]["lat"], desa[2]["lon"]]
    feature = {"type": "Feature", "geometry": {"type": "Point", "coordinates": swapped},
               "properties": {"tanggal": "15/06/2018", "kategori": "Unjuk rasa", "sumber": "Polsek"}}
    created = api.post("/api/v1/incidents", json=feature, headers=tokens["editor"])
    assert created.status_code == 201, created.json
    assert created.json["properties"]["desa_kode"] == desa[2]["kode"]
    assert created.json["properties"]["kategori"] == "unjuk_rasa"
    assert created.json["geometry"]["coordinates"] == pytest.approx(swapped[::-1], abs=1e-6)
    assert "swapped" in created.json["warnings"]["lat"]
    duplicate = api.post("/api/v1/incidents", json=feature, headers=tokens["editor"])
    assert duplicate.status_code == 409 and "already exists" in duplicate.json["errors"]["external_id"]


def test_invalid_writes_return_field_errors_and_change_nothing(api, api_engine, tokens, desa, seeded) -> None:  # type: ignore[no-untyped-def]
    before = incident_count(api_engine)
    body = {"event_date": "2019-02-30", "kategori": "banjir", "meninggal": -1, "lat": desa[0]["lat"]}
    bad = api.post("/api/v1/incidents", json=body, headers=tokens["editor"])
    assert bad.status_code == 422
    errors = bad.json["errors"]
    assert "impossible date" in errors["event_date"] and "banjir" in errors["kategori"]
    assert "negative" in errors["meninggal"] and "together" in errors["lon"]
    missing = api.post("/api/v1/incidents", json={"lat": desa[0]["lat"], "lon": desa[0]["lon"]},
                       headers=tokens["editor"])
    assert missing.json["errors"] == {"event_date": "required", "kategori": "required"}
    outside = api.post("/api/v1/incidents", json=_new({"lat": -6.2, "lon": 106.8}), headers=tokens["editor"])
    assert outside.status_code == 422 and outside.json["errors"]["lat"].startswith("outside area")
    unknown = api.post("/api/v1/incidents", json=_new(desa[0], id=5, colour="red"), headers=tokens["editor"])
    assert unknown.status_code == 400
    assert unknown.json["errors"] == {"id": "read-only (set by the server)", "colour": "unknown field"}
    not_json = api.post("/api/v1/incidents", data="tanggal=2019-01-01", headers=tokens["editor"])
    assert not_json.status_code == 400 and "body" in not_json.json["errors"]
    nested = api.post("/api/v1/incidents", json=_new(desa[0], actor1=["a", "b"]), headers=tokens["editor"])
    assert nested.status_code == 400 and "actor1" in nested.json["errors"]

    target = seeded["C"]
    identity = api.patch(f"/api/v1/incidents/{target}", json={"source": "x"}, headers=tokens["editor"])
    assert identity.status_code == 400 and "source" in identity.json["errors"]
    bad_patch = api.patch(f"/api/v1/incidents/{target}", json={"luka": "banyak", "stage": "ramai"},
                          headers=tokens["editor"])
    assert bad_patch.status_code == 422 and set(bad_patch.json["errors"]) == {"luka", "stage"}
    assert api.patch(f"/api/v1/incidents/{target}", json={}, headers=tokens["editor"]).status_code == 400
    missing_id = api.patch("/api/v1/incidents/999999", json={"luka": 1}, headers=tokens["editor"])
    assert missing_id.status_code == 404
    assert incident_count(api_engine) == before
    assert audit.events(api_engine, "incident", target) == []


def test_only_editors_may_write(api, api_engine, tokens, desa, seeded) -> None:  # type: ignore[no-untyped-def]
    before = incident_count(api_engine)
    assert api.post("/api/v1/incidents", json=_new(desa[0]), headers=tokens["analyst"]).status_code == 403
    assert api.post("/api/v1/incidents", json=_new(desa[0])).status_code == 401
    assert api.patch(f"/api/v1/incidents/{seeded['A']}", json={"luka": 1},
                     headers=tokens["viewer"]).status_code == 403
    assert api.delete(f"/api/v1/incidents/{seeded['A']}", headers=tokens["analyst"]).status_code == 403
    assert incident_count(api_engine) == before


# --- polling sites ----------------------------------------------------------------------------

def test_tps_are_visible_to_viewers(api, api_engine, tokens, desa) -> None:  # type: ignore[no-untyped-def]
    with api_engine.begin() as conn:
        for number, d in enumerate(desa[:2], start=1):
            conn.execute(text("""
                INSERT INTO polling_site (election_code, kode_tps, no_tps, desa_kode, kecamatan_kode, dpt,
                                          geom, location_precision, kategori_kerawanan, source)
                VALUES ('pemilu-2019', :kode_tps, :no, :desa, :kec, 250,
                        ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 'exact', 'rawan', 'test')
                ON CONFLICT DO NOTHING"""),
                {"kode_tps": str(d["kode"]).replace(".", "") + f"{number:03d}", "no": number,
                 "desa": d["kode"], "kec": d["parent_kode"], "lon": d["lon"], "lat": d["lat"]})
    anonymous = api.get("/api/v1/tps?election=pemilu-2019")
    assert anonymous.status_code == 200 and anonymous.mimetype == GEOJSON
    assert len(anonymous.json["features"]) == 2
    first = anonymous.json["features"][0]
    assert first["properties"]["dpt"] == 250 and first["properties"]["kategori_kerawanan"] == "rawan"
    assert first["geometry"]["type"] == "Point"
    viewer = api.get(f"/api/v1/tps?election=pemilu-2019&desa={desa[1]['kode']}", headers=tokens["viewer"])
    assert [f["properties"]["desa_kode"] for f in viewer.json["features"]] == [desa[1]["kode"]]
    assert api.get("/api/v1/tps?election=pilgub-sultra-2018").json["features"] == []
    latest = api.get("/api/v1/tps").json  # the latest election that has TPS
    assert latest["election"] == "pemilu-2019" and len(latest["features"]) == 2
    for query, parameter in (("election=pemilu-2099", "election"),
                             ("election=pemilu-2019&kecamatan=xx", "kecamatan"),
                             ("election=pemilu-2019&tahun=2019", "tahun")):
        response = api.get(f"/api/v1/tps?{query}")
        assert response.status_code == 400 and response.json["parameter"] == parameter, query
