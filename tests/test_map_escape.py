"""Server strings on the map page are text, never markup, and a slow old answer never overwrites
a newer one (issue 18): a kecamatan and a desa are named ``<img src=x onerror=...>`` and every
place that shows those names (choropleth tooltips at both levels, the hot-spot tooltip and
explanation, an incident's popup) shows the characters without creating an element, loading
/x or running the handler. The hot-spot layer's answer for kecamatan is held back by the browser
until the answer for desa has been drawn; when it finally arrives it is dropped. A request that
fails says so on the map."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pks_geo.config import Settings
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.hotspot_data import insert_counts
from tests.page_support import PagesDb, make_pages_db, open_as, shot

EVIL = "<img src=x onerror=\"document.body.dataset.pwned='1'\">"
KECAMATAN = "74.05.01"
DESA = "74.05.01.2014"  # in KECAMATAN


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    pages = make_pages_db(database_factory, ks_boundary_paths)
    with pages.engine.begin() as conn:
        conn.execute(text("UPDATE admin_area SET nama = :n WHERE kode IN (:k, :d)"),
                     {"n": EVIL, "k": KECAMATAN, "d": DESA})
        desa = conn.execute(text("SELECT kode FROM admin_area WHERE level = 'desa' ORDER BY kode LIMIT 40"))
        kodes = [row.kode for row in desa]
    insert_counts(pages.engine, {k: 4 + i % 5 for i, k in enumerate(kodes)} | {DESA: 9}, date(2019, 4, 10))
    return pages


@pytest.fixture(scope="module")
def base(db: PagesDb) -> Iterator[str]:
    with serve_in_background(create_app(Settings(database_url=db.url))) as url:
        yield url


OPEN_TOOLTIP = """([kode, layer]) => {
  let found = false;
  window.PKSMap.map.eachLayer((l) => {
    const el = l.getElement && l.getElement();
    if (found || !l.feature || l.feature.properties.kode !== kode || !l.getTooltip()) return;
    if (layer && !(el && el.dataset.layer === layer)) return;
    l.openTooltip(l.getBounds().getCenter());
    if (layer) l.openPopup(l.getBounds().getCenter());
    found = true;
  });
  return found;
}"""

OPEN_INCIDENT = """(desa) => new Promise((resolve) => {
  window.PKSMap.map.eachLayer((group) => {
    if (!(group instanceof L.MarkerClusterGroup)) return;
    const marker = group.getLayers().find((m) => m.feature.properties.desa_kode === desa);
    if (marker) group.zoomToShowLayer(marker, () => { marker.openPopup(); resolve(true); });
  });
})"""


def _as_text(page, selector: str) -> None:  # type: ignore[no-untyped-def]
    box = page.locator(selector).last
    box.wait_for()
    assert EVIL in box.inner_text()
    assert box.locator("img").count() == 0


def _layers_control(page):  # type: ignore[no-untyped-def]
    toggle = page.locator(".leaflet-control-layers-toggle")
    if toggle.is_visible():
        toggle.hover()
    return page.locator(".leaflet-control-layers label", has_text="Titik panas (Gi*)").locator("input")


def test_names_with_markup_are_shown_as_text(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "analyst")
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url))
    page.goto(base + "/?level=desa")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert page.evaluate(OPEN_TOOLTIP, [DESA, None])
    _as_text(page, ".leaflet-tooltip")
    assert page.evaluate(OPEN_INCIDENT, DESA)
    _as_text(page, ".leaflet-popup-content")
    shot(page, "map-escape-desa-1366")

    page.select_option("select[name=level]", "kecamatan")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert page.evaluate(OPEN_TOOLTIP, [KECAMATAN, None])
    _as_text(page, ".leaflet-tooltip")
    _layers_control(page).check()
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=120000)
    assert page.evaluate(OPEN_TOOLTIP, [KECAMATAN, "hotspots"])
    _as_text(page, ".leaflet-tooltip")
    _as_text(page, ".leaflet-popup-content")
    shot(page, "map-escape-hotspot-1366")

    assert page.evaluate("document.body.dataset.pwned") is None
    assert page.locator("img[src='x']").count() == 0
    assert not [u for u in asked if u.rstrip("/").endswith("/x")]
    assert watch.errors == [] and watch.outside == []
    page.context.close()


def test_a_late_answer_to_older_filters_is_dropped_and_failures_are_shown(  # type: ignore[no-untyped-def]
        browser, base: str) -> None:
    page, watch = open_as(browser, base, "analyst")
    held: list = []
    fail = {"next": False}

    def hold_kecamatan(route) -> None:  # type: ignore[no-untyped-def]
        if fail["next"]:
            fail["next"] = False
            route.abort()
        elif "level=kecamatan" in route.request.url and not held:
            held.append(route)  # answered below, after the newer request has been drawn
        else:
            route.continue_()

    page.route("**/api/v1/hotspots?*", hold_kecamatan)
    page.goto(base + "/?level=kecamatan")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    _layers_control(page).check()
    page.wait_for_function("() => document.body.dataset.layerhotspots === 'loading'")
    assert len(held) == 1
    page.select_option("select[name=level]", "desa")  # a newer request for the desa level
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=120000)
    n_desa = page.locator("path[data-layer='hotspots']").count()
    assert n_desa == page.locator("path[data-level='choropleth-desa']").count() > 300

    with page.expect_event("requestfinished", lambda r: "level=kecamatan" in r.url, timeout=120000):
        held[0].continue_()  # the server's real answer for kecamatan, now late
    page.wait_for_timeout(500)  # time to parse it and (not) draw it
    assert page.locator("path[data-layer='hotspots']").count() == n_desa
    assert page.evaluate("document.body.dataset.layerhotspots") == "ready"
    assert watch.errors == []

    fail["next"] = True  # the next request fails on the way: the map says so
    page.select_option("select[name=level]", "kecamatan")
    page.wait_for_selector("body[data-layerhotspots='error']", timeout=60000)
    error = page.locator("[data-testid='layer-error']")
    assert error.inner_text().startswith("Titik panas (Gi*): Gagal memuat data peta (")
    assert page.locator("path[data-layer='hotspots']").count() == 0  # nothing stale left drawn
    shot(page, "map-layer-error-1366")
    page.select_option("select[name=level]", "desa")  # the next answer arrives: message gone
    page.wait_for_selector("body[data-layerhotspots='ready']", timeout=120000)
    assert error.count() == 0 and page.locator("path[data-layer='hotspots']").count() == n_desa
    page.context.close()
