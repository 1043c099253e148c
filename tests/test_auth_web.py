"""Log-in page, session, CSRF, Bearer tokens on pages, and PKS_GEO_ANONYMOUS_ROLE."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import Engine, text

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user, set_active, set_role
from pks_geo.config import ConfigError, Settings
from tests.web_support import app_for, database_with_users

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def web_engine(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    return database_with_users(database_factory, ("editor1", "editor"), ("viewer1", "viewer"),
                               ("analyst1", "analyst"))


def _app(engine: Engine, **config: object):  # type: ignore[no-untyped-def]
    return app_for(engine, **config)


@pytest.fixture
def web_client(web_engine: Engine):  # type: ignore[no-untyped-def]
    return _app(web_engine).test_client()


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path)
    match = CSRF_FIELD.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:500]
    return match.group(1)


def login(client, username: str, password: str, **extra: str):  # type: ignore[no-untyped-def]
    data = {"username": username, "password": password, "csrf_token": csrf_token(client), **extra}
    return client.post("/login", data=data)


def test_login_page_speaks_indonesian_by_default_and_english_on_request(web_client) -> None:  # type: ignore[no-untyped-def]
    page = web_client.get("/login").get_data(as_text=True)
    assert 'lang="id"' in page and "Nama pengguna" in page and "Kata sandi" in page
    english = web_client.get("/login?lang=en").get_data(as_text=True)
    assert 'lang="en"' in english and "User name" in english and "Password" in english
    assert "Nama pengguna" not in english


def test_login_starts_a_session_and_logout_ends_it(web_client) -> None:  # type: ignore[no-untyped-def]
    assert web_client.get("/api/v1/incidents").status_code == 401
    response = login(web_client, "analyst1", "password-analyst1", next="/api/v1/incidents")
    assert response.status_code == 302 and response.headers["Location"] == "/api/v1/incidents"
    assert web_client.get("/api/v1/incidents").status_code == 200
    page = web_client.get("/login?lang=en").get_data(as_text=True)
    assert 'id="pks-username">analyst1<' in page

    token = csrf_token(web_client)
    assert web_client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert web_client.get("/api/v1/incidents").status_code == 401


def test_wrong_password_and_empty_fields_are_refused_with_messages(web_client) -> None:  # type: ignore[no-untyped-def]
    wrong = login(web_client, "analyst1", "not-the-password")
    assert wrong.status_code == 401
    assert "kata sandi salah" in wrong.get_data(as_text=True)
    empty = login(web_client, "", "")
    assert empty.status_code == 400 and empty.get_data(as_text=True).count("Wajib diisi.") == 2
    assert web_client.get("/api/v1/incidents").status_code == 401


def test_form_post_without_csrf_token_is_refused(web_client) -> None:  # type: ignore[no-untyped-def]
    web_client.get("/login")
    refused = web_client.post("/login", data={"username": "analyst1", "password": "password-analyst1"})
    assert refused.status_code == 400
    assert "Formulir kedaluwarsa" in refused.get_data(as_text=True)
    forged = web_client.post("/login", data={"username": "analyst1", "password": "password-analyst1",
                                              "csrf_token": "forged"})
    assert forged.status_code == 400
    assert web_client.get("/api/v1/incidents").status_code == 401  # not logged in


def test_session_api_writes_need_the_csrf_header_but_bearer_writes_do_not(web_engine: Engine,
                                                                          web_client) -> None:  # type: ignore[no-untyped-def]
    login(web_client, "editor1", "password-editor1")
    body = {"event_date": "2019-04-10", "kategori": "bentrok"}
    refused = web_client.post("/api/v1/incidents", json=body)
    assert refused.status_code == 400 and "csrf_token" in refused.json["errors"]
    with_header = web_client.post("/api/v1/incidents", json=body,
                                  headers={"X-CSRFToken": csrf_token(web_client)})
    assert with_header.status_code == 422  # past CSRF; refused for lack of a location
    assert "lat" in with_header.json["errors"]

    _, token = create_token(web_engine, "editor1", "script", actor="test")
    fresh = _app(web_engine).test_client()
    by_token = fresh.post("/api/v1/incidents", json=body, headers={"Authorization": f"Bearer {token}"})
    assert by_token.status_code == 422 and "csrf_token" not in by_token.json["errors"]


def test_bearer_token_works_on_pages_and_roles_are_enforced(web_engine: Engine,
                                                            web_client) -> None:  # type: ignore[no-untyped-def]
    _, editor = create_token(web_engine, "editor1", "pages", actor="test")
    _, viewer = create_token(web_engine, "viewer1", "pages", actor="test")
    page = web_client.get("/insiden/baru", headers={"Authorization": f"Bearer {editor}"})
    assert page.status_code == 200 and 'id="incident-map"' in page.get_data(as_text=True)
    forbidden = web_client.get("/insiden/baru", headers={"Authorization": f"Bearer {viewer}"})
    assert forbidden.status_code == 403 and "editor" in forbidden.get_data(as_text=True)
    anonymous = web_client.get("/insiden/baru")
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/login?next=/insiden/baru")
    bad = web_client.get("/", headers={"Authorization": "Bearer pksg_not-a-token"})
    assert bad.status_code == 401
    basic = web_client.get("/", headers={"Authorization": "Basic dXNlcjpwdw=="})  # a proxy's, ignored
    assert basic.status_code == 200


def test_disabling_or_demoting_a_user_ends_their_rights_at_once(web_engine: Engine) -> None:
    add_user(web_engine, "temp1", "editor", "password-temp1", actor="test")
    client = _app(web_engine).test_client()
    login(client, "temp1", "password-temp1")
    assert client.get("/insiden/baru").status_code == 200
    set_role(web_engine, "temp1", "viewer", actor="test")
    assert client.get("/insiden/baru").status_code == 302  # a role change ends the session
    login(client, "temp1", "password-temp1")
    assert client.get("/insiden/baru").status_code == 403  # and the new one has the new role
    set_active(web_engine, "temp1", False, actor="test")
    assert client.get("/insiden/baru").status_code == 302  # session no longer valid: log in again
    assert login(client, "temp1", "password-temp1").status_code == 401


def test_login_redirects_only_to_local_paths(web_client) -> None:  # type: ignore[no-untyped-def]
    response = login(web_client, "viewer1", "password-viewer1", next="//evil.example/x")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    response = login(web_client, "viewer1", "password-viewer1", next="https://evil.example/")
    assert response.headers["Location"] == "/"


def test_anonymous_viewer_sees_the_map_but_no_incident_details(web_client) -> None:  # type: ignore[no-untyped-def]
    assert web_client.get("/").status_code == 200
    assert web_client.get("/api/v1/areas?level=kecamatan").status_code == 200
    refused = web_client.get("/api/v1/incidents")
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_anonymous_role_none_requires_login_except_health_login_and_assets(web_engine: Engine) -> None:
    client = _app(web_engine, ANONYMOUS_ROLE="none").test_client()
    page = client.get("/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert client.get("/api/v1/areas?level=kecamatan").status_code == 401
    assert client.get("/healthz").status_code == 200
    assert client.get("/login").status_code == 200
    assert client.get("/static/css/forms.css").status_code == 200
    login(client, "viewer1", "password-viewer1")
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/areas?level=kecamatan").status_code == 200


def test_anonymous_role_setting_is_validated() -> None:
    assert Settings.from_env({}).anonymous_role == "viewer"
    assert Settings.from_env({"PKS_GEO_ANONYMOUS_ROLE": "none"}).anonymous_role is None
    with pytest.raises(ConfigError, match="PKS_GEO_ANONYMOUS_ROLE"):
        Settings.from_env({"PKS_GEO_ANONYMOUS_ROLE": "admin"})


def test_token_use_is_noted_without_storing_the_token(web_engine: Engine, web_client) -> None:  # type: ignore[no-untyped-def]
    info, token = create_token(web_engine, "analyst1", "noted", actor="test")
    web_client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    with web_engine.connect() as conn:
        used = conn.execute(text("SELECT last_used_at FROM api_token WHERE id = :id"),
                            {"id": info.id}).scalar()
        leaked = conn.execute(text("SELECT count(*) FROM api_token t WHERE strpos(t::text, :t) > 0"),
                              {"t": token}).scalar()
    assert used is not None and leaked == 0
