"""Shared set-up for the page tests of the planners' cockpit part 1 (layout, Rencana
Pengamanan, Insiden, Impor): a database of the module's own with the Konawe Selatan
boundaries and one user per role (password ``password-123``), and browser helpers that
log in, watch for outside requests and console errors, and save screenshots at the two
sizes docs/UI.md asks for (1366×850 and 390×844)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from sqlalchemy import Engine

from pks_geo import schema
from pks_geo.auth import users
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.web import create_app
from pks_geo.web.background import serve_in_background
from tests.security_setup import add_election, synthetic_tps

ELECTION = "pilkada-2020"
"""The election the security and import pages are tested with."""

SHOTS = Path(os.environ.get("PKS_GEO_SHOTS", "/tmp/shots"))
PASSWORD = "password-123"
ROLE_USERS = {"viewer": "vina", "analyst": "andi", "editor": "edo", "admin": "adm"}
DESKTOP = {"width": 1366, "height": 850}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class PagesDb:
    url: str
    engine: Engine


def make_pages_db(database_factory, boundary_paths: list[Path]) -> PagesDb:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, boundary_paths, progress=False)
    for role, name in ROLE_USERS.items():
        users.add_user(engine, name, role, PASSWORD, actor="test")
    return PagesDb(url=url, engine=engine)


def election_pages_db(database_factory, boundary_paths: list[Path],  # type: ignore[no-untyped-def]
                      tps_per_desa: int = 0) -> PagesDb:
    """:func:`make_pages_db` with :data:`ELECTION` and, when asked, ``tps_per_desa`` synthetic TPS
    in each of 20 desa (the Rencana Pengamanan pages' 40 TPS)."""
    pages = make_pages_db(database_factory, boundary_paths)
    with pages.engine.begin() as conn:
        add_election(conn, ELECTION, date(2020, 12, 9))
    if tps_per_desa:
        synthetic_tps(pages.engine, ELECTION, n_desa=20, per_desa=tps_per_desa)
    return pages


@contextmanager
def served(db: PagesDb, **config: Any) -> Iterator[str]:
    """The app on ``db`` (TESTING, plus ``config``) served on a free port; yields its base URL."""
    with serve_in_background(create_app({"DATABASE_URL": db.url, "TESTING": True, **config})) as url:
        yield url


@dataclass
class Watch:
    """Requests that left the machine and console errors seen by a page."""

    host: str
    outside: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, page) -> None:  # type: ignore[no-untyped-def]
        def on_request(req) -> None:  # type: ignore[no-untyped-def]
            local = urlparse(req.url).netloc in (self.host, "") or req.url.startswith(("data:", "blob:"))
            if not local:
                self.outside.append(req.url)

        page.on("request", on_request)
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))


def open_as(browser, base: str, role: str | None, viewport: dict[str, int] = DESKTOP,
            accept_downloads: bool = False, mobile: bool = False):  # type: ignore[no-untyped-def]
    """A new page (own context) logged in as the user of ``role`` (None: anonymous), and its Watch;
    ``mobile``: a phone's browser (touch, mobile viewport rules), for tests that ``.tap()``."""
    context = browser.new_context(viewport=viewport, accept_downloads=accept_downloads,
                                  is_mobile=mobile, has_touch=mobile)
    page = context.new_page()
    watch = Watch(urlparse(base).netloc)
    watch.attach(page)
    if role is not None:
        page.goto(base + "/login")
        page.fill("#username", ROLE_USERS[role])
        page.fill("#password", PASSWORD)
        with page.expect_navigation():
            page.click("main button[type=submit]")
    return page, watch


def shot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    """Save a full-page screenshot to look at (PKS_GEO_SHOTS, default /tmp/shots)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


def no_horizontal_scroll(page) -> bool:  # type: ignore[no-untyped-def]
    """The page itself never scrolls sideways (tables scroll inside their boxes)."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"))
