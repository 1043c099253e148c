"""The editor's incident form: a real Chromium clicks the map and submits; server-side checks.

The app runs under waitress on a database of its own (boundaries, elections, one editor), so
the incidents made here never reach the shared session database.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, text

from pks_geo import audit, schema
from pks_geo.auth.users import add_user
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.web import create_app
from tests.web_support import logged_in, page_csrf_token


@pytest.fixture(scope="module")
def form_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "test")
    add_user(engine, "redaksi", "editor", "password-redaksi", actor="test")
    add_user(engine, "pembaca", "analyst", "password-pembaca", actor="test")
    return engine


@pytest.fixture(scope="module")
def form_app(form_engine: Engine):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": form_engine.url.render_as_string(hide_password=False),
                       "TESTING": True})


@pytest.fixture(scope="module")
def form_server(form_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from pks_geo.web.background import serve_in_background

    with serve_in_background(form_app) as url:
        yield url


@pytest.fixture(scope="module")
def big_desa(form_engine: Engine) -> dict[str, object]:
    """The largest desa and a point well inside it (clicks land inside whatever the zoom)."""
    with form_engine.connect() as conn:
        row = conn.execute(text("""
            SELECT kode, nama, ST_X(p) AS lon, ST_Y(p) AS lat FROM (
                SELECT kode, nama, ST_PointOnSurface(geom) AS p FROM admin_area
                WHERE level = 'desa' ORDER BY area_km2 DESC LIMIT 1) s""")).mappings().one()
    return dict(row)


def test_click_on_map_sets_the_point_and_submit_creates_the_incident(
        page, form_server: str, form_engine: Engine, big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{form_server}/insiden/baru")
    assert "/login" in page.url  # pages need a log-in first
    page.fill("#username", "redaksi")
    page.fill("#password", "password-redaksi")
    page.click("button[type=submit]")
    page.wait_for_url(f"{form_server}/insiden/baru")
    assert page.locator("h1").inner_text() == "Catat insiden baru"
    page.wait_for_selector("#incident-map[data-ready='1']")
    assert page.locator("#incident-map path.leaflet-interactive").count() > 300  # desa outlines drawn

    lat, lon = big_desa["lat"], big_desa["lon"]
    x, y = page.evaluate("""([lat, lon]) => {
        const map = window.pksIncidentMap;
        map.setView([lat, lon], 14, {animate: false});
        const p = map.latLngToContainerPoint([lat, lon]);
        return [p.x, p.y];
    }""", [lat, lon])
    box = page.locator("#incident-map").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    assert float(page.input_value("#lat")) == pytest.approx(lat, abs=0.0005)
    assert float(page.input_value("#lon")) == pytest.approx(lon, abs=0.0005)
    assert page.locator("#incident-map path.leaflet-interactive[stroke='#b3261e']").count() == 1  # marker

    page.fill("#event_date", "2019-04-15")
    page.select_option("#kategori", "intimidasi")
    page.fill("#description", "Warga diancam menjelang pemungutan suara")
    page.fill("#luka", "1")
    page.click("#save")
    page.wait_for_url(re.compile(r".*/insiden/\d+/ubah$"))
    assert "tersimpan" in page.locator(".pks-flash").inner_text()
    incident_id = int(page.url.rstrip("/").split("/")[-2])

    with form_engine.connect() as conn:
        row = conn.execute(text("SELECT kategori, desa_kode, luka, meninggal, created_by, election_code, "
                                "stage, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM incident WHERE id = :id"),
                           {"id": incident_id}).mappings().one()
    assert (row["kategori"], row["desa_kode"]) == ("intimidasi", big_desa["kode"])
    assert row["created_by"] == "redaksi"
    assert (row["luka"], row["meninggal"]) == (1, None)  # empty means unknown, not zero
    assert (row["election_code"], row["stage"]) == ("pemilu-2019", "masa_tenang")
    assert row["lat"] == pytest.approx(lat, abs=0.0005) and row["lon"] == pytest.approx(lon, abs=0.0005)
    # the edit page shows what was stored
    assert page.input_value("#kategori") == "intimidasi" and page.input_value("#luka") == "1"
    assert [e["action"] for e in audit.events(form_engine, "incident", incident_id)] == ["create"]


def test_server_side_messages_per_field_in_both_languages(form_app, form_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(form_app, "redaksi", "password-redaksi")
    with form_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM incident")).scalar()
    data = {"csrf_token": page_csrf_token(client, "/insiden/baru"), "event_date": "2019-04-15", "luka": "-2",
            "lat": "-6.2", "lon": "106.8"}
    refused = client.post("/insiden/baru", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="error-kategori">Wajib diisi\.<', page)
    assert re.search(r'id="error-luka">Jumlah tidak boleh negatif', page)
    assert 'value="-6.2"' in page  # what was typed is kept
    english = client.post("/insiden/baru?lang=en", data={**data, "kategori": "intimidasi", "luka": ""})
    text_en = english.get_data(as_text=True)
    assert english.status_code == 422 and 'lang="en"' in text_en
    assert re.search(r'id="error-lat">outside area', text_en)
    with form_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incident")).scalar() == before


def test_form_post_without_csrf_token_is_refused(form_app, form_engine: Engine,
                                                 big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(form_app, "redaksi", "password-redaksi")
    data = {"event_date": "2019-04-15", "kategori": "bentrok", "lat": str(big_desa["lat"]),
            "lon": str(big_desa["lon"])}
    with form_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM incident")).scalar()
    refused = client.post("/insiden/baru", data=data)
    assert refused.status_code == 400 and "Formulir kedaluwarsa" in refused.get_data(as_text=True)
    with form_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM incident")).scalar() == before


def test_edit_and_delete_through_the_form_are_audited(form_app, form_engine: Engine,
                                                      big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(form_app, "redaksi", "password-redaksi")
    data = {"csrf_token": page_csrf_token(client, "/insiden/baru"), "event_date": "2018-06-20",
            "kategori": "bentrok", "lat": str(big_desa["lat"]), "lon": str(big_desa["lon"]),
            "location_precision": "near", "status": "unverified"}
    created = client.post("/insiden/baru", data=data)
    assert created.status_code == 302
    edit_path = created.headers["Location"]
    incident_id = int(edit_path.split("/")[-2])
    form = client.get(edit_path).get_data(as_text=True)
    assert 'value="2018-06-20"' in form and '<option value="near" selected>' in form

    changed = client.post(edit_path, data={**data, "csrf_token": page_csrf_token(client, edit_path),
                                           "meninggal": "0", "status": "verified"})
    assert changed.status_code == 302
    events = audit.events(form_engine, "incident", incident_id)
    assert [e["action"] for e in events] == ["create", "update"]
    assert (events[1]["before"]["meninggal"], events[1]["after"]["meninggal"]) == (None, 0)
    assert events[1]["after"]["status"] == "verified" and events[1]["after"]["location_precision"] == "near"

    analyst = logged_in(form_app, "pembaca", "password-pembaca")
    assert analyst.get(edit_path).status_code == 403

    deleted = client.post(f"/insiden/{incident_id}/hapus",
                          data={"csrf_token": page_csrf_token(client, edit_path)})
    assert deleted.status_code == 302
    assert client.get(edit_path).status_code == 404
    assert audit.events(form_engine, "incident", incident_id)[-1]["action"] == "delete"


def test_every_error_is_listed_at_once(form_app, form_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    """A future date must not hide that the point lies outside the district (issue 19)."""
    client = logged_in(form_app, "redaksi", "password-redaksi")
    data = {"csrf_token": page_csrf_token(client, "/insiden/baru"), "event_date": "2999-01-01",
            "kategori": "", "lat": "-6.2", "lon": "106.8"}
    refused = client.post("/insiden/baru", data=data)
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert re.search(r'id="error-event_date">Tanggal tidak boleh di masa depan', page)
    assert re.search(r'id="error-kategori">Wajib diisi', page)
    assert re.search(r'id="error-lat">Di luar wilayah', page)
    summary = page[page.index('id="form-errors"'):page.index("</ul>", page.index('id="form-errors"'))]
    for label in ("Tanggal kejadian", "Kategori", "Lintang"):
        assert label in summary


def test_a_desa_chosen_by_name_places_the_incident_and_the_page_says_where(
        form_app, form_engine: Engine, big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(form_app, "redaksi", "password-redaksi")
    form = client.get("/insiden/baru").get_data(as_text=True)
    assert f'<option value="{big_desa["kode"]}" label="{big_desa["nama"]} — ' in form  # the picker offers it
    data = {"csrf_token": page_csrf_token(client, "/insiden/baru"), "event_date": "2018-06-20",
            "kategori": "intimidasi", "kode_desa": str(big_desa["kode"]), "location_precision": "exact",
            "status": "unverified"}
    created = client.post("/insiden/baru", data=data, follow_redirects=True)
    page = created.get_data(as_text=True)
    assert created.status_code == 200
    assert f"Terletak di desa/kelurahan {big_desa['nama']}, kecamatan " in page
    assert "ketepatan: desa" in page
    with form_engine.connect() as conn:
        row = conn.execute(text("SELECT desa_kode, location_precision FROM incident "
                                "WHERE id = (SELECT max(id) FROM incident)")).one()
    assert tuple(row) == (big_desa["kode"], "desa")


def test_swapped_coordinates_are_corrected_and_the_user_is_told(
        form_app, form_engine: Engine, big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(form_app, "redaksi", "password-redaksi")
    for lang, day, expected, placed in (
            ("id", "2018-06-21", "Peringatan (Lintang): Lintang dan bujur tertukar; sudah dibalik.",
             "Terletak di"),
            ("en", "2018-06-22", "Warning (Latitude): latitude and longitude were given the wrong way round",
             "Placed in")):
        data = {"csrf_token": page_csrf_token(client, f"/insiden/baru?lang={lang}"), "event_date": day,
                "kategori": "bentrok", "lat": str(big_desa["lon"]), "lon": str(big_desa["lat"]),
                "location_precision": "exact", "status": "unverified"}
        created = client.post(f"/insiden/baru?lang={lang}", data=data, follow_redirects=True)
        page = created.get_data(as_text=True)
        assert created.status_code == 200
        flashes = re.findall(r"pks-flash-warning[^>]*>([^<]*)<", page)
        assert len(flashes) == 1 and flashes[0].startswith(expected)
        assert f"{placed} desa/kelurahan {big_desa['nama']}" in page


def test_choosing_a_desa_in_the_browser_names_it_and_saves_there(
        page, form_server: str, form_engine: Engine, big_desa: dict[str, object]) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{form_server}/login?next=/insiden/baru")
    page.fill("#username", "redaksi")
    page.fill("#password", "password-redaksi")
    page.click("button[type=submit]")
    page.wait_for_url(f"{form_server}/insiden/baru")
    page.wait_for_selector("#incident-map[data-ready='1']")
    page.fill("#kode_desa", str(big_desa["kode"]))
    page.dispatch_event("#kode_desa", "change")
    assert page.locator("#kode_desa-hint").inner_text().startswith(f"{big_desa['nama']} — ")
    # flew to the desa (the flight is animated: wait for it to arrive rather than read mid-flight)
    page.wait_for_function("() => window.pksIncidentMap.getZoom() >= 11", timeout=10_000)
    page.fill("#event_date", "2019-04-11")
    page.select_option("#kategori", "politik_uang")
    page.click("#save")
    page.wait_for_url(re.compile(r".*/insiden/\d+/ubah$"))
    assert f"desa/kelurahan {big_desa['nama']}" in page.locator(".pks-flash").first.inner_text()
