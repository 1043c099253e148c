"""Impor page (issue 14, item 4): an editor opens it from the navigation, uploads a sheet with
errors, reads the dry run's report (each rejected row with line, field and reason, warnings, a
map of where the rows land), confirms, and finds the rows; the same for a TPS list. A viewer or
analyst has no entry and gets 403; a garbage file gets a clear message and changes nothing.
Real Chromium, real PostGIS, the real importers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import text

from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.page_support import (
    PASSWORD,
    PHONE,
    ROLE_USERS,
    PagesDb,
    election_pages_db,
    no_horizontal_scroll,
    open_as,
    served,
    shot,
)
from tests.security_setup import inside

DESA = ("74.05.19.2014", "74.05.03.2001", "74.05.12.2004")


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    return election_pages_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def upload_dir(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    return tmp_path_factory.mktemp("uploads")


@pytest.fixture(scope="module")
def base(db: PagesDb, upload_dir: Path) -> Iterator[str]:
    with served(db, IMPORT_DIR=str(upload_dir), IMPORT_MAX_BYTES=2 * 1024 * 1024) as url:
        yield url


def points(db: PagesDb) -> list[tuple[float, float]]:
    """(lat, lon) inside each test desa."""
    with db.engine.connect() as conn:
        return [(lat, lon) for lon, lat in (inside(conn, kode) for kode in DESA)]


def sheet_with_errors(db: PagesDb, path: Path, source_rows: int = 6) -> Path:
    """A district-team sheet: good rows, a bad date, an unknown category, a row without a place,
    and a row whose lat/lon are the wrong way round (a warning, stored swapped back)."""
    (lat1, lon1), (lat2, lon2), (lat3, lon3) = points(db)
    lines = ["id,tanggal,kategori,deskripsi,lat,lon"]
    for i in range(source_rows):
        lat, lon = ((lat1, lon1), (lat2, lon2), (lat3, lon3))[i % 3]
        name = "UJI-<i>0</i>" if i == 0 else f"UJI-{i}"  # markup in an id stays text on the page
        lines.append(f"{name},2019-03-{i + 1:02d},intimidasi,Baliho dirusak {i},{lat},{lon}")
    lines.append(f"UJI-90,2019-13-45,intimidasi,tanggal salah,{lat1},{lon1}")  # line 8
    lines.append(f"UJI-91,2019-03-09,bukan-kategori,kategori salah,{lat1},{lon1}")  # line 9
    lines.append("UJI-92,2019-03-10,intimidasi,tanpa lokasi,,")  # line 10
    lines.append(f"UJI-93,2019-03-11,bentrok,koordinat tertukar,{lon2},{lat2}")  # line 11
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def count(db: PagesDb, sql: str, **params: object) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


def audit_events(db: PagesDb, entity: str) -> list[dict]:  # type: ignore[type-arg]
    with db.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(
            "SELECT actor, action, entity_id, after FROM audit_event WHERE entity = :e ORDER BY id"),
            {"e": entity})]


def upload(page, kind: str, path: Path, *, source: str | None = None,  # type: ignore[no-untyped-def]
           election: str | None = None, tap: bool = False) -> None:
    (page.tap if tap else page.click)(f"#imp-kind-{kind}")
    if election:
        page.select_option("#imp-election", election)
    page.set_input_files("#imp-file", str(path))
    if source:
        if not page.eval_on_selector("#imp-more", "d => d.open"):
            (page.tap if tap else page.click)("#imp-more summary")
        page.fill("#imp-source", source)
    with page.expect_navigation():
        (page.tap if tap else page.click)("#imp-check")


def wait_done(page) -> None:  # type: ignore[no-untyped-def]
    """Until the job's page shows its report (the progress page reloads itself when done)."""
    page.wait_for_selector("#imp-counts, #imp-failed", timeout=120_000)


