"""Rencana Pengamanan page (issue 14, item 1), first piece: a logged-in viewer opens it from
the navigation and reads the TPS of an election by risk with each row's factor sentences;
an anonymous visitor has no entry and is sent to log in. Real Chromium, real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator
from xml.etree import ElementTree

import pytest
from sqlalchemy import text

from tests.page_support import (
    PHONE,
    PagesDb,
    election_pages_db,
    no_horizontal_scroll,
    open_as,
    served,
    shot,
)


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    return election_pages_db(database_factory, ks_boundary_paths, tps_per_desa=2)


@pytest.fixture(scope="module")
def base(db: PagesDb) -> Iterator[str]:
    with served(db) as url:
        yield url


def test_viewer_opens_the_plan_from_the_navigation(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/")
    page.click("#nav-security")
    page.wait_for_selector("#sec-tps")
    assert page.url.split("?")[0].endswith("/rencana")
    rows = page.locator("#sec-tps tbody tr")
    assert rows.count() == 40
    assert page.locator("#sec-election").input_value() == "pilkada-2020"
    first = rows.first.locator("details")
    first.locator("summary").click()
    items = first.locator("li")
    assert items.count() >= 1 and len(items.first.inner_text()) > 10
    named = first.locator("li strong").all_inner_texts()  # factors by name, not by identifier
    assert "Jumlah DPT" in named and "dpt" not in named, named
    assert rows.first.locator("td").nth(4).inner_text() in ("dihitung", "resmi (daftar TPS)", "manual")
    assert "," in rows.first.locator("td").nth(5).inner_text()  # Indonesian decimal comma
    shot(page, "rencana_desktop")
    assert not watch.outside and not watch.errors, (watch.outside, watch.errors)


def test_planner_downloads_the_patrol_plan_as_gpx_and_reads_it_back(browser, base: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The download menu gives the patrol cars' GPS file: a GPX with a waypoint per TPS of the plan."""
    page, watch = open_as(browser, base, "viewer", accept_downloads=True)
    page.goto(base + "/rencana")
    page.wait_for_selector("#sec-downloads")
    labels = [a.inner_text() for a in page.locator("#sec-downloads a.sec-dl").all()]
    assert labels[:5] == ["GPX (GPS genggam, OsmAnd)", "KML (Google Earth)", "GeoJSON", "GeoPackage",
                          "CSV daftar kunjungan"]
    with page.expect_download() as info:
        page.click("#sec-dl-patrol-gpx")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.suffix == ".gpx"
    root = ElementTree.parse(path).getroot()
    ns = {"g": "http://www.topografix.com/GPX/1/1", "ogr": "http://osgeo.org/gdal"}
    routes = root.findall("g:rte", ns)
    assert routes and all(" km · " in r.findtext("g:name", "", ns) for r in routes)  # length and time
    kinds = [p.findtext("g:extensions/ogr:kind", "", ns) for r in routes for p in r.findall("g:rtept", ns)]
    assert kinds.count("tps") == 40, kinds  # every TPS of the election, in route order
    assert not watch.errors, watch.errors


