"""The map's question-answering API (places, search, area profile, time chart) and embed
links that can be listed and revoked (audited), plus the frame-ancestor check of the share
dialog. Real PostGIS, the Konawe Selatan boundaries and the briefing test incidents."""

from __future__ import annotations

import pytest

from pks_geo import audit
from pks_geo.config import Settings
from pks_geo.queries.places import Place, search_places
from pks_geo.web import create_app
from pks_geo.web.frame_check import frame_allowed
from tests.briefing_support import TEST_SECRET_KEY, BriefingDb, make_briefing_db

INTRANET = "https://intranet.example.go.id"


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def client(db: BriefingDb):  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=db.url, secret_key=TEST_SECRET_KEY,
                              frame_ancestors=("'self'", INTRANET, "https://*.polri.go.id")))
    app.config.update(TESTING=True)
    return app.test_client()


def test_places_have_labels_inside_and_search_tolerates_slips(client, db: BriefingDb) -> None:  # type: ignore[no-untyped-def]
    places = client.get("/api/v1/places", headers=db.auth("viewer")).json["places"]
    levels = [p["level"] for p in places]
    assert levels.count("kecamatan") == 25 and levels.count("desa") == 351
    konda = next(p for p in places if p["nama"] == "Konda")
    west, south, east, north = konda["bbox"]
    assert west <= konda["label"][0] <= east and south <= konda["label"][1] <= north

    def first(q: str) -> dict:
        hits = client.get("/api/v1/places/search", query_string={"q": q}, headers=db.auth("viewer")).json
        assert hits["places"], q
        return hits["places"][0]

    assert first("Konda")["level"] == "kecamatan"
    assert first("kec. konda")["nama"] == "Konda"
    assert first("Lambakra")["nama"] == "Lambakara"  # one slip, as the importer reads it
    assert first("ds. andoolo")["nama"].lower().startswith("andoolo")
    assert first("74.05.01")["kode"] == "74.05.01"
    desa = next(p for p in places if p["level"] == "desa")
    assert first(desa["kode"].replace(".", ""))["kode"] == desa["kode"]
    none = client.get("/api/v1/places/search?q=Qwertyzz", headers=db.auth("viewer")).json
    assert none["places"] == []
    assert client.get("/api/v1/places/search?q=" + "x" * 101, headers=db.auth("viewer")).status_code == 400


def test_search_prefers_exact_over_prefix() -> None:
    def place(kode: str, nama: str, level: str = "desa") -> Place:
        return Place(kode, nama, level, None, "", (0.0, 0.0), (0.0, 0.0, 1.0, 1.0))

    places = [place("1", "Andoolo Utama"), place("2", "Andoolo"), place("3", "Amdolo")]
    assert [p.nama for p in search_places(places, "andoolo")][:2] == ["Andoolo", "Andoolo Utama"]


def test_profile_counts_the_clicked_area_under_the_filters(client, db: BriefingDb) -> None:  # type: ignore
    with db.engine.connect() as conn:
        from sqlalchemy import text
        kode, expected = conn.execute(text(
            "SELECT desa_kode, count(*) FROM incident WHERE counted GROUP BY desa_kode "
            "ORDER BY count(*) DESC, desa_kode LIMIT 1")).one()
    body = client.get(f"/api/v1/areas/{kode}/profile", headers=db.auth("analyst")).json
    assert body["level"] == "desa" and body["n_incidents"] == expected
    assert sum(k["count"] for k in body["by_kategori"]) == expected
    assert sum(m["count"] for m in body["monthly"]) == expected
    assert set(body) >= {"tps", "dpt", "parent", "nama"}
    # a viewer gets the same area with every count of 1 or 2 suppressed (null), never 0
    seen = client.get(f"/api/v1/areas/{kode}/profile", headers=db.auth("viewer")).json
    assert seen["min_cell"] == 3 and seen["n_incidents"] == expected and not seen["suppressed"]
    for shown, exact in zip([k["count"] for k in seen["by_kategori"]] + [m["count"] for m in seen["monthly"]],
                            [k["count"] for k in body["by_kategori"]] + [m["count"] for m in body["monthly"]],
                            strict=True):
        assert shown == (None if 0 < exact < 3 else exact)
    one = client.get(f"/api/v1/areas/{kode}/profile?kategori=bentrok", headers=db.auth("analyst")).json
    bentrok = [k["count"] for k in body["by_kategori"] if k["kategori"] == "bentrok"]
    assert one["n_incidents"] == (bentrok[0] if bentrok else 0)
    assert client.get("/api/v1/areas/74.05.99/profile", headers=db.auth("viewer")).status_code == 404
    assert client.get("/api/v1/areas/xx/profile", headers=db.auth("viewer")).status_code == 400


