"""The map page in a real headless Chromium: boundaries drawn, nothing fetched from outside."""

from __future__ import annotations

from urllib.parse import urlparse


def _open(page, url: str) -> tuple[list[str], list[str]]:
    """Load ``url``; return (requests to other hosts, console errors)."""
    outside: list[str] = []
    errors: list[str] = []
    host = urlparse(url).netloc
    page.on("request", lambda req: outside.append(req.url)
            if urlparse(req.url).netloc not in (host, "") and not req.url.startswith("data:") else None)
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    return outside, errors


def test_map_shows_25_kecamatan_without_outside_requests(page, live_server: str) -> None:
    outside, errors = _open(page, live_server + "/")
    assert outside == []
    assert errors == []
    assert page.locator("path[data-level='kecamatan']").count() == 25
    assert page.locator("path[data-level='desa']").count() == 0  # desa outlines load on demand
    page.locator(".leaflet-control-layers label", has_text="Batas desa").locator("input").check()
    page.wait_for_selector("body[data-desa-outline='351']")
    assert page.locator("path[data-level='desa']").count() == 351
    assert "25 Kecamatan" in page.locator("#pks-status").inner_text()
    assert page.title().startswith("pks-geo")
    assert "Batas kecamatan" in page.locator(".leaflet-control-layers").inner_text()
    page.locator(".leaflet-control-layers label", has_text="data sumber").locator("input").check()
    page.wait_for_selector("body[data-kecamatan-source='25']")  # the source outline stays available
    scale = page.locator(".leaflet-control-scale-line")
    assert scale.count() == 1 and scale.inner_text().strip().endswith(("km", " m"))  # no miles


def test_tooltip_names_the_kecamatan(page, live_server: str) -> None:
    _open(page, live_server + "/peta")
    path = page.locator("path[data-level='choropleth-kecamatan'][data-kode='74.05.01']")
    path.hover(force=True)
    page.wait_for_selector(".leaflet-tooltip", timeout=5000)
    assert "Tinanggea" in page.locator(".leaflet-tooltip").inner_text()


def test_english_switch(page, live_server: str) -> None:
    _open(page, live_server + "/")
    with page.expect_navigation():
        page.click(".pks-lang a[href$='lang=en']")
    page.wait_for_selector("body[data-ready='true']")
    assert "Kecamatan boundaries" in page.locator(".leaflet-control-layers").inner_text()
    assert "Social Conflict Risk Map" in page.title()
    assert page.locator("#logout, #login-link").count() <= 1 and page.locator("h1.pks-bar-title").count() == 1
    # the choice is remembered by cookie
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-ready='true']")
    assert "Kecamatan boundaries" in page.locator(".leaflet-control-layers").inner_text()


def test_basemap_setting_adds_a_switchable_layer(browser, loaded, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """With PKS_GEO_TILE_URL set the basemap is a layer that can be switched off; the test's
    tile URL points at the app itself, so nothing leaves the machine."""
    from pks_geo.config import Settings
    from pks_geo.web import create_app
    from pks_geo.web.background import serve_in_background

    settings = Settings(database_url=database_url, tile_url="/static/favicon.svg?{z}/{x}/{y}",
                        tile_attribution="Peta dasar lokal")
    with serve_in_background(create_app(settings)) as base:
        page = browser.new_page()
        try:
            outside, errors = _open(page, base + "/")
            assert outside == [] and errors == []
            control = page.locator(".leaflet-control-layers")
            assert "Peta dasar" in control.inner_text()
            assert page.locator("img.leaflet-tile").count() > 0
            control.locator("label", has_text="Peta dasar").locator("input").uncheck()
            assert page.locator("img.leaflet-tile").count() == 0
        finally:
            page.close()
