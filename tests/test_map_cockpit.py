"""The map's tools in a real headless Chromium, as a planner uses them: find a desa by a
misspelt name and fly to it, read its side panel, click an area, brush the time chart to set
the date filter, save the view, print it as PDF (with a progress note) and open the share
dialog; a viewer gets aggregates only; the phone layout keeps the map free. Screenshots at
1366×850 and 390×844 go to $PKS_GEO_SHOTS (default /tmp/shots)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pks_geo.config import Settings
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.briefing_support import TEST_SECRET_KEY, BriefingDb, make_briefing_db
from tests.test_briefing_page import SHOTS, login, watch


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def base(db: BriefingDb) -> Iterator[str]:
    settings = Settings(database_url=db.url, secret_key=TEST_SECRET_KEY)
    with serve_in_background(create_app(settings)) as url:
        yield url


def _ready(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_selector("body[data-ready='true']", timeout=30000)


def test_planner_searches_reads_brushes_saves_prints(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta")
    _ready(page)
    page.wait_for_selector("#pks-chart[data-ready='true']")
    assert 15 <= int(page.evaluate("document.body.dataset.labels")) <= 25  # kecamatan names, none overlapping

    # search with a typing slip, choose with the keyboard: the map flies there, the panel opens
    page.fill("#pks-search", "Lambakra")
    page.wait_for_selector("#pks-search-results li[data-kode]")
    assert "Lambakara" in page.locator("#pks-search-results li").first.inner_text()
    page.press("#pks-search", "Enter")
    page.wait_for_function("() => document.body.dataset.area && document.body.dataset.area.startsWith('74.')")
    assert page.locator("#pks-area-title").inner_text() == "Lambakara"
    # the first Gi* of a server process can take a while on a busy machine
    page.wait_for_selector("[data-hotspot=done]", state="attached", timeout=180000)
    assert page.locator("[data-hotspot=done]").inner_text().strip()
    assert page.locator("#pks-area .pks-spark canvas").count() == 1
    page.wait_for_selector(".pks-label-desa", state="attached")  # desa names when zoomed in
    assert "Lambakara" in page.locator(".pks-label-desa").all_inner_texts()
    page.screenshot(path=f"{SHOTS}/map-search-panel-1366.png")
    page.click("#pks-area-close")

    # brush the chart: the date filter follows, the map redraws with it
    over = page.locator("#pks-chart .u-over").bounding_box()
    y = over["y"] + over["height"] / 2
    page.mouse.move(over["x"] + over["width"] * 0.2, y)
    page.mouse.down()
    page.mouse.move(over["x"] + over["width"] * 0.5, y, steps=8)
    page.mouse.up()
    page.wait_for_selector("#pks-chart[data-brushed]")
    start = page.input_value("input[name=from]")
    end = page.input_value("input[name=to]")
    assert start and end and start < end
    _ready(page)
    assert f"from={start}" in page.url and f"to={end}" in page.url
    page.screenshot(path=f"{SHOTS}/map-brushed-1366.png")

    # click an area: value, rank and incidents by kategori under the brushed dates
    box = page.locator(".folium-map").bounding_box()  # the kecamatan around Lambakara, mid-map
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("() => document.body.dataset.area && document.body.dataset.area.startsWith('74.')")
    assert "Peringkat" in page.locator("#pks-area").inner_text()
    assert page.locator("#pks-area .pks-incidents-link").count() == 1  # analyst: link to its incidents

    # save the view, print it
    page.click("#pks-save")
    page.fill("#pks-save-name", "Insiden masa uji")
    page.click("#pks-save-do")
    page.wait_for_selector("#pks-save-status a[href^='/briefing']")
    page.keyboard.press("Escape")
    page.click("#pks-print")
    page.select_option("#pks-print-paper", "a3")
    with page.expect_download(timeout=120000) as download:
        page.click("#pks-print-do")
        page.wait_for_selector("#pks-print-status.pks-working")  # the progress note shows meanwhile
    path = download.value.path()
    with open(path, "rb") as fh:
        assert fh.read(5) == b"%PDF-"
    assert download.value.suggested_filename.endswith(".pdf")
    page.keyboard.press("Escape")
    page.click("#pks-share-open")
    page.wait_for_selector("#pks-share-dialog[open]")
    page.click("#pks-share-make")
    page.wait_for_selector("#pks-share-result:not([hidden])")
    page.keyboard.press("Escape")
    # the same tools in English
    page.goto(base + "/peta?lang=en")
    _ready(page)
    assert page.get_attribute("#pks-search", "placeholder") == "Find a desa or kecamatan"
    assert page.locator("#pks-chart-title").inner_text() == "Incidents over time"
    assert page.locator("#pks-print").inner_text() == "Print"
    page.wait_for_selector("#pks-chart[data-ready='true']")
    page.screenshot(path=f"{SHOTS}/map-en-1366.png")
    assert outside == [] and errors == []
    context.close()


def test_viewer_on_a_phone(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "vera")
    page.goto(base + "/peta")
    _ready(page)
    assert not page.locator("#pks-panel").is_visible()  # filters behind a button
    assert page.locator("#pks-save").count() == 0  # viewers cannot save views
    header = page.locator("#pks-bar").bounding_box()
    assert header["height"] <= 48  # one line
    page.screenshot(path=f"{SHOTS}/map-390.png")
    page.tap("#pks-toggle-filters")
    assert page.locator("#pks-panel").is_visible()
    page.screenshot(path=f"{SHOTS}/map-filters-390.png")
    page.tap(".pks-sheet-close")
    assert not page.locator("#pks-panel").is_visible()
    page.fill("#pks-search", "konda")
    page.wait_for_selector("#pks-search-results li[data-kode]")
    page.locator("#pks-search-results li[data-kode]").first.tap()
    page.wait_for_function("() => document.body.dataset.area && document.body.dataset.area.startsWith('74.')")
    assert page.locator("#pks-area .pks-incidents-link").count() == 0  # no incident records for viewers
    page.screenshot(path=f"{SHOTS}/map-panel-390.png")
    page.tap("#pks-area-close")
    page.tap("#pks-toggle-chart")
    page.wait_for_selector("#pks-chart[data-ready='true']")
    page.screenshot(path=f"{SHOTS}/map-chart-390.png")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    assert outside == [] and errors == []
    context.close()