def test_timeseries_is_stacked_by_kategori(client, db: BriefingDb) -> None:  # type: ignore[no-untyped-def]
    month = client.get("/api/v1/timeseries?interval=month", headers=db.auth("analyst")).json
    week = client.get("/api/v1/timeseries?interval=week&from=2024-02-01&to=2024-03-31",
                      headers=db.auth("analyst")).json
    seen = client.get("/api/v1/timeseries?interval=month", headers=db.auth("viewer")).json
    assert seen["min_cell"] == 3 and seen["periods"] == month["periods"]
    assert [c for s in seen["series"] for c in s["counts"]] == [
        None if 0 < c < 3 else c for s in month["series"] for c in s["counts"]]
    with db.engine.connect() as conn:
        from sqlalchemy import text
        total = conn.execute(text("SELECT count(*) FROM incident WHERE counted")).scalar_one()
    assert month["total"] == total
    assert {s["kategori"] for s in month["series"]} == {"bentrok", "intimidasi", "politik_uang"}
    assert all(len(s["counts"]) == len(month["periods"]) for s in month["series"])
    assert week["periods"][0] >= "2024-01-29" and week["total"] < total
    bad = client.get("/api/v1/timeseries?interval=day", headers=db.auth("viewer"))
    assert bad.json["parameter"] == "interval"


def test_embed_links_listed_revoked_and_audited(client, db: BriefingDb) -> None:  # type: ignore[no-untyped-def]
    view = client.post("/api/v1/views", headers=db.auth("analyst"), json={"title": "Untuk intranet"}).json
    issued = client.post(f"/api/v1/views/{view['id']}/embed-token?hours=24",
                         headers=db.auth("analyst")).json
    embed_url = issued["url"].split("localhost", 1)[1]
    assert client.get(embed_url).status_code == 200
    links = client.get(f"/api/v1/views/{view['id']}/embed-links", headers=db.auth("analyst")).json["links"]
    assert [link["id"] for link in links] == [issued["link"]]
    # another analyst neither made the link nor the view
    link_url = f"/api/v1/embed-links/{issued['link']}"
    assert client.delete(link_url, headers=db.auth("analyst2")).status_code == 403
    assert client.delete(link_url, headers=db.auth("viewer")).status_code == 403
    revoked = client.delete(f"/api/v1/embed-links/{issued['link']}", headers=db.auth("analyst"))
    assert revoked.status_code == 200 and revoked.json["revoked_by"] == "anton"
    assert client.get(embed_url).status_code == 403
    data_url = embed_url.replace("?", "/data.geojson?", 1)
    assert client.get(data_url).json["error"] == "this embed link has been revoked"
    left = client.get(f"/api/v1/views/{view['id']}/embed-links", headers=db.auth("analyst"))
    assert left.json["links"] == []
    actions = [e["action"] for e in audit.events(db.engine, "saved_view", view["id"])]
    assert actions[-1] == "embed_revoke" and "embed_token" in actions
    assert client.delete("/api/v1/embed-links/nope", headers=db.auth("admin")).status_code == 404


def test_frame_check_says_when_an_admin_must_add_the_site(client, db: BriefingDb) -> None:  # type: ignore
    def check(site: str) -> bool:
        answer = client.get("/api/v1/embed-check", query_string={"site": site}, headers=db.auth("analyst"))
        return answer.json["allowed"]

    assert check(INTRANET + "/halaman/rapat") is True
    assert check("intranet.example.go.id") is True
    assert check("https://polres.polri.go.id") is True
    assert check("https://portal.example.go.id") is False
    assert check("http://intranet.example.go.id") is False
    assert client.get("/api/v1/embed-check?site=ftp://x", headers=db.auth("analyst")).status_code == 400
    assert client.get("/api/v1/embed-check?site=x.go.id", headers=db.auth("viewer")).status_code == 403


def test_frame_allowed_rules() -> None:
    own = "http://127.0.0.1:5000/"
    assert frame_allowed("http://127.0.0.1:5000/x", ("'self'",), own)
    assert not frame_allowed("http://127.0.0.1:5001", ("'self'",), own)
    assert frame_allowed("https://a.b", ("https:",), own)
    assert not frame_allowed("https://a.b", ("'none'",), own)
    assert frame_allowed("http://127.0.0.2:8000", ("http://127.0.0.2:8000",), own)
