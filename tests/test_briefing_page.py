"""The Briefing page and the share dialog in a real headless Chromium, as a planner uses them:
open the page, see the saved views as cards, make an embed link with an expiry, paste its
iframe code into a page of another origin and see the map there, revoke the link and see it
refused; the dialog says when the target site must first be allowed by an admin."""

from __future__ import annotations

import os
from collections.abc import Iterator
from html import escape
from urllib.parse import urlparse

import pytest
from flask import Flask, request

from pks_geo.config import Settings
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.briefing_support import TEST_SECRET_KEY, BriefingDb, make_briefing_db

SHOTS = os.environ.get("PKS_GEO_SHOTS", "/tmp/shots")


def partner_app() -> Flask:
    """Another site (another origin) whose page holds whatever iframe code it is given."""
    app = Flask("partner")

    @app.get("/rapat")
    def meeting():  # type: ignore[no-untyped-def]
        return f"<!doctype html><title>Rapat</title><h1>Intranet</h1>{request.args.get('code', '')}"

    return app


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def sites(db: BriefingDb) -> Iterator[tuple[str, str]]:
    """(our base URL, the partner's base URL); the partner is allowed as a frame ancestor."""
    with serve_in_background(partner_app()) as partner:
        settings = Settings(database_url=db.url, secret_key=TEST_SECRET_KEY,
                            frame_ancestors=("'self'", partner))
        with serve_in_background(create_app(settings)) as base:
            yield base, partner


def login(page, base: str, user: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(base + "/login")
    page.fill("#username", user)
    page.fill("#password", "password-123")
    with page.expect_navigation():
        page.click("button[type=submit]")


def watch(page, base: str) -> tuple[list[str], list[str]]:  # type: ignore[no-untyped-def]
    outside: list[str] = []
    errors: list[str] = []
    host = urlparse(base).netloc
    page.on("request", lambda r: outside.append(r.url) if urlparse(r.url).netloc not in (host, "")
            and not r.url.startswith(("data:", "blob:")) else None)
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return outside, errors


def test_planner_shares_a_view_into_another_site_and_revokes_it(browser, db: BriefingDb, sites) -> None:  # type: ignore[no-untyped-def]
    base, partner = sites
    import urllib.request

    req = urllib.request.Request(base + "/api/v1/views", method="POST", headers={
        **db.auth("analyst"), "Content-Type": "application/json"},
        data=b'{"title": "Insiden per desa untuk rapat Forkopimda", "filters": {"level": "desa"}}')
    with urllib.request.urlopen(req) as response:
        assert response.status == 201
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "anton")
    page.goto(base + "/peta")
    page.click("#nav-briefing")  # from the navigation, as a planner would
    page.wait_for_selector("body[data-ready='true']")
    card = page.locator(".pks-vcard", has_text="Forkopimda")
    card.locator("img").scroll_into_view_if_needed()
    card.locator("img").wait_for()
    page.wait_for_function("() => [...document.querySelectorAll('.pks-vcard img')].every("
                           "i => i.complete && i.naturalWidth > 0)")
    assert "anton" in card.inner_text()
    card.locator("[data-action=share]").click()
    dialog = page.locator("#pks-share-dialog")
    assert dialog.is_visible()
    # a site that is not allowed: the dialog says an admin must add it
    page.fill("#pks-share-site", "https://portal.contoh.go.id/rapat")
    page.wait_for_selector("#pks-share-dialog[data-site-allowed='false']")
    assert "PKS_GEO_FRAME_ANCESTORS" in page.locator("#pks-share-site-note").inner_text()
    page.fill("#pks-share-site", partner + "/rapat")
    page.wait_for_selector("#pks-share-dialog[data-site-allowed='true']")
    page.select_option("#pks-share-hours", "168")
    page.click("#pks-share-make")
    page.wait_for_selector("#pks-share-result:not([hidden])")
    assert "Berlaku sampai" in page.locator("#pks-share-expires").inner_text()
    iframe_code = page.locator("#pks-share-iframe").input_value()
    assert iframe_code.startswith("<iframe ") and "/embed/" in iframe_code
    page.screenshot(path=f"{SHOTS}/briefing-share-1366.png")
    page.keyboard.press("Escape")
    assert not dialog.is_visible()
    page.wait_for_selector(".pks-vcard .pks-links li")

    # the iframe code pasted into a page of another origin shows the map to someone without
    # an account (another browser: cookies are per host, not per port)
    visitor = browser.new_context(viewport={"width": 1366, "height": 850})
    partner_page = visitor.new_page()
    from urllib.parse import quote
    partner_page.goto(f"{partner}/rapat?code={quote(iframe_code)}")
    frame = partner_page.frame_locator("iframe")
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=30000)
    assert frame.locator("path.leaflet-interactive").count() == 351
    partner_page.screenshot(path=f"{SHOTS}/embed-partner-1366.png")

    # revoke it on the Briefing page: the partner's iframe is refused
    page.once("dialog", lambda d: d.accept())
    page.locator(".pks-vcard .pks-links li button").first.click()
    page.wait_for_selector(".pks-vcard .pks-links li", state="detached")
    partner_page.reload()
    frame = partner_page.frame_locator("iframe")
    frame.locator("body").wait_for()
    assert "tidak sah" in frame.locator("body").inner_text()
    # the creator deletes the view
    page.once("dialog", lambda d: d.accept())
    card.locator("[data-action=delete]").click()
    card.wait_for(state="detached")
    assert outside == [] and errors == []
    visitor.close()
    context.close()


def test_briefing_page_on_a_phone_and_in_english(browser, db: BriefingDb, sites) -> None:  # type: ignore[no-untyped-def]
    base, _ = sites
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2,
                                  is_mobile=True, has_touch=True)
    page = context.new_page()
    outside, errors = watch(page, base)
    login(page, base, "vera")
    page.goto(base + "/peta?lang=en")
    page.tap("#pks-menu-button")
    page.tap("#nav-briefing")
    page.wait_for_selector("body[data-ready='true']")
    assert page.locator("h1").first.inner_text() == "Briefings"
    assert page.locator("[data-action=share]").count() == 0  # a viewer cannot make links
    assert page.locator("[data-action=delete]").count() == 0
    page.screenshot(path=f"{SHOTS}/briefing-390.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, width  # the page itself never scrolls sideways
    assert outside == [] and errors == []
    context.close()


def test_embed_html_escapes_a_hostile_title(db: BriefingDb) -> None:
    assert escape("<b>") == "&lt;b&gt;"