def test_editor_checks_a_sheet_with_errors_then_stores_it(browser, base: str, db: PagesDb,
                                                          tmp_path: Path) -> None:
    path = sheet_with_errors(db, tmp_path / "insiden-maret.csv")
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/")
    page.click("#nav-import")
    page.wait_for_selector("#imp-form")
    assert page.url.split("?")[0].endswith("/impor")
    assert not page.locator("#imp-election-field").is_visible()  # only for a TPS list
    shot(page, "impor_form_desktop")
    upload(page, "sheet", path, source="tim-uji")
    wait_done(page)
    assert page.inner_text("#imp-result-h") == "Hasil pemeriksaan (belum disimpan)"
    assert page.inner_text("#imp-n-read") == "10"
    assert page.inner_text("#imp-n-accepted") == "7"
    assert page.inner_text("#imp-n-rejected") == "3"
    rows = [[c.inner_text() for c in r.locator("td").all()]
            for r in page.locator("#imp-rejected tbody tr").all()]
    assert [r[0] for r in rows] == ["8", "9", "10"], rows
    assert "tanggal" in rows[0][1] and rows[0][2]  # line, field and a reason
    assert "kategori" in rows[1][1] and "bukan-kategori" in rows[1][2]
    assert "tanggal '2019-13-45' tidak ada di kalender" in rows[0][2]  # in the page's language
    assert rows[2][2].startswith("tanpa lokasi")
    english = page.locator("#imp-rejected tbody tr").nth(2).locator("td").nth(2).get_attribute("title")
    assert english and english.startswith("no location")  # the importer's own text as the tooltip
    warnings = page.inner_text("#imp-warnings")
    assert "lintang dan bujur tertukar" in warnings and "11" in warnings
    page.wait_for_function("() => document.getElementById('imp-map').dataset.ready === '1'")
    assert page.get_attribute("#imp-map", "data-points") == "7"  # every accepted row, each a point
    assert page.locator("#imp-map .leaflet-interactive").count() >= 7
    assert "7 baris pada peta" in page.inner_text("#imp-map-note")
    tooltips = page.evaluate("""() => { const out = [];
        window.pksImportMap.eachLayer(l => { if (l.feature && l.feature.geometry.type === 'Point')
            out.push(l.getTooltip().getContent()); });
        return out; }""")
    assert len(tooltips) == 7 and any("UJI-&lt;i&gt;0&lt;/i&gt;" in t for t in tooltips), tooltips
    shot(page, "impor_checked_desktop")
    # the dry run stored nothing and audited nothing
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'tim-uji'") == 0
    assert audit_events(db, "incident_import") == []
    with page.expect_navigation():
        page.click("#imp-confirm")
    wait_done(page)
    assert page.is_visible("#imp-stored")
    assert page.inner_text("#imp-n-accepted") == "7" and page.inner_text("#imp-n-rejected") == "3"
    shot(page, "impor_stored_desktop")
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'tim-uji'") == 7
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'tim-uji' AND created_by = 'edo'") == 7
    events = audit_events(db, "incident_import")
    assert len(events) == 1, events
    event = events[0]
    assert (event["actor"], event["action"], event["entity_id"]) == ("edo", "import", "insiden-maret.csv")
    after = event["after"]
    assert after["file"] == "insiden-maret.csv" and after["format"] == "sheet"
    assert (after["read"], after["inserted"], after["rejected"]) == (10, 7, 3)
    assert str(path) not in json.dumps(after) and "tim-uji" in after["source"]
    # a second click (or replay) of Confirm imports nothing twice
    token = page.url.split("/impor/")[1].split("?")[0]
    again = page.request.post(f"{base}/impor/{token}/simpan", form={
        "csrf_token": page.get_attribute("meta[name=csrf-token]", "content") or ""})
    assert again.status == 409
    assert len(audit_events(db, "incident_import")) == 1
    with page.expect_navigation():
        page.click("#imp-open")
    page.wait_for_selector("#inc-table")
    assert "UJI-" in page.inner_text("#inc-table") or page.locator("#inc-table tbody tr").count() == 7
    assert page.locator("#inc-table tbody tr").count() == 7
    assert not watch.outside and not watch.errors, (watch.outside, watch.errors)


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_viewer_and_analyst_get_no_impor(browser, base: str, role: str) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_as(browser, base, role)
    page.goto(base + "/")
    page.wait_for_selector("#nav-map")
    assert page.locator("#nav-import").count() == 0
    response = page.goto(base + "/impor")
    assert response is not None and response.status == 403
    status = page.request.get(base + "/impor/" + "x" * 32 + "/status")
    assert status.status == 403