def test_personnel_per_unit_switches_between_profiles(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    """Personnel per Polres and Polsek under the chosen operation profile; shortfalls stand out."""
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/")
    page.click("#nav-security")
    page.wait_for_selector("#sec-personnel-table")
    rows = page.locator("#sec-personnel-table tbody tr")
    assert rows.count() >= 2 and page.locator("#sec-personnel-table tr.sec-unit-polres").count() >= 1
    first_profile = page.locator("#sec-profile").input_value()
    required = page.locator("#sec-personnel-table tbody tr").first.locator("td").nth(2).inner_text()
    other = next(v for v in page.locator("#sec-profile option").evaluate_all("os => os.map(o => o.value)")
                 if v != first_profile)
    page.select_option("#sec-profile", other)
    with page.expect_navigation():
        page.click("#sec-election-form button[type=submit]")
    assert f"profile={other}" in page.url and page.locator("#sec-profile").input_value() == other
    name = page.locator(f"#sec-profile option[value='{other}']").inner_text()
    assert name in page.inner_text("#sec-profile-used")
    shortfalls = page.locator("#sec-personnel-table tr.sec-short-row")
    for i in range(shortfalls.count()):  # every highlighted row has a shortfall above zero
        assert int(shortfalls.nth(i).locator("td").nth(6).inner_text().replace(".", "")) > 0
    assert required  # the first profile's figure was read (the profiles' ratios differ, figures may too)
    shot(page, "rencana_personnel")
    assert not watch.errors, watch.errors


def test_planner_changes_the_patrol_parameters_and_the_plan_is_redrawn(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    """Fewer TPS per sector make more sectors; the downloads carry the parameters; a bad value
    is refused with a message naming it and no plan drawn from it."""
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/rencana")
    page.wait_for_selector("#sec-sectors")
    before = page.locator("#sec-sectors tbody tr").count()
    stops = sum(int(page.locator("#sec-sectors tbody tr").nth(i).locator("td").nth(3).inner_text())
                for i in range(before))
    assert stops == 40 and before >= 1
    page.fill("#sec-max_tps", "2")
    with page.expect_navigation():
        page.click("#sec-election-form button[type=submit]")
    after = page.locator("#sec-sectors tbody tr").count()
    assert after >= 20 > before, (before, after)  # 40 TPS, at most 2 per sector
    assert page.locator("#sec-max_tps").input_value() == "2"
    assert "max_tps=2" in (page.get_attribute("#sec-dl-patrol-gpx", "href") or "")
    first = page.locator("#sec-sectors tbody tr").first
    first.locator("summary").click()
    assert 1 <= first.locator("li").count() <= 2
    page.fill("#sec-max_tps", "0")  # the form refuses it in the browser (min=1) ...
    page.click("#sec-election-form button[type=submit]")
    assert page.evaluate("() => document.querySelector('#sec-max_tps').validity.rangeUnderflow")
    page.goto(base + "/rencana?max_tps=0")  # ... and the server too, for a link made by hand
    message = page.inner_text("#sec-error")  # the field's label and its range, in Bahasa Indonesia
    assert "TPS per sektor (maks.) harus berupa angka antara 1 dan 200" in message, message
    assert "expected" not in message and page.locator("#sec-sectors").count() == 0
    assert page.get_attribute("#sec-max_tps", "aria-invalid") == "true"
    assert page.locator("#sec-downloads").count() == 0  # no download of a plan that was refused
    shot(page, "rencana_plan_error")
    page.goto(base + "/rencana?max_km=0.01&lang=en")  # ... and in English with ?lang=en
    message = page.inner_text("#sec-error")
    assert "Sector span (max km) must be a number between 0.1 and 200" in message, message
    assert not watch.errors, watch.errors


def test_planner_sorts_and_filters_the_tps_table(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/rencana")
    page.wait_for_selector("#sec-tps")
    cells = page.locator("#sec-tps tbody td:nth-child(6)").all_inner_texts()
    scores = [float(x.replace(",", ".")) for x in cells]
    assert len(scores) == 40 and scores == sorted(scores, reverse=True)  # highest score first
    categories = page.locator("#sec-tps tbody td.sec-cat").all_inner_texts()
    wanted = max(set(categories), key=categories.count)
    page.select_option("#sec-category", wanted)
    page.select_option("#sec-sort", "desa")
    with page.expect_navigation():
        page.click("#sec-table-form button[type=submit]")
    shown = page.locator("#sec-tps tbody td.sec-cat").all_inner_texts()
    assert shown and set(shown) == {wanted} and len(shown) == categories.count(wanted)
    desa = page.locator("#sec-tps tbody td:nth-child(2)").all_inner_texts()
    assert desa == sorted(desa)
    heading = f"({len(shown)} / 40 TPS)" if len(shown) < 40 else "(40 TPS)"
    assert heading in page.inner_text("#sec-risk-h")
    absent = next((c for c in ("sangat rawan", "rawan", "kurang rawan") if c not in categories), None)
    if absent is not None:  # a category no TPS has leaves the table empty, the plans whole
        page.select_option("#sec-category", absent)
        with page.expect_navigation():
            page.click("#sec-table-form button[type=submit]")
        assert page.locator("#sec-tps tbody tr").count() == 0
        assert "(0 / 40 TPS)" in page.inner_text("#sec-risk-h")
    assert page.locator("#sec-personnel-table").count() == 1  # the plans still cover every TPS
    assert not watch.errors, watch.errors


def test_editor_sets_and_clears_a_manual_category_with_a_reason(browser, base: str, db: PagesDb) -> None:  # type: ignore[no-untyped-def]
    """From the table row, audited as the API; a too short reason is refused and nothing stored;
    viewers have no form."""
    viewer, _ = open_as(browser, base, "viewer")
    viewer.goto(base + "/rencana")
    viewer.wait_for_selector("#sec-tps")
    assert viewer.locator(".sec-override-form").count() == 0
    page, watch = open_as(browser, base, "editor")
    page.goto(base + "/rencana")
    row = page.locator("#sec-tps tbody tr").nth(3)
    kode = row.get_attribute("data-kode")
    row.locator("details.sec-override summary").click()
    row.locator("select[name=kategori]").select_option("sangat rawan")
    row.locator("input[name=reason]").fill("abc")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert "alasan" in page.inner_text("#sec-override-error")
    with db.engine.connect() as conn:
        count = "SELECT count(*) FROM {} WHERE kode_tps = :k"
        assert conn.execute(text(count.format("tps_risk_override")), {"k": kode}).scalar() == 0
    row = page.locator(f"#tps-{kode}")
    row.locator("details.sec-override summary").click()
    row.locator("select[name=kategori]").select_option("sangat rawan")
    row.locator("input[name=reason]").fill("Laporan Polsek: sengketa batas desa memanas")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert kode in page.inner_text("#sec-override-done")
    row = page.locator(f"#tps-{kode}")
    assert row.locator("td.sec-cat").inner_text() == "sangat rawan"
    source_when_set = row.locator("td").nth(4).inner_text()
    with db.engine.connect() as conn:
        actions = conn.execute(text("SELECT action, actor FROM audit_event WHERE entity_id LIKE :k "
                                    "ORDER BY id"), {"k": f"%:{kode}"}).all()
    assert [tuple(a) for a in actions] == [("override_set", "edo")]
    row.locator("details.sec-override summary").click()
    row.locator("select[name=kategori]").select_option("")
    row.locator("input[name=reason]").fill("Situasi sudah kondusif")
    with page.expect_navigation():
        row.locator("button[type=submit]").click()
    assert page.locator(f"#tps-{kode} td").nth(4).inner_text() != source_when_set  # computed again
    with db.engine.connect() as conn:
        actions = conn.execute(text("SELECT action FROM audit_event WHERE entity_id LIKE :k ORDER BY id"),
                               {"k": f"%:{kode}"}).scalars().all()
    assert actions == ["override_set", "override_clear"]
    shot(page, "rencana_override")
    assert not watch.errors, watch.errors


def test_phone_and_english(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer", viewport=PHONE)
    page.goto(base + "/rencana?lang=en")
    page.wait_for_selector("#sec-tps")
    assert "Security plan" in page.inner_text("h1")
    assert no_horizontal_scroll(page)
    shot(page, "rencana_phone")
    assert not watch.errors, watch.errors


def test_anonymous_is_sent_to_log_in(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, _ = open_as(browser, base, None)
    page.goto(base + "/")
    assert page.locator("#nav-security").count() == 0
    page.goto(base + "/rencana")
    assert "/login" in page.url
