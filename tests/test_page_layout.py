"""The one header of every page: app name and region from the data, navigation per role
(only what the role may use; nothing operational for anonymous visitors), ID/EN switch, user
and Keluar; on a phone the navigation folds into one menu button. Pages carry no inline
event handlers (strict CSP). Screenshots of every converted page at desktop and phone size."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

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

INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> PagesDb:  # type: ignore[no-untyped-def]
    return make_pages_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def app(db: PagesDb):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": db.url, "TESTING": True})


@pytest.fixture(scope="module")
def base(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serve_in_background(app) as url:
        yield url


def _nav_ids(html: str) -> list[str]:
    nav = html[html.index('class="pks-bar-nav"'):]
    nav = nav[:nav.index("</nav>")]
    return re.findall(r'id="(nav-[a-z-]+)"', nav)


def test_navigation_shows_what_the_role_may_use(app) -> None:  # type: ignore[no-untyped-def]
    anonymous = app.test_client().get("/login").get_data(as_text=True)
    assert "nav-security" not in anonymous and "nav-incidents" not in anonymous
    seen = {}
    for role, name in ROLE_USERS.items():
        client = logged_in(app, name, PASSWORD)
        for path in ("/", "/briefing"):
            html = client.get(path).get_data(as_text=True)
            assert html.count('class="pks-bar') >= 1 and html.count("<header") == 1, (role, path)
            seen[role] = _nav_ids(html)
    assert seen["admin"][0] == "nav-map" and "nav-users" in seen["admin"] and "nav-briefing" in seen["admin"]
    assert "nav-users" not in seen["editor"] and "nav-users" not in seen["viewer"]
    assert "nav-briefing" in seen["viewer"]
    # the order is the documented one, whatever subset a role sees
    order = ["nav-map", "nav-incidents", "nav-new-incident", "nav-security", "nav-briefing", "nav-import",
             "nav-users"]
    for ids in seen.values():
        assert ids == sorted(ids, key=order.index)


def test_header_names_region_user_and_languages(app) -> None:  # type: ignore[no-untyped-def]
    client = logged_in(app, ROLE_USERS["analyst"], PASSWORD)
    html = client.get("/briefing").get_data(as_text=True)
    assert "Kabupaten Konawe Selatan" in html  # from the loaded boundaries
    assert 'id="pks-username">andi<' in html and 'id="logout"' in html
    assert 'href="/briefing?lang=en"' in html and 'aria-current="page"' in html
    english = client.get("/briefing?lang=en").get_data(as_text=True)
    assert "Social Conflict Risk Map" in english and "Log out" in english and "Briefings" in english


def test_pages_have_no_inline_event_handlers(app) -> None:  # type: ignore[no-untyped-def]
    admin = logged_in(app, ROLE_USERS["admin"], PASSWORD)
    for path in ("/", "/login", "/briefing", "/admin/pengguna", "/insiden/baru"):
        html = admin.get(path).get_data(as_text=True)
        assert not INLINE_HANDLER.search(html), (path, INLINE_HANDLER.search(html).group(0))


def test_phone_menu_folds_and_opens(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, "admin", PHONE)
    page.goto(base + "/briefing")
    assert page.locator("#pks-menu-button").is_visible()
    assert not page.locator("#nav-users").is_visible()
    shot(page, "layout-briefing-phone-closed")
    page.click("#pks-menu-button")
    assert page.locator("#nav-users").is_visible() and page.locator("#logout").is_visible()
    shot(page, "layout-briefing-phone-menu")
    page.keyboard.press("Escape")
    assert not page.locator("#nav-users").is_visible()
    page.click("#pks-menu-button")
    with page.expect_navigation():
        page.click("#nav-users")
    assert page.url.endswith("/admin/pengguna")
    assert no_horizontal_scroll(page)  # the users table scrolls inside its box
    shot(page, "layout-users-phone")
    page.goto(base + "/")
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert page.locator("#pks-menu-button").is_visible()
    shot(page, "layout-map-phone")
    page.click("#pks-menu-button")
    assert page.locator("#nav-briefing").is_visible()
    shot(page, "layout-map-phone-menu")
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    page.context.close()


def test_desktop_header_on_every_page(browser, base: str) -> None:  # type: ignore[no-untyped-def]
    page, watch = open_as(browser, base, None, DESKTOP)
    page.goto(base + "/login")
    shot(page, "layout-login-desktop")
    page.context.close()
    page, watch = open_as(browser, base, "admin", DESKTOP)
    page.wait_for_selector("body[data-ready='true']", timeout=30000)
    assert not page.locator("#pks-menu-button").is_visible()
    for item in ("#nav-map", "#nav-briefing", "#nav-users", "#logout"):
        assert page.locator(item).is_visible(), item
    shot(page, "layout-map-desktop")
    with page.expect_navigation():
        page.click("#nav-users")
    shot(page, "layout-users-desktop")
    page.goto(base + "/insiden/baru")
    shot(page, "layout-incident-form-desktop")
    page.set_viewport_size(PHONE)
    shot(page, "layout-incident-form-phone")
    assert no_horizontal_scroll(page)
    assert watch.outside == [] and watch.errors == [], (watch.outside, watch.errors)
    page.context.close()
