"""Embeds and self-contained HTML: signed expiring tokens bound to a view, aggregates only,
framing headers, and real Chromium drawing the polygons with no request leaving the app
(embed) or no request at all (self-contained file)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from pks_geo import audit
from pks_geo.config import Settings
from pks_geo.maps.embed import issue_token
from pks_geo.web import create_app
from tests.briefing_support import (
    SECRET_ACTOR,
    SECRET_DESCRIPTION,
    TEST_SECRET_KEY,
    BriefingDb,
    make_briefing_db,
    serve,
)

INTRANET = "https://intranet.example.go.id"
AGGREGATE_PROPERTIES = {"kode", "nama", "value", "class", "rank", "n_incidents", "dpt", "suppressed"}


@pytest.fixture(scope="module")
def db(database_factory, ks_boundary_paths) -> BriefingDb:  # type: ignore[no-untyped-def]
    return make_briefing_db(database_factory, ks_boundary_paths)


@pytest.fixture(scope="module")
def app(db: BriefingDb):  # type: ignore[no-untyped-def]
    app = create_app(Settings(database_url=db.url, secret_key=TEST_SECRET_KEY,
                              frame_ancestors=("'self'", INTRANET)))
    app.config.update(TESTING=True)
    return app


@pytest.fixture(scope="module")
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture(scope="module")
def server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serve(app) as base:
        yield base


@pytest.fixture(scope="module")
def view_id(client, db: BriefingDb) -> str:  # type: ignore[no-untyped-def]
    response = client.post("/api/v1/views", headers=db.auth("analyst"), json={
        "title": "Peta untuk situs mitra", "filters": {"level": "desa"}, "classification": {"k": 4}})
    assert response.status_code == 201, response.json
    return response.json["id"]


@pytest.fixture(scope="module")
def token(client, db: BriefingDb, view_id: str) -> str:  # type: ignore[no-untyped-def]
    response = client.post(f"/api/v1/views/{view_id}/embed-token?hours=24", headers=db.auth("analyst"))
    assert response.status_code == 201, response.json
    return response.json["token"]


def _desa_count(db: BriefingDb) -> int:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM admin_area WHERE level = 'desa'")).scalar_one()


def test_analyst_gets_a_token_and_an_iframe_snippet(client, db: BriefingDb, view_id: str) -> None:
    before = time.time()
    response = client.post(f"/api/v1/views/{view_id}/embed-token?hours=6", headers=db.auth("analyst"))
    assert response.status_code == 201
    body = response.json
    url = urlsplit(body["url"])
    assert url.path == f"/embed/{view_id}" and parse_qs(url.query)["token"] == [body["token"]]
    assert body["iframe"].startswith("<iframe ") and f"/embed/{view_id}?token=" in body["iframe"]
    from datetime import datetime

    expires = datetime.fromisoformat(body["expires_at"]).timestamp()
    assert before + 6 * 3600 - 5 <= expires <= time.time() + 6 * 3600 + 5
    actions = [(e["actor"], e["action"]) for e in audit.events(db.engine, "saved_view", view_id)]
    assert ("anton", "embed_token") in actions


@pytest.mark.parametrize(("who", "query", "status", "parameter"), [
    ("viewer", "", 403, None), (None, "", 401, None),
    ("analyst", "?hours=0", 400, "hours"), ("analyst", "?hours=5000", 400, "hours"),
    ("analyst", "?hours=soon", 400, "hours"),
])
def test_token_issue_is_refused(client, db: BriefingDb, view_id: str, who, query, status, parameter) -> None:
    headers = db.auth(who) if who else {}
    response = client.post(f"/api/v1/views/{view_id}/embed-token{query}", headers=headers)
    assert response.status_code == status
    if parameter:
        assert response.json["parameter"] == parameter
    assert client.post("/api/v1/views/nosuchv1/embed-token", headers=db.auth("analyst")).status_code == 404


def _tampered(token: str) -> str:
    """Change the signature's first character: its last one may only carry base64 padding
    bits (43 characters for 32 bytes), so changing it can leave the signature unchanged."""
    payload, signature = token.split(".")
    return f"{payload}." + ("A" if signature[0] != "A" else "B") + signature[1:]


def test_missing_tampered_foreign_and_expired_tokens_get_403(client, db: BriefingDb, view_id: str,
                                                             token: str) -> None:
    other = client.post("/api/v1/views", headers=db.auth("analyst"), json={"title": "lain"}).json["id"]
    other_token = client.post(f"/api/v1/views/{other}/embed-token", headers=db.auth("analyst")).json["token"]
    expired = issue_token(TEST_SECRET_KEY, view_id, hours=1, now=time.time() - 7200).token
    wrong_key = issue_token("another-secret-key-000000000000", view_id, hours=1).token
    payload, signature = token.split(".")
    swapped_payload = other_token.split(".")[0] + "." + signature
    for bad in ("", _tampered(token), other_token, expired, wrong_key, swapped_payload, "x.y"):
        page = client.get(f"/embed/{view_id}?token={bad}")
        assert page.status_code == 403, bad
        assert "Tautan sematan tidak sah" in page.get_data(as_text=True)
        data = client.get(f"/embed/{view_id}/data.geojson?token={bad}")
        assert data.status_code == 403 and data.json["parameter"] == "token"
    assert client.get(f"/embed/{view_id}/data.geojson?token={token}").status_code == 200


def test_valid_token_sees_aggregates_only(client, db: BriefingDb, view_id: str, token: str) -> None:
    response = client.get(f"/embed/{view_id}/data.geojson?token={token}")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    body = response.json
    assert len(body["features"]) == _desa_count(db)
    for feature in body["features"]:
        assert set(feature["properties"]) <= AGGREGATE_PROPERTIES
        assert feature["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert sum(f["properties"]["n_incidents"] or 0 for f in body["features"]) > 0
    # an embed is for visitors: desa of 1 or 2 incidents are suppressed, never exact
    assert body["disclosure"] == {"level": "aggregate", "min_cell": 3}
    assert any(f["properties"]["suppressed"] for f in body["features"])
    assert not any(f["properties"]["n_incidents"] in (1, 2) for f in body["features"])
    assert body["legend"]["k"] >= 1 and body["view"]["title"] == "Peta untuk situs mitra"
    text = response.get_data(as_text=True)
    assert SECRET_DESCRIPTION not in text and SECRET_ACTOR not in text and "description" not in text


def test_framing_headers(client, db: BriefingDb, view_id: str, token: str) -> None:
    page = client.get(f"/embed/{view_id}?token={token}")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert f"frame-ancestors 'self' {INTRANET}" in csp and "default-src 'self'" in csp
    assert "X-Frame-Options" not in page.headers
    assert page.headers["Referrer-Policy"] == "no-referrer"
    for path in ("/api/v1/views", "/", "/healthz"):
        other = client.get(path, headers=db.auth("viewer"))
        assert "frame-ancestors 'self'" in other.headers["Content-Security-Policy"], path
        assert INTRANET not in other.headers["Content-Security-Policy"]
        assert other.headers["X-Frame-Options"] == "SAMEORIGIN"


def test_logged_in_user_previews_without_token_and_deleting_the_view_ends_tokens(client,
                                                                                db: BriefingDb) -> None:
    view = client.post("/api/v1/views", headers=db.auth("analyst"), json={"title": "sementara"}).json["id"]
    tok = client.post(f"/api/v1/views/{view}/embed-token", headers=db.auth("analyst")).json["token"]
    assert client.get(f"/embed/{view}/data.geojson", headers=db.auth("viewer")).status_code == 200
    assert client.get(f"/embed/{view}/data.geojson?token={tok}").status_code == 200
    assert client.delete(f"/api/v1/views/{view}", headers=db.auth("analyst")).status_code == 204
    assert client.get(f"/embed/{view}/data.geojson?token={tok}").status_code == 404
    assert client.get(f"/embed/{view}?token={tok}").status_code == 404


def test_embed_draws_polygons_in_chromium_without_leaving_the_app(browser, server: str, db: BriefingDb,
                                                                 view_id: str, token: str) -> None:
    context = browser.new_context(viewport={"width": 900, "height": 650})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    try:
        page.goto(f"{server}/embed/{view_id}?token={token}&lang=en")
        page.wait_for_selector("#pks-embed[data-ready='true']", timeout=15000)
        assert page.locator("path[data-kode]").count() == _desa_count(db)
        legend = page.locator("[data-testid=legend]").inner_text()
        assert "Number of incidents" in legend and "No data" in legend
        assert "Peta untuk situs mitra" in page.locator(".pks-embed-title").inner_text()
        html = page.content()
        assert SECRET_DESCRIPTION not in html and SECRET_ACTOR not in html
    finally:
        context.close()
    assert not errors  # includes Content-Security-Policy violations, which Chromium logs as errors
    assert requests and all(url.startswith(server + "/") for url in requests), requests
    assert not [url for url in requests if "/api/" in url]
    assert any(f"/embed/{view_id}/data.geojson" in url for url in requests)


def test_tampered_token_shows_an_error_in_chromium(browser, server: str, view_id: str, token: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    try:
        response = page.goto(f"{server}/embed/{view_id}?token={_tampered(token)}")
        assert response is not None and response.status == 403
        assert "invalid or has expired" in page.content() or "tidak sah" in page.content()
        assert page.locator("path").count() == 0
    finally:
        context.close()


def test_selfcontained_html_opens_offline_with_zero_requests(browser, client, db: BriefingDb, view_id: str,
                                                             tmp_path) -> None:
    response = client.get(f"/maps/{view_id}.html?lang=id", headers=db.auth("viewer"))
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert SECRET_DESCRIPTION not in html and SECRET_ACTOR not in html
    assert "http://" not in html.split("<script>")[0]  # no stylesheet or image links in the head
    path = tmp_path / "peta.html"
    path.write_text(html, encoding="utf-8")

    context = browser.new_context(offline=True, viewport={"width": 1000, "height": 700})
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    try:
        page.goto(path.as_uri())
        page.wait_for_selector("#pks-embed[data-ready='true']", timeout=15000)
        assert page.locator("path[data-kode]").count() == _desa_count(db)
        assert "Jumlah insiden" in page.locator("[data-testid=legend]").inner_text()
        assert "Peta untuk situs mitra" in page.title()
        assert "TERBATAS" in page.locator(".pks-embed-marking").inner_text()
    finally:
        context.close()
    assert not errors  # includes Content-Security-Policy violations, which Chromium logs as errors
    assert requests == [path.as_uri()], requests
