"""Shared links and saved views keep the layers switched on (issue 19, item 3), in Chromium:
a link's ``show=`` switches the statistics layers, place names and incident points on or off as
they were, the address follows every switch, and a view saved from the map keeps its extent and
layers, so opening it from the Briefing page shows the same picture."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest

from pks_geo.config import Settings
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.briefing_support import TEST_SECRET_KEY, BriefingDb, make_briefing_db
from tests.test_briefing_page import login, watch


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def base(db: BriefingDb) -> Iterator[str]:
    settings = Settings(database_url=db.url, secret_key=TEST_SECRET_KEY)
    with serve_in_background(create_app(settings)) as url:
        yield url


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-ready='true']", timeout=60000)


def _box(page, label: str):  # type: ignore[no-untyped-def]
    return page.locator(".leaflet-control-layers").get_by_role("checkbox", name=label, exact=True)


def _shown(page) -> list[str]:  # type: ignore[no-untyped-def]
    return parse_qs(urlparse(page.url).query).get("show", [""])[0].split(",")


def test_a_link_switches_statistics_layers_and_names(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    outside, errors = watch(page, base)
    page.goto(base + "/peta?level=desa&show=kecamatan,lisa,clusters")
    _ready(page)
    page.wait_for_selector("body[data-layerlisa='ready']", timeout=120000)
    page.wait_for_selector("body[data-layerclusters='ready']", timeout=120000)
    assert _box(page, "Klaster LISA (Moran lokal)").is_checked()
    assert _box(page, "Klaster insiden (DBSCAN)").is_checked()
    assert page.locator(".pks-stat-legend[data-layer='lisa']").is_visible()
    page.wait_for_selector("body[data-labels]", state="attached")
    assert not _box(page, "Nama wilayah").is_checked()  # names were off in the link
    assert page.locator(".pks-label").count() == 0
    assert set(_shown(page)) == {"kecamatan", "lisa", "clusters"}
    _box(page, "Klaster insiden (DBSCAN)").uncheck()
    _box(page, "Permukaan kepadatan (KDE)").check()
    page.wait_for_function("() => decodeURIComponent(location.search).includes('heat')")
    assert set(_shown(page)) == {"kecamatan", "lisa", "heat"}
    page.screenshot(path="/tmp/shots/link-layers-1366.png")
    assert outside == [] and errors == []
    context.close()


def test_a_saved_view_opens_with_its_extent_and_layers(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta?level=desa")
    _ready(page)
    page.wait_for_selector("body[data-labels]", state="attached")
    _box(page, "Titik panas (Gi*)").check()
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=120000)
    _box(page, "Titik insiden").uncheck()  # the analyst's incident points switched off
    page.evaluate("window[window.PKS_GEO.map].setView([-4.28, 122.35], 12, {animate: false})")
    page.click("#pks-save")
    page.fill("#pks-save-name", "Gi* desa, tanpa titik")
    page.click("#pks-save-do")
    page.wait_for_selector("#pks-save-status a[href^='/briefing']")
    view_id = page.evaluate("document.body.dataset.savedView")
    view = page.evaluate(f"fetch('/api/v1/views/{view_id}').then(r => r.json())")
    assert "hotspots" in view["layers"] and "incidents" not in view["layers"] and "labels" in view["layers"]
    west, south, east, north = view["extent"]
    assert west < 122.35 < east and south < -4.28 < north
    # open it as the Briefing page does
    page.goto(base + "/briefing")
    page.locator(f"article[data-view='{view_id}'] a", has_text="Buka di peta").click()
    _ready(page)
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=120000)
    assert _box(page, "Titik panas (Gi*)").is_checked()
    assert not _box(page, "Titik insiden").is_checked()
    assert page.locator("path.pks-incident").count() == 0
    bounds = page.evaluate("(() => { const b = window[window.PKS_GEO.map].getBounds(); "
                           "return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert bounds[0] <= west + 0.01 and bounds[2] >= east - 0.01  # the saved extent is in view
    assert bounds[2] - bounds[0] < (east - west) * 2.5  # and not the whole district
    assert "hotspots" in _shown(page) and "incidents" not in _shown(page)
    page.screenshot(path="/tmp/shots/view-layers-1366.png")
    assert outside == [] and errors == []
    context.close()


def test_a_refused_request_is_told_in_the_pages_language(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    """The API explains a refusal in English; an Indonesian page says it from its catalogue."""
    import json

    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")

    def too_long(route):  # type: ignore[no-untyped-def]
        body = json.loads(route.request.post_data or "{}")
        body["title"] = "x" * 300  # the real server refuses it: "at most 200 characters, got 300"
        route.continue_(post_data=json.dumps(body))

    page.route("**/api/v1/views", lambda route: too_long(route) if route.request.method == "POST"
               else route.continue_())
    page.goto(base + "/peta")
    _ready(page)
    page.click("#pks-save")
    page.fill("#pks-save-name", "Judul")
    with page.expect_response(lambda r: r.url.endswith("/api/v1/views") and r.status == 400):
        page.click("#pks-save-do")
    status = page.locator("#pks-save-status")
    page.wait_for_function("() => document.getElementById('pks-save-status').textContent.startsWith('Gagal')")
    text = status.inner_text()
    assert "isian ditolak server (HTTP 400)" in text and "characters" not in text, text
    page.keyboard.press("Escape")
    page.goto(base + "/peta?lang=en")  # English pages keep the server's own words
    _ready(page)
    page.click("#pks-save")
    page.fill("#pks-save-name", "Title")
    page.click("#pks-save-do")
    page.wait_for_function("() => document.getElementById('pks-save-status').textContent.includes('200')")
    assert "at most 200 characters" in status.inner_text()
    assert outside == [] and [e for e in errors if "400" not in e] == []
    context.close()


def test_the_csv_opens_as_a_table_and_its_metadata_comes_beside_it(browser, base: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Issue 19: Excel showed the CSV's '#' metadata lines as data rows; now the CSV holds the
    header and rows only, and 'Unduh metadata (TXT)' in the same menu gives the marking and filters."""
    import csv

    from tests.test_map_export import choose, fetch

    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta?kategori=bentrok")
    _ready(page)
    page.click("#pks-export-open")
    choose(page, "choropleth")
    table = fetch(page, tmp_path, "CSV").read_text(encoding="utf-8")
    meta = fetch(page, tmp_path, "metadata (TXT)")
    assert meta.name.endswith(".metadata.txt") and meta.name.startswith("pks-geo-choropleth-")
    rows = list(csv.reader(table.splitlines()))
    assert not table.startswith("#") and "kode" in rows[0] and "nama" in rows[0]
    assert len(rows) == 1 + 25 and all(len(r) == len(rows[0]) for r in rows)  # 25 kecamatan, nothing else
    lines = meta.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "marking: TERBATAS"
    assert any(line.startswith("filters: ") and "bentrok" in line for line in lines)
    assert outside == [] and errors == []
    context.close()
