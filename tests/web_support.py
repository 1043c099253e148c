"""Shared helpers for tests of HTML pages through Flask's test client: CSRF tokens, log-in."""

from __future__ import annotations

import re

from sqlalchemy import Engine

from pks_geo import schema
from pks_geo.auth.users import add_user
from pks_geo.db import get_engine
from pks_geo.web import create_app

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def page_csrf_token(client, path: str) -> str:  # type: ignore[no-untyped-def]
    """The CSRF token of the first form on the page at ``path``."""
    page = client.get(path)
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def logged_in(app, username: str, password: str):  # type: ignore[no-untyped-def]
    """A test client with a session of ``username`` (the log-in must succeed)."""
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": page_csrf_token(client, "/login")})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def database_with_users(database_factory, *users: tuple[str, str]) -> Engine:  # type: ignore[no-untyped-def]
    """A new migrated database of its own with ``(name, role)`` users, password ``password-<name>``."""
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    for name, role in users:
        add_user(engine, name, role, f"password-{name}", actor="test")
    return engine


def app_for(engine: Engine, **config: object):  # type: ignore[no-untyped-def]
    """The real app on ``engine``'s database (test mode)."""
    return create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False), "TESTING": True,
                       **config})
