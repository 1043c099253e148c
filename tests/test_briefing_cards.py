"""The Briefing page's card actions in a real headless Chromium (issue 15, item 2): an admin opens
another analyst's view on the map, downloads its PDF and self-contained HTML from the card,
revokes that analyst's embed link (the link is refused from then on) and deletes the view."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

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


def call(base: str, db: BriefingDb, method: str, path: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body else None
    request = urllib.request.Request(base + path, method=method, data=data,
                                     headers={**db.auth("analyst"), "Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def status(url: str, headers: dict[str, str] | None = None) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {})) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_admin_uses_another_analysts_card(browser, base: str, db: BriefingDb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = call(base, db, "POST", "/api/v1/views", {"title": "Bentrokan per desa (uji kartu)",
                                                    "filters": {"level": "desa", "kategori": "bentrok"}})
    link = call(base, db, "POST", f"/api/v1/views/{view['id']}/embed-token?hours=24")
    assert status(link["url"]) == 200
    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "adi")
    page.goto(base + "/peta")
    page.click("#nav-briefing")
    page.wait_for_selector("body[data-ready='true']")
    card = page.locator(f".pks-vcard[data-view='{view['id']}']")
    assert "anton" in card.inner_text()
    card.locator(".pks-links li").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.pks-vcard img')].every("
                           "i => i.complete && i.naturalWidth > 0)")  # the preview drew
    page.screenshot(path=f"{SHOTS}/briefing-admin-1366.png")

    # the card's products: PDF and the self-contained HTML, each with a working note
    with page.expect_download(timeout=120000) as pdf:
        card.locator("[data-product=b_pdf]").click()
    assert Path(pdf.value.path()).read_bytes()[:5] == b"%PDF-"
    with page.expect_download(timeout=120000) as html:
        card.locator("[data-product=b_html]").click()
    text = Path(html.value.path()).read_text(encoding="utf-8")
    assert html.value.suggested_filename.endswith(".html")
    assert text.lstrip().lower().startswith("<!doctype html") and "Bentrokan per desa (uji kartu)" in text
    assert card.locator("[data-product=b_atlas]").get_attribute("href").split("?")[0].endswith("/atlas.pdf")

    # an admin may revoke a link another analyst made: the link is refused from then on
    page.once("dialog", lambda d: d.accept())
    card.locator(".pks-links li button").click()
    card.locator(".pks-links li").wait_for(state="detached")
    assert status(link["url"]) == 403

    # open the view on the map: its filters are the map's
    card.locator("a", has_text="Buka di peta").click()
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert page.input_value("select[name=level]") == "desa"
    assert page.input_value("select[name=kategori]") == "bentrok"
    page.go_back()
    page.wait_for_selector("body[data-ready='true']")

    # and delete it although anton made it
    page.once("dialog", lambda d: d.accept())
    card.locator("[data-action=delete]").click()
    card.wait_for(state="detached")
    assert status(base + f"/api/v1/views/{view['id']}", db.auth("analyst")) == 404
    assert outside == [] and errors == []
    context.close()


def test_share_dialog_copies_the_link_and_gives_the_html_file(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1366, "height": 850}, accept_downloads=True,
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    page.click("#pks-share-open")
    page.wait_for_selector("#pks-share-dialog[open]")
    page.select_option("#pks-share-hours", "24")
    page.click("#pks-share-make")
    page.wait_for_selector("#pks-share-result:not([hidden])")
    url = page.input_value("#pks-share-url")
    assert "/embed/" in url and status(url) == 200
    page.click("[data-copy=pks-share-url]")
    page.wait_for_selector("[data-copy=pks-share-url]:has-text('Disalin')")
    assert page.evaluate("navigator.clipboard.readText()") == url
    page.click("[data-copy=pks-share-iframe]")
    page.wait_for_function("navigator.clipboard.readText().then(t => t.startsWith('<iframe '))")
    with page.expect_download(timeout=120000) as html:
        page.click("#pks-share-html")
    assert Path(html.value.path()).read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    page.keyboard.press("Escape")
    assert outside == [] and errors == []
    context.close()
