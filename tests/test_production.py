"""Production set-up: a secret key is required, and several ``pks-geo serve`` processes behind a
proxy behave as one (issue 16): a session made on one works on the other, and a change written
through one is seen by the other at once (its caches follow the database's LISTEN/NOTIFY)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner
from sqlalchemy import Engine

from pks_geo import schema
from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.cli import main
from pks_geo.config import PROJECT_ROOT
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from tests.ingest_support import LAMBAKARA_POINT
from tests.live_server import live_server

SECRET = "rahasia-bersama-" + "x" * 32


@pytest.fixture(scope="module")
def shared_db(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "test")
    add_user(engine, "petugas", "editor", "password-petugas", actor="test")
    return engine


def test_production_refuses_to_serve_without_a_secret_key() -> None:
    result = CliRunner().invoke(main, ["serve"], env={"PKS_GEO_ENV": "production", "PKS_GEO_SECRET_KEY": ""})
    assert result.exit_code == 1 and "PKS_GEO_SECRET_KEY" in result.output
    bad = CliRunner().invoke(main, ["serve"], env={"PKS_GEO_ENV": "prod"})
    assert bad.exit_code == 1 and "PKS_GEO_ENV" in bad.output


def _incident_total(base: str, token: str) -> int:
    """Exact total as an editor sees it (a visitor's small cells are suppressed to null)."""
    body = requests.get(f"{base}/api/v1/choropleth?level=kecamatan", timeout=30,
                        headers={"Authorization": f"Bearer {token}"}).json()
    return sum(f["properties"]["n_incidents"] for f in body["features"])


def test_two_processes_share_sessions_and_see_each_others_changes(shared_db: Engine) -> None:
    url = shared_db.url.render_as_string(hide_password=False)
    token = create_token(shared_db, "petugas", actor="test")[1]
    with live_server(url, secret_key=SECRET) as first, live_server(url, secret_key=SECRET) as second:
        before = _incident_total(second, token)  # the second process has this answer cached now
        created = requests.post(f"{first}/api/v1/incidents", timeout=30,
                                headers={"Authorization": f"Bearer {token}"},
                                json={"tanggal": "2019-04-10", "kategori": "bentrok",
                                      "lat": LAMBAKARA_POINT[0], "lon": LAMBAKARA_POINT[1]})
        assert created.status_code == 201, created.text[:300]
        deadline = time.monotonic() + 3
        while _incident_total(second, token) == before and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _incident_total(second, token) == before + 1

        browser = requests.Session()  # log in on the first process, carry on with the second
        page = browser.get(f"{first}/login", timeout=30).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        logged_in = browser.post(f"{first}/login", timeout=30, allow_redirects=False,
                                 data={"username": "petugas", "password": "password-petugas",
                                       "csrf_token": csrf})
        assert logged_in.status_code == 302
        assert requests.get(f"{second}/api/v1/incidents", timeout=30).status_code == 401
        assert browser.get(f"{second}/api/v1/incidents", timeout=30).status_code == 200


def test_deploy_files_are_consistent() -> None:
    """The unit serves what nginx proxies to, and the example settings are the production ones."""
    deploy = PROJECT_ROOT / "deploy"
    unit = (deploy / "pks-geo@.service").read_text()
    nginx = (deploy / "nginx-pks-geo.conf").read_text()
    env = (deploy / "env.example").read_text()
    assert "pks-geo serve --host 127.0.0.1 --port %i" in unit and "EnvironmentFile=/etc/pks-geo/env" in unit
    assert re.findall(r"server 127\.0\.0\.1:(\d+);", nginx) == ["5001", "5002"]
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in nginx
    assert "ssl_certificate" in nginx and "gzip on;" in nginx
    assert "PKS_GEO_ENV=production" in env and "PKS_GEO_SECRET_KEY=" in env
    assert "PKS_GEO_TRUSTED_PROXIES=1" in env
    timer = Path(deploy / "pks-geo-backup.service").read_text()
    assert "pks-geo db backup -o /var/backups/pks-geo/" in timer