def test_editor_sees_the_entry_in_english(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_as(browser, base, "editor")
    page.goto(base + "/impor?lang=en")
    assert page.inner_text("#nav-import") == "Import"
    assert page.inner_text("#imp-check") == "Check first"
    assert page.inner_text("#imp-kinds").count("(CSV") == 3


def test_garbage_file_gets_a_clear_message_and_changes_nothing(browser, base: str, db: PagesDb,  # type: ignore[no-untyped-def]
                                                               upload_dir: Path, tmp_path: Path) -> None:
    before = (count(db, "SELECT count(*) FROM incident"), len(list(upload_dir.iterdir())))
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/impor")
    picture = tmp_path / "laporan.csv"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    upload(page, "sheet", picture)
    assert "bukan teks CSV" in page.inner_text("#imp-error")
    shot(page, "impor_garbage_desktop")
    fake = tmp_path / "daftar.xlsx"
    fake.write_text("id,tanggal\n1,2019-01-01\n")
    upload(page, "sheet", fake)
    assert "bukan buku kerja XLSX" in page.inner_text("#imp-error")
    wrong = tmp_path / "peta.pdf"
    wrong.write_bytes(b"%PDF-1.4 ...")
    upload(page, "acled", wrong)
    assert ".csv" in page.inner_text("#imp-error")
    big = tmp_path / "besar.csv"
    big.write_bytes(b"id,tanggal\n" + b"1,2019-01-01\n" * 200_000)  # 2.6 MB > the 2 MB limit
    upload(page, "sheet", big)
    assert "terlalu besar" in page.inner_text("#imp-error")
    # text that is not a sheet at all: the importer refuses it in the dry run, nothing is stored
    prose = tmp_path / "surat.csv"
    prose.write_text("Kepada Yth. Bapak Kapolres\n\nDengan hormat,\n")
    upload(page, "sheet", prose)
    page.wait_for_selector("#imp-failed", timeout=60_000)
    shot(page, "impor_failed_desktop")
    assert "tidak ada yang berubah" in page.inner_text("#imp-failed")
    assert page.locator("#imp-confirm").count() == 0
    assert count(db, "SELECT count(*) FROM incident") == before[0]
    folders = sorted(upload_dir.iterdir(), key=lambda f: f.stat().st_mtime)
    assert len(folders) == before[1] + 1  # only the checked (failed) text file's folder, its file gone
    assert not list(folders[-1].glob("upload.*"))
    unexpected = [e for e in watch.errors if "status of 400" not in e and "status of 413" not in e]
    assert not unexpected, watch.errors  # the refusals answer 400/413 (the browser logs those)


def test_tps_list_is_checked_and_stored(browser, base: str, db: PagesDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pts = points(db)
    lines = ["kode_tps,dpt,lat,lon,kategori_kerawanan"]
    for i, (kode, (lat, lon)) in enumerate(zip(DESA, pts, strict=True)):
        for no in (1, 2):
            lines.append(f"{kode.replace('.', '')}{no:03d},{200 + i},{lat},{lon},rawan")
    lines.append("7405192014001X,200,,,rawan")  # line 8: not 13 digits
    path = tmp_path / "tps-pilkada.csv"
    path.write_text("\n".join(lines) + "\n")
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/impor")
    page.click("#imp-kind-tps")
    assert page.locator("#imp-election-field").is_visible()
    upload(page, "tps", path, election="pilkada-2020")
    wait_done(page)
    assert page.inner_text("#imp-n-accepted") == "6" and page.inner_text("#imp-n-rejected") == "1"
    assert page.locator("#imp-rejected tbody tr td").first.inner_text() == "8"
    page.goto(page.url.split("?")[0] + "?lang=en")  # the report in English
    assert page.inner_text("#imp-result-h") == "Check result (not stored yet)"
    assert "is not 13 digits" in page.inner_text("#imp-rejected")
    shot(page, "impor_tps_checked_en")
    page.wait_for_function("() => document.getElementById('imp-map').dataset.ready === '1'")
    assert page.get_attribute("#imp-map", "data-points") == "6"
    assert count(db, "SELECT count(*) FROM polling_site") == 0
    with page.expect_navigation():
        page.click("#imp-confirm")
    wait_done(page)
    assert page.is_visible("#imp-stored")
    assert count(db, "SELECT count(*) FROM polling_site WHERE election_code = 'pilkada-2020'") == 6
    events = audit_events(db, "tps_import")
    assert [(e["actor"], e["action"], e["entity_id"]) for e in events] == [
        ("edo", "import", "tps-pilkada.csv")]
    assert events[0]["after"]["election"] == "pilkada-2020" and events[0]["after"]["inserted"] == 6
    with page.expect_navigation():
        page.click("#imp-open")
    page.wait_for_selector("#sec-tps")
    assert page.locator("#sec-tps tbody tr").count() == 6
    assert not watch.errors, watch.errors


def test_all_or_nothing_refuses_the_file_and_offers_no_store(browser, base: str, db: PagesDb,  # type: ignore[no-untyped-def]
                                                             tmp_path: Path) -> None:
    path = sheet_with_errors(db, tmp_path / "semua-atau-tidak.csv", source_rows=2)
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/impor")
    page.click("#imp-more summary")
    page.check("#imp-all-or-nothing")
    upload(page, "sheet", path, source="aon-uji")
    wait_done(page)
    assert "ditolak seluruhnya" in page.inner_text("#imp-refused")
    assert page.locator("#imp-rejected tbody tr").count() == 3
    assert page.locator("#imp-confirm").count() == 0 and page.locator("#imp-cancel").count() == 1
    with page.expect_navigation():
        page.click("#imp-cancel")
    assert page.is_visible("#imp-cancelled")
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'aon-uji'") == 0
    assert not watch.errors, watch.errors


def test_the_template_downloads_and_reads_back(browser, base: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    page, _ = open_as(browser, base, "editor", accept_downloads=True)
    page.goto(base + "/impor")
    with page.expect_download() as info:
        page.click("#imp-template")
    assert info.value.suggested_filename == "templat-insiden.xlsx"
    path = tmp_path / "templat.xlsx"
    info.value.save_as(path)
    header = [c.value for c in next(load_workbook(path).worksheets[0].iter_rows(max_row=1))]
    assert {"id", "tanggal", "kategori"} <= set(header), header


def test_xlsx_sheet_is_read(browser, base: str, db: PagesDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import Workbook

    (lat, lon), _, _ = points(db)
    book = Workbook()
    sheet = book.active
    sheet.append(["id", "tanggal", "kategori", "deskripsi", "lat", "lon"])
    sheet.append(["X-1", "2019-04-01", "intimidasi", "dari XLSX", lat, lon])
    sheet.append(["X-2", "kemarin", "intimidasi", "tanggal salah", lat, lon])
    path = tmp_path / "insiden.xlsx"
    book.save(path)
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/impor")
    upload(page, "sheet", path, source="xlsx-uji")
    wait_done(page)
    assert page.inner_text("#imp-n-accepted") == "1" and page.inner_text("#imp-n-rejected") == "1"
    assert "tanggal 'kemarin' tidak terbaca" in page.inner_text("#imp-rejected")
    assert not watch.errors, watch.errors


def test_a_bigger_file_shows_progress_and_is_grouped_per_desa_on_the_map(browser, base: str, db: PagesDb,  # type: ignore[no-untyped-def]
                                                                         tmp_path: Path) -> None:
    (lat1, lon1), (lat2, lon2), (lat3, lon3) = points(db)
    spots = ((lat1, lon1), (lat2, lon2), (lat3, lon3))
    lines = ["id,tanggal,kategori,deskripsi,lat,lon"]
    for i in range(12_000):
        lat, lon = spots[i % 3]
        lines.append(f"B-{i},2019-{1 + i % 12:02d}-{1 + i % 28:02d},intimidasi,baris {i},{lat},{lon}")
    path = tmp_path / "besar.csv"
    path.write_text("\n".join(lines) + "\n")
    page, watch = open_as(browser, base, "editor")
    statuses: list[dict] = []  # type: ignore[type-arg]
    page.on("response", lambda r: statuses.append(r.json()) if r.url.endswith("/status") and r.ok else None)
    page.goto(base + "/impor")
    upload(page, "sheet", path, source="besar-uji")
    if page.locator("#imp-job").count():  # still checking when the page came: look at the bar
        try:
            page.wait_for_function("() => { const j = document.getElementById('imp-job');"
                                   " return !j || Number(j.dataset.read || 0) > 0; }")
            if page.locator("#imp-job").count():
                shot(page, "impor_progress_desktop")
        except PlaywrightError:  # the check ended and the page reloaded meanwhile: nothing to look at
            pass
    wait_done(page)
    assert page.inner_text("#imp-n-accepted") == "12.000"  # Indonesian thousands separator
    assert any(s["phase"] == "checking" for s in statuses), statuses  # the page polled while it ran
    page.wait_for_function("() => document.getElementById('imp-map').dataset.ready === '1'")
    assert page.get_attribute("#imp-map", "data-points") == "3"  # 12,000 rows as 3 desa circles
    assert "dikelompokkan per desa" in page.inner_text("#imp-map-note")
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'besar-uji'") == 0
    assert not watch.errors, watch.errors


def test_phone_editor_uploads_and_confirms(browser, base: str, db: PagesDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = sheet_with_errors(db, tmp_path / "insiden-hp.csv", source_rows=3)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", ROLE_USERS["editor"])
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.goto(base + "/briefing")
    page.tap("#pks-menu-button")
    with page.expect_navigation():
        page.tap("#nav-import")
    page.wait_for_selector("#imp-form")
    assert no_horizontal_scroll(page)
    shot(page, "impor_form_390")
    upload(page, "sheet", path, source="hp-uji", tap=True)
    wait_done(page)
    assert page.inner_text("#imp-n-rejected") == "3"
    assert no_horizontal_scroll(page)
    box = page.evaluate("(() => { const b = document.querySelector('.pks-inc-box');"
                        " return [b.scrollWidth, b.clientWidth]; })()")
    assert box[0] >= box[1]
    shot(page, "impor_checked_390")
    page.locator("#imp-map").scroll_into_view_if_needed()
    page.wait_for_function("() => document.getElementById('imp-map').dataset.ready === '1'")
    shot(page, "impor_map_390")
    with page.expect_navigation():
        page.tap("#imp-confirm")
    wait_done(page)
    assert page.is_visible("#imp-stored")
    assert count(db, "SELECT count(*) FROM incident WHERE source = 'hp-uji'") == 4
    shot(page, "impor_stored_390")
    context.close()


def test_two_processes_share_the_uploads(browser, db: PagesDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Behind the proxy the next request may reach another process: an upload checked by one app
    is shown and stored by another (state in PKS_GEO_IMPORT_DIR, none in the process)."""
    shared = {"DATABASE_URL": db.url, "TESTING": True, "IMPORT_DIR": str(tmp_path / "shared"),
              "SECRET_KEY": "the-same-key-for-both-processes"}
    path = sheet_with_errors(db, tmp_path / "dua-proses.csv", source_rows=3)
    with serve_in_background(create_app(shared)) as first, serve_in_background(create_app(shared)) as second:
        page, watch = open_as(browser, first, "editor")  # the session cookie is for 127.0.0.1, any port
        page.goto(first + "/impor")
        upload(page, "sheet", path, source="dua-uji")
        wait_done(page)
        job = page.url.split("/impor/")[1].split("?")[0]
        page.goto(f"{second}/impor/{job}")
        assert page.inner_text("#imp-n-accepted") == "4"
        with page.expect_navigation():
            page.click("#imp-confirm")
        wait_done(page)
        assert page.is_visible("#imp-stored")
        assert count(db, "SELECT count(*) FROM incident WHERE source = 'dua-uji'") == 4
        assert not watch.errors, watch.errors
