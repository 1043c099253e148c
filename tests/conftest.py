"""Shared fixtures: a fresh PostGIS database per test session, the app, a live server and
a real headless Chromium. Nothing that users run is mocked.

The database comes from ``PKS_GEO_TEST_DATABASE_URL`` (any PostGIS superuser URL) or else
from the project-managed local cluster, which is started when needed. Each session creates
its own uniquely named database and drops it at the end.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from pks_geo import schema
from pks_geo.config import PROJECT_ROOT, Settings
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.localpg import LocalCluster
from pks_geo.manifest import load_manifest

KS_BOUNDARIES = Settings().boundaries_dir
"""The Konawe Selatan files the project ships (data/boundaries): the tests' default region."""
SHARED_BOUNDARIES = PROJECT_ROOT.parent / "shared" / "boundaries"
"""The province and national files (and the upstream mirror) beside the project's checkouts, for
scale tests; not shipped with the project."""


def _admin_url() -> str:
    url = os.environ.get("PKS_GEO_TEST_DATABASE_URL")
    if url:
        return url
    return LocalCluster.from_settings(Settings.from_env()).up()


class DatabaseFactory:
    """Creates uniquely named databases on the test server and drops them at the end."""

    def __init__(self, admin_url: str) -> None:
        self.admin = make_url(admin_url).set(drivername="postgresql+psycopg")
        plain = self.admin.set(drivername="postgresql", database="postgres")
        self.conninfo = plain.render_as_string(hide_password=False)
        self.created: list[str] = []

    def create(self) -> str:
        name = f"pks_geo_test_{os.getpid()}_{secrets.token_hex(4)}"
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name generated above, not user input
        self.created.append(name)
        return self.admin.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        for name in self.created:
            url = self.admin.set(database=name).render_as_string(hide_password=False)
            get_engine(url).dispose()
            with psycopg.connect(self.conninfo, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def database_factory() -> Iterator[DatabaseFactory]:
    factory = DatabaseFactory(_admin_url())
    try:
        yield factory
    finally:
        factory.drop_all()


@pytest.fixture(scope="session")
def database_url(database_factory: DatabaseFactory) -> str:
    return database_factory.create()


@pytest.fixture
def empty_engine(database_factory: DatabaseFactory) -> Engine:
    """A brand-new migrated database with nothing loaded (for tests that change data)."""
    eng = get_engine(database_factory.create())
    schema.upgrade(eng)
    return eng


@pytest.fixture(scope="session")
def engine(database_url: str) -> Engine:
    eng = get_engine(database_url)
    schema.upgrade(eng)
    return eng


@pytest.fixture(scope="session")
def ks_boundary_paths() -> list[Path]:
    paths = load_manifest().boundary_paths(KS_BOUNDARIES)
    missing = [p for p in paths if not p.exists()]
    assert not missing, f"boundary files missing: {missing}"
    return paths


@pytest.fixture(scope="session")
def loaded(engine: Engine, ks_boundary_paths: list[Path]) -> Engine:
    """The session database with the Konawe Selatan boundaries loaded."""
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    return engine


def table_fingerprint(engine: Engine, table: str = "admin_area") -> tuple[int, str]:
    """Row count and an order-independent digest of a table's contents."""
    with engine.connect() as conn:
        return tuple(conn.execute(text(
            f"SELECT count(*), coalesce(md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))), '') "
            f"FROM {table} t"  # table names here are fixed by the tests, never user input
        )).one())


@pytest.fixture
def app(loaded: Engine, database_url: str):  # type: ignore[no-untyped-def]
    from pks_geo.web import create_app

    return create_app({"DATABASE_URL": database_url, "TESTING": True})


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="session")
def live_server(loaded: Engine, database_url: str) -> Iterator[str]:
    """The real app under waitress on a free loopback port."""
    from pks_geo.web import create_app
    from pks_geo.web.background import serve_in_background

    with serve_in_background(create_app({"DATABASE_URL": database_url, "TESTING": True})) as url:
        yield url


CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium") or "/usr/bin/chromium"
    assert Path(executable).exists(), "Chromium is required for page tests (apt-get install chromium)"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()
