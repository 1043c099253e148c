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
    assert page.locator("path[data-level='desa']").count() == 351
    assert "25 Kecamatan" in page.locator("#pks-status").inner_text()
    assert page.title().startswith("pks-geo")
    assert "Batas kecamatan" in page.locator(".leaflet-control-layers").inner_text()


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
    assert "Social Conflict Risk Map" in page.locator("h1").inner_text()
    # the choice is remembered by cookie
    page.goto(live_server + "/")
    page.wait_for_selector("body[data-ready='true']")
    assert "Kecamatan boundaries" in page.locator(".leaflet-control-layers").inner_text()
