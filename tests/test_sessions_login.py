"""Sessions and log-in (issue 13): cookie flags and lifetime, sessions ended at once by log-out,
password change, disable and role change (on every serve process), throttling per user and per
address across processes, and the audit rows of log-ins and log-outs."""

from __future__ import annotations

import re
import time
from email.utils import parsedate_to_datetime

import pytest
import requests
from sqlalchemy import Engine, text

from pks_geo.auth.users import set_active, set_password, set_role
from pks_geo.config import Settings
from pks_geo.web import create_app
from tests.live_server import live_server
from tests.web_support import app_for, database_with_users, logged_in, page_csrf_token

SECRET = "rahasia-sesi-" + "y" * 32


@pytest.fixture(scope="module")
def users_db(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    return database_with_users(database_factory, ("analis", "analyst"), ("ketua", "admin"),
                               ("lain", "viewer"))


def _session_cookie(response) -> str:  # type: ignore[no-untyped-def]
    cookies = [v for v in response.headers.getlist("Set-Cookie") if v.startswith("session=")]
    assert len(cookies) == 1, response.headers
    return cookies[0]


def _expires_in_hours(cookie: str) -> float:
    expires = re.search(r"Expires=([^;]+)", cookie).group(1)  # type: ignore[union-attr]
    return (parsedate_to_datetime(expires).timestamp() - time.time()) / 3600


def _login_response(app, username: str, password: str, base_url: str = "http://localhost"):  # type: ignore[no-untyped-def]
    client = app.test_client()
    page = client.get("/login", base_url=base_url).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    return client.post("/login", base_url=base_url, headers={"Referer": base_url + "/login"},
                       data={"username": username, "password": password, "csrf_token": token})


def test_session_cookie_is_lax_httponly_8h_and_secure_on_https(users_db: Engine) -> None:
    app = app_for(users_db)
    cookie = _session_cookie(_login_response(app, "analis", "password-analis"))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert 7.9 < _expires_in_hours(cookie) <= 8.0  # not Flask's 31 days
    secure = _session_cookie(_login_response(app, "analis", "password-analis", "https://localhost"))
    assert "; Secure" in secure  # served over HTTPS (or through a trusted proxy saying so)


@pytest.mark.parametrize(("env", "hours", "secure"), [
    ({"PKS_GEO_SESSION_HOURS": "2"}, 2, False),
    ({"PKS_GEO_SESSION_SECURE": "true"}, 8, True),
    ({"PKS_GEO_ENV": "production", "PKS_GEO_SECRET_KEY": SECRET}, 8, True),
    ({"PKS_GEO_ENV": "production", "PKS_GEO_SECRET_KEY": SECRET, "PKS_GEO_SESSION_SECURE": "false"},
     8, False),
])
def test_session_settings_from_the_environment(users_db: Engine, env, hours, secure) -> None:  # type: ignore[no-untyped-def]
    settings = Settings.from_env({"PKS_GEO_DATABASE_URL": users_db.url.render_as_string(hide_password=False),
                                  **env})
    app = create_app(settings)
    app.config["TESTING"] = True
    cookie = _session_cookie(_login_response(app, "analis", "password-analis"))
    assert hours - 0.1 < _expires_in_hours(cookie) <= hours
    assert ("; Secure" in cookie) is secure and "SameSite=Lax" in cookie


def _browser_login(base: str, username: str, password: str) -> tuple[requests.Session, requests.Response]:
    browser = requests.Session()
    page = browser.get(f"{base}/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    response = browser.post(f"{base}/login", timeout=30, allow_redirects=False,
                            data={"username": username, "password": password, "csrf_token": csrf})
    return browser, response


def _saved(browser: requests.Session) -> requests.Session:
    """Another client holding a copy of the browser's cookie (a saved or stolen cookie)."""
    copy = requests.Session()
    copy.cookies.update(browser.cookies)
    return copy


def test_logout_password_disable_and_role_change_end_every_session(users_db: Engine) -> None:
    url = users_db.url.render_as_string(hide_password=False)
    with live_server(url, secret_key=SECRET) as first, live_server(url, secret_key=SECRET) as second:
        incidents = "/api/v1/incidents"
        browser, response = _browser_login(first, "analis", "password-analis")
        assert response.status_code == 302
        saved = _saved(browser)
        other_device, _ = _browser_login(second, "analis", "password-analis")
        assert saved.get(second + incidents, timeout=30).status_code == 200

        page = browser.get(f"{first}/", timeout=30).text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
        out = browser.post(f"{first}/logout", data={"csrf_token": csrf}, timeout=30, allow_redirects=False)
        assert out.status_code == 302
        for session_ in (saved, other_device):  # on both processes, the saved copy and the other device
            for base in (first, second):
                assert session_.get(base + incidents, timeout=30).status_code == 401

        changes = [lambda: set_password(users_db, "analis", "password-analis", actor="ketua"),
                   lambda: set_role(users_db, "analis", "editor", actor="ketua"),
                   lambda: set_active(users_db, "analis", False, actor="ketua")]
        for change in changes:
            browser, response = _browser_login(second, "analis", "password-analis")
            assert response.status_code == 302
            saved = _saved(browser)
            assert saved.get(first + incidents, timeout=30).status_code == 200
            change()
            assert saved.get(first + incidents, timeout=30).status_code == 401
            assert browser.get(second + incidents, timeout=30).status_code == 401
        set_active(users_db, "analis", True, actor="ketua")


def _audit(engine: Engine, username: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(text("SELECT action FROM audit_event WHERE entity = 'session' "
                                      "AND lower(entity_id) = :u ORDER BY id"), {"u": username}).scalars())


def test_throttling_per_user_holds_across_processes(database_factory) -> None:  # type: ignore[no-untyped-def]
    engine = database_with_users(database_factory, ("budi", "analyst"), ("sari", "analyst"))
    url = engine.url.render_as_string(hide_password=False)
    with live_server(url, secret_key=SECRET, login_max_failures="3") as first, \
            live_server(url, secret_key=SECRET, login_max_failures="3") as second:
        for base in (first, second, first):
            assert _browser_login(base, "budi", "salah")[1].status_code == 401
        for base in (second, first):  # the right password no longer works, on either process
            browser, refused = _browser_login(base, "BUDI", "password-budi")
            assert refused.status_code == 429 and 800 < int(refused.headers["Retry-After"]) <= 900
            assert "Terlalu banyak percobaan masuk yang gagal" in refused.text and "15 menit" in refused.text
            assert browser.get(f"{base}/api/v1/incidents", timeout=30).status_code == 401
        assert _browser_login(first, "sari", "password-sari")[1].status_code == 302  # others log in
    assert _audit(engine, "budi") == ["login_failed"] * 3 + ["login_refused"] * 2
    assert _audit(engine, "sari") == ["login"]


def test_throttling_per_address_and_the_english_message(users_db: Engine) -> None:
    app = app_for(users_db, LOGIN_MAX_FAILURES_ADDRESS=4)
    attacker = {"REMOTE_ADDR": "203.0.113.9"}
    client = app.test_client()
    for n in range(4):  # four different names, one address
        token = page_csrf_token(client, "/login")
        response = client.post("/login", environ_base=attacker,
                               data={"username": f"tebak{n}", "password": "x", "csrf_token": token})
        assert response.status_code == 401
    token = page_csrf_token(client, "/login?lang=en")
    refused = client.post("/login?lang=en", environ_base=attacker,
                          data={"username": "lain", "password": "password-lain", "csrf_token": token})
    assert refused.status_code == 429
    assert "Too many failed log-in attempts" in refused.get_data(as_text=True)
    assert logged_in(app, "lain", "password-lain")  # another address is not affected
    with users_db.connect() as conn:
        failed = conn.execute(text("SELECT after->>'address' FROM audit_event WHERE action = 'login_failed' "
                                   "AND entity_id LIKE 'tebak%'")).scalars().all()
    assert failed == ["203.0.113.9"] * 4


def test_login_and_logout_are_audited(users_db: Engine) -> None:
    app = app_for(users_db)
    before = _audit(users_db, "ketua")
    client = logged_in(app, "ketua", "password-ketua")
    token = page_csrf_token(client, "/")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert _audit(users_db, "ketua")[len(before):] == ["login", "logout"]
