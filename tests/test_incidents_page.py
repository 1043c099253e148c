"""The Insiden page as planners use it: an analyst opens it from the navigation, filters the
list (kategori, text in the description, source), pages through it, opens an incident and
reads its audit trail; an editor edits one from its detail and sees the change in the trail,
then deletes it; on a phone the filters fold, the table scrolls inside its box and the page
never scrolls sideways. A viewer gets no entry and a 403. Text search is a bound parameter:
LIKE wildcards typed by a user match themselves."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from pks_geo.ingest.incident_edit import create_incident, update_incident
from pks_geo.ingest.incident_load import import_incidents
from pks_geo.queries.incident_queries import incidents_page, parse_incident_filter
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.page_support import (
    DESKTOP,
    PASSWORD,
    PHONE,
    ROLE_USERS,
    PagesDb,
    make_pages_db,
    no_horizontal_scroll,
    open_as,
    shot,
)
from tests.web_support import logged_in

KATEGORI = ("unjuk_rasa", "intimidasi", "perusakan")


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths, tmp_path_factory) -> PagesDb:  # type: ignore[no-untyped-def]
    pages = make_pages_db(database_factory, ks_boundary_paths)
    with pages.engine.connect() as conn:
        desa = list(conn.execute(text("SELECT kode FROM admin_area WHERE level = 'desa' ORDER BY kode "
                                      "LIMIT 20")).scalars())
    path: Path = tmp_path_factory.mktemp("insiden") / "tim.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "tanggal", "kategori", "deskripsi", "kode_desa", "sumber"])
        for n in range(70):
            words = "baliho dirusak massa" if n % 7 == 0 else "warga berkumpul di balai desa"
            writer.writerow([f"T-{n:03d}", f"2024-{1 + n % 11:02d}-{1 + n % 27:02d}", KATEGORI[n % 3],
                             f"Laporan {n}: {words} (50% selesai)" if n == 3 else f"Laporan {n}: {words}",
                             desa[n % 20], "Polsek"])
    report = import_incidents(pages.engine, path, source="tim-kabupaten", progress=False,
                              created_by="import:test")
    assert report.inserted == 70 and not report.rejected
    incident_id, _ = create_incident(pages.engine, {
        "event_date": "2024-11-20", "kategori": "politik_uang", "kode_desa": desa[0],
        "description": "Pembagian amplop di pasar desa menjelang masa tenang.", "sumber": "Bawaslu"},
        actor="edo")
    update_incident(pages.engine, incident_id, {"status": "verified"}, actor="adm")
    return pages


@pytest.fixture(scope="module")
def app(db: PagesDb):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": db.url, "TESTING": True})


@pytest.fixture(scope="module")
def base(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serve_in_background(app) as url:
        yield url


def test_text_search_is_literal_and_combines_words(db: PagesDb) -> None:
    def matched(**args: str) -> int:
        flt = parse_incident_filter(db.engine, {k: [v] for k, v in args.items()})
        return incidents_page(db.engine, flt).matched

    assert matched(q="baliho") == 10  # n % 7 == 0 for n < 70
    assert matched(q="BALIHO massa") == 10  # case-insensitive, every word must occur
    assert matched(q="baliho balai") == 0
    assert matched(q="50%") == 1  # the % is text, not a wildcard
    assert matched(q="%") == 1 and matched(q="_") == 0
    assert matched(q="'; DROP TABLE incident; --") == 0
    assert matched(q="amplop", source="manual") == 1


def test_roles_and_navigation(app) -> None:  # type: ignore[no-untyped-def]
    viewer = logged_in(app, ROLE_USERS["viewer"], PASSWORD)
    assert 'id="nav-incidents"' not in viewer.get("/briefing").get_data(as_text=True)
    assert viewer.get("/insiden").status_code == 403
    assert viewer.get("/insiden/1").status_code == 403
    analyst = logged_in(app, ROLE_USERS["analyst"], PASSWORD)
    html = analyst.get("/briefing").get_data(as_text=True)
    assert 'id="nav-incidents"' in html and 'id="nav-new-incident"' not in html
    page = analyst.get("/insiden")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)  # no inline script
    assert 'id="inc-new"' not in body  # an analyst reads, does not edit
    bad = analyst.get("/insiden?from=2024-13-01")
    assert bad.status_code == 400 and "from" in bad.get_data(as_text=True)
    english = analyst.get("/insiden?lang=en").get_data(as_text=True)
    assert "Search the description" in english and "Incidents 1–50 of 71" in english


def test_analyst_filters_pages_and_reads_the_audit_trail(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "analyst", DESKTOP)
    page.goto(base + "/briefing")
    with page.expect_navigation():
        page.click("#nav-incidents")  # from the navigation
    assert page.url.endswith("/insiden")
    assert page.locator("#nav-incidents").get_attribute("aria-current") == "page"
    assert "Insiden 1–50 dari 71" in page.locator("#inc-count").inner_text()
    assert page.locator("#inc-table tbody tr").count() == 50
    shot(page, "insiden-list-1366")
    with page.expect_navigation():
        page.click("#inc-next")  # keyset paging
    assert "Insiden 51–71 dari 71" in page.locator("#inc-count").inner_text()
    assert page.locator("#inc-next").count() == 0 and page.locator("#inc-first").count() == 1

    page.fill("#f-q", "baliho")
    page.select_option("#f-kategori", "unjuk_rasa")
    with page.expect_navigation():
        page.click("#inc-apply")
    rows = page.locator("#inc-table tbody tr")
    expected = len([n for n in range(70) if n % 7 == 0 and n % 3 == 0])
    assert rows.count() == expected
    for n in range(expected):
        assert "baliho" in rows.nth(n).inner_text() and "Unjuk rasa" in rows.nth(n).inner_text()
    assert page.locator("#f-q").input_value() == "baliho"  # the form keeps the filter
    shot(page, "insiden-filtered-1366")

    page.fill("#f-q", "amplop")
    page.select_option("#f-kategori", "")
    page.select_option("#f-source", "manual")
    with page.expect_navigation():
        page.click("#inc-apply")
    assert page.locator("#inc-table tbody tr").count() == 1
    with page.expect_navigation():
        page.locator("#inc-table tbody tr a").first.click()
    assert "amplop" in page.locator("#inc-description").inner_text()
    trail = page.locator("#inc-audit tbody tr")
    assert trail.count() == 2
    assert "edo" in trail.nth(0).inner_text() and "dibuat" in trail.nth(0).inner_text()
    assert "adm" in trail.nth(1).inner_text() and "status" in trail.nth(1).inner_text()
    assert "verified" in trail.nth(1).inner_text()
    assert page.locator("#inc-edit").count() == 0  # analysts read only
    shot(page, "insiden-detail-1366")
    with page.expect_navigation():
        page.click("#inc-back")
    assert page.locator("#f-q").input_value() == "amplop"  # back to the filtered list
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    page.context.close()


def test_editor_edits_and_deletes_from_the_detail(browser, base: str, db: PagesDb) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "editor", DESKTOP)
    page.goto(base + "/briefing")
    with page.expect_navigation():
        page.click("#nav-incidents")
    page.fill("#f-q", "Laporan 12:")
    with page.expect_navigation():
        page.click("#inc-apply")
    with page.expect_navigation():
        page.locator("#inc-table tbody tr a").first.click()
    incident_id = int(page.url.split("/insiden/")[1].split("?")[0])
    with page.expect_navigation():
        page.click("#inc-edit")
    assert page.url.endswith(f"/insiden/{incident_id}/ubah")
    page.fill("#description", "Laporan 12: warga berkumpul, sudah diklarifikasi Polsek.")
    page.select_option("#status", "verified")
    with page.expect_navigation():
        page.click("#incident-form button[type=submit]:not(#delete)")
    page.goto(f"{base}/insiden/{incident_id}")
    assert "diklarifikasi" in page.locator("#inc-description").inner_text()
    trail = page.locator("#inc-audit tbody tr")
    assert trail.count() == 1 and "edo" in trail.first.inner_text()
    assert "description" in trail.first.inner_text() and "diklarifikasi" in trail.first.inner_text()
    page.on("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        page.click("#inc-delete")
    assert page.url.split("?")[0].endswith("/insiden")
    with db.engine.connect() as conn:
        gone = conn.execute(text("SELECT count(*) FROM incident WHERE id = :i"), {"i": incident_id}).scalar()
    assert gone == 0
    page.goto(f"{base}/insiden/{incident_id}")  # the trail outlives the incident
    assert page.locator("#inc-deleted").is_visible()
    assert page.locator("#inc-audit tbody tr").count() == 2
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    page.context.close()


def test_phone_menu_filters_fold_and_table_scrolls(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(base + "/login")
    page.fill("#username", ROLE_USERS["analyst"])
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.goto(base + "/briefing")
    page.tap("#pks-menu-button")
    with page.expect_navigation():
        page.tap("#nav-incidents")
    page.wait_for_selector("body[data-ready='true']")
    assert not page.locator("#f-q").is_visible()  # filters folded on a phone
    assert page.locator("#inc-table").is_visible()
    assert no_horizontal_scroll(page)
    box = page.evaluate("(() => { const b = document.querySelector('.pks-inc-box');"
                        " return [b.scrollWidth, b.clientWidth]; })()")
    assert box[0] > box[1]  # the table scrolls inside its box
    shot(page, "insiden-list-390")
    page.tap("#inc-filters summary")
    assert page.locator("#f-q").is_visible()
    shot(page, "insiden-filters-390")
    page.fill("#f-q", "amplop")
    with page.expect_navigation():
        page.tap("#inc-apply")
    assert page.locator("#inc-filters summary").inner_text().endswith("(aktif)")
    with page.expect_navigation():
        page.locator("#inc-table tbody tr a").first.tap()
    assert no_horizontal_scroll(page)
    shot(page, "insiden-detail-390")
    context.close()
