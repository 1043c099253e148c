"""The patrol plan on the Rencana Pengamanan map (issue 14, item 1): TPS markers coloured by
category and numbered in route order, one route line per sector, redrawn when a parameter
changes; on a phone the map is not covered and the tables scroll inside their boxes.
Real Chromium, real PostGIS."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.page_support import (
    PHONE,
    PagesDb,
    election_pages_db,
    no_horizontal_scroll,
    open_as,
    served,
    shot,
)

N_TPS = 40
STOP_NUMBERS = "() => [...document.querySelectorAll('#sec-map .sec-stop')].map(e => +e.textContent)"


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    return election_pages_db(database_factory, ks_boundary_paths, tps_per_desa=2)


@pytest.fixture(scope="module")
def base(db: PagesDb) -> Iterator[str]:
    with served(db) as url:
        yield url


def _map_counts(page) -> dict[str, int]:  # type: ignore[no-untyped-def]
    page.wait_for_selector("#sec-map[data-ready='1']")
    return page.evaluate("""() => ({
        stops: document.querySelectorAll('#sec-map .sec-stop').length,
        free: document.querySelectorAll('#sec-map path.sec-tps-free').length,
        routes: document.querySelectorAll('#sec-map path.sec-route').length,
        posts: document.querySelectorAll('#sec-map .sec-post').length,
        rows: document.querySelectorAll('#sec-sectors tbody tr').length})""")


def test_the_plan_is_on_the_map_and_redrawn_with_the_parameters(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/")
    page.click("#nav-security")
    before = _map_counts(page)
    assert before["stops"] + before["free"] == N_TPS and before["stops"] == N_TPS, before
    assert before["routes"] == before["rows"] >= 1 and before["posts"] >= 1, before
    # every sector's stops are numbered 1..n in the route's order
    numbers = page.evaluate(STOP_NUMBERS)
    assert sorted(numbers).count(1) == before["routes"] and max(numbers) <= 8  # patrol.toml max_tps = 8
    # the colours follow the categories of the table
    table = page.locator("#sec-tps td.sec-cat").all_inner_texts()
    for category in set(table):
        css = ".sec-cat-" + category.replace(" ", "-")
        assert page.locator(f"#sec-map .sec-stop{css}").count() == table.count(category)
        assert category in page.inner_text("#sec-legend")
    assert "routes go round bays" not in page.inner_text("#sec-plan")  # said by #sec-routing, in Bahasa
    shot(page, "rencana_map_desktop")
    page.fill("#sec-max_tps", "3")
    with page.expect_navigation():
        page.click("#sec-election-form button[type=submit]")
    after = _map_counts(page)
    assert after["stops"] == N_TPS and after["routes"] == after["rows"] > before["routes"], (before, after)
    numbers = page.evaluate(STOP_NUMBERS)
    assert max(numbers) <= 3
    # a sector's "Peta" button zooms the map to its route
    zoom = page.evaluate("() => window.pksSecurityMap.getZoom()")
    page.locator("#sec-sectors tbody tr").first.locator(".sec-show-map").click()
    page.wait_for_function(f"() => window.pksSecurityMap.getZoom() > {zoom}")
    shot(page, "rencana_map_max3")
    assert not watch.outside and not watch.errors, (watch.outside, watch.errors)


def test_a_refused_parameter_leaves_the_tps_on_the_map_without_routes(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer")
    page.goto(base + "/rencana?max_tps=0")
    counts = _map_counts(page)
    assert counts["free"] == N_TPS and counts["stops"] == 0 and counts["routes"] == 0, counts
    assert not watch.errors, watch.errors


def test_phone_map_is_not_covered_and_tables_scroll(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "viewer", viewport=PHONE, mobile=True)
    page.goto(base + "/")
    if page.locator("#nav-security").is_hidden():  # the navigation folds into one menu button
        page.locator("#pks-menu-button").tap()
    page.locator("#nav-security").tap()
    counts = _map_counts(page)
    assert counts["stops"] == N_TPS
    page.locator("#sec-map").scroll_into_view_if_needed()
    box = page.locator("#sec-map").bounding_box()
    assert box and box["width"] >= 350 and box["height"] >= 300, box
    # nothing sits over the map's centre: the element there belongs to the map
    inside = page.evaluate("""() => { const m = document.getElementById('sec-map').getBoundingClientRect();
        const e = document.elementFromPoint(m.left + m.width / 2, m.top + m.height / 2);
        return !!e && !!e.closest('#sec-map'); }""")
    assert inside
    assert no_horizontal_scroll(page)
    scroll = page.evaluate("""() => {
        const b = document.querySelector('#sec-tps').closest('.pks-table-scroll');
        return [b.scrollWidth, b.clientWidth, getComputedStyle(b).overflowX]; }""")
    assert scroll[2] == "auto"
    shot(page, "rencana_map_phone")
    # a tap on a TPS (one no other marker covers) names it
    page.evaluate("""() => { for (const e of document.querySelectorAll('#sec-map .sec-stop')) {
        const r = e.getBoundingClientRect();
        if (document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) === e) {
            e.id = 'tap-me'; return; } } }""")
    page.locator("#tap-me").tap()
    tooltip = page.locator("#sec-map .leaflet-tooltip")
    tooltip.wait_for()
    assert "TPS" in tooltip.inner_text() and "urutan" in tooltip.inner_text()
    assert not watch.outside and not watch.errors, (watch.outside, watch.errors)
