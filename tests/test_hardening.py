"""Smaller hardening points of issue 13: a warning when the secret key is random, saved-view
creators hidden from anonymous visitors, and ``401`` (not a redirect to the log-in page) for GIS
clients and scripts on ``/ogc`` when anonymous visitors may see nothing."""

from __future__ import annotations

import logging
import time
import urllib.request
from pathlib import Path

import pytest

from pks_geo.auth.users import add_user
from pks_geo.maps.views import create_view
from pks_geo.web import create_app
from tests.analysis_dataset import Dataset, bearer, get_dataset
from tests.live_server import live_server
from tests.web_support import logged_in

WARNING = "PKS_GEO_SECRET_KEY is not set"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "Sec-Fetch-Mode": "navigate", "Sec-Fetch-Dest": "document"}


@pytest.fixture(scope="module")
def ds(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    return get_dataset(database_factory, ks_boundary_paths)


def test_factory_warns_when_the_secret_key_is_random(ds: Dataset, monkeypatch, caplog) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PKS_GEO_SECRET_KEY", raising=False)
    with caplog.at_level(logging.WARNING, logger="pks_geo"):
        create_app({"DATABASE_URL": ds.url, "TESTING": True})
    assert [r.levelno for r in caplog.records if WARNING in r.getMessage()] == [logging.WARNING]
    caplog.clear()
    monkeypatch.setenv("PKS_GEO_SECRET_KEY", "a-configured-key-0123456789")
    with caplog.at_level(logging.WARNING, logger="pks_geo"):
        create_app({"DATABASE_URL": ds.url, "TESTING": True})
        create_app({"DATABASE_URL": ds.url, "TESTING": True, "SECRET_KEY": "x" * 32})
    assert not any(WARNING in r.getMessage() for r in caplog.records)


def _log_after_start(base: str) -> str:
    urllib.request.urlopen(base + "/healthz", timeout=5).read()
    time.sleep(0.3)  # stderr is written as the server goes
    return Path(live_server.log_path).read_text(encoding="utf-8")  # type: ignore[attr-defined]


def test_serve_warns_at_start_without_a_secret_key(ds: Dataset, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("PKS_GEO_SECRET_KEY", raising=False)
    monkeypatch.delenv("PKS_GEO_ENV", raising=False)
    with live_server(ds.url) as base:
        log = _log_after_start(base)
    assert WARNING in log and "WARNING pks_geo.web" in log, log[-2000:]
    with live_server(ds.url, secret_key="a-configured-key-0123456789") as base:
        log = _log_after_start(base)
    assert WARNING not in log and "GET /healthz" in log


def test_saved_view_creators_are_hidden_from_anonymous_visitors(ds: Dataset) -> None:
    view = create_view(ds.engine, {"title": "Peta rahasia pembuat", "metric": "count",
                                   "filters": {"level": "kecamatan"}}, actor="pembuat-tersembunyi")
    app = create_app({"DATABASE_URL": ds.url, "TESTING": True})
    client = app.test_client()
    listed = client.get("/api/v1/views")
    assert listed.status_code == 200
    mine = next(v for v in listed.get_json()["views"] if v["id"] == view.id)
    assert mine["title"] == "Peta rahasia pembuat" and mine["created_by"] is None
    assert "pembuat-tersembunyi" not in listed.get_data(as_text=True)
    shown = client.get(f"/api/v1/views/{view.id}")
    assert shown.status_code == 200 and shown.get_json()["created_by"] is None
    assert "pembuat-tersembunyi" not in shown.get_data(as_text=True)
    # nor can they probe user names with the filter
    probe = client.get("/api/v1/views?created_by=pembuat-tersembunyi")
    assert probe.status_code == 401
    # a logged-in viewer (session or token) sees who made it, and can filter by it
    add_user(ds.engine, "uji-pembaca", "viewer", "password-uji-pembaca", actor="test")
    viewer = logged_in(app, "uji-pembaca", "password-uji-pembaca")
    for who, headers in ((viewer, {}), (client, bearer(ds, "viewer"))):
        body = who.get("/api/v1/views?created_by=pembuat-tersembunyi", headers=headers).get_json()
        assert [v["created_by"] for v in body["views"]] == ["pembuat-tersembunyi"]
        assert who.get(f"/api/v1/views/{view.id}", headers=headers).get_json()["created_by"] == \
            "pembuat-tersembunyi"


@pytest.mark.parametrize("headers", [{}, {"Accept": "*/*"}, {"Accept": "application/geo+json"},
                                     {"Accept": "application/json"},
                                     {"Accept": "application/geo+json, application/json;q=0.9, */*;q=0.1",
                                      "User-Agent": "GDAL/3.6.2"}],
                         ids=["no-accept", "any", "geojson", "json", "gdal"])
def test_ogc_answers_401_to_api_clients_when_anonymous_see_nothing(ds: Dataset,
                                                                  headers: dict[str, str]) -> None:
    client = create_app({"DATABASE_URL": ds.url, "TESTING": True, "ANONYMOUS_ROLE": "none"}).test_client()
    for url in ("/ogc", "/ogc/collections", "/ogc/collections/areas/items?limit=1", "/ogc/api",
                "/ogc/collections/areas/items?limit=1&f=json"):
        response = client.get(url, headers=headers)
        assert response.status_code == 401, (url, response.status_code, response.headers.get("Location"))
        assert "Basic" in response.headers["WWW-Authenticate"] and response.is_json
    assert client.get("/ogc/collections", headers={**headers, **bearer(ds, "viewer")}).status_code == 200


def test_ogc_sends_browsers_to_the_login_page(ds: Dataset) -> None:
    client = create_app({"DATABASE_URL": ds.url, "TESTING": True, "ANONYMOUS_ROLE": "none"}).test_client()
    for url, headers in (("/ogc/collections", BROWSER), ("/ogc/collections?f=html", {}),
                         ("/ogc/collections?f=html", {"Accept": "*/*"})):
        response = client.get(url, headers=headers)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), url
    # a browser asking for the JSON explicitly gets the API's answer
    asked = client.get("/ogc/collections?f=json", headers=BROWSER)
    assert asked.status_code == 401 and asked.headers["WWW-Authenticate"].startswith("Bearer")
