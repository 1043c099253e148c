"""User administration in the browser (/admin/pengguna): admins only, CSRF on every form,
the rules of ``pks-geo users``, audited as ``web:<admin>``, no self-lock-out; and a real
Chromium adding a user, reading the generated password once, and logging in with it."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from pks_geo import audit
from pks_geo.auth.users import add_user, authenticate, get_user
from pks_geo.formats import format_date
from tests.web_support import app_for, database_with_users, logged_in, page_csrf_token

REVEALED = re.compile(r'<code id="revealed-password">([^<]+)</code>')


@pytest.fixture(scope="module")
def admin_engine(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    return database_with_users(database_factory, ("kepala", "admin"), ("analis1", "analyst"))


@pytest.fixture(scope="module")
def admin_app(admin_engine: Engine):  # type: ignore[no-untyped-def]
    return app_for(admin_engine)


def _csrf(client, path: str = "/admin/pengguna") -> str:  # type: ignore[no-untyped-def]
    return page_csrf_token(client, path)


@pytest.fixture
def admin(admin_app):  # type: ignore[no-untyped-def]
    return logged_in(admin_app, "kepala", "password-kepala")


def test_only_admins_reach_the_page(admin_app, admin, admin_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    assert admin_app.test_client().get("/admin/pengguna").status_code in (302, 403)
    analyst = logged_in(admin_app, "analis1", "password-analis1")
    assert analyst.get("/admin/pengguna").status_code == 403
    assert analyst.post("/admin/pengguna", data={"username": "x1", "role": "admin",
                                                 "csrf_token": _csrf(analyst, "/")}).status_code == 403
    page = admin.get("/admin/pengguna")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Pengguna dan peran" in text and 'data-username="analis1"' in text
    english = admin.get("/admin/pengguna?lang=en").get_data(as_text=True)
    assert "Users and roles" in english
    created = get_user(admin_engine, "analis1").created_at  # "Dibuat": Babel's day in the page's language
    assert f"<td>{format_date(created, 'id')}</td>" in text
    assert f"<td>{format_date(created, 'en')}</td>" in english


def test_add_with_generated_password_shows_it_once_and_it_works(admin, admin_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    response = admin.post("/admin/pengguna", data={"username": "camat.andoolo", "role": "viewer",
                                                   "password": "", "csrf_token": _csrf(admin)})
    assert response.status_code == 201
    password = REVEALED.search(response.get_data(as_text=True)).group(1)
    principal = authenticate(admin_engine, "camat.andoolo", password)
    assert principal is not None and principal.role == "viewer"
    assert password not in admin.get("/admin/pengguna").get_data(as_text=True)  # shown once
    event = audit.events(admin_engine, "user", "camat.andoolo")[-1]
    assert event["actor"] == "web:kepala" and event["action"] == "create"


def test_bad_input_is_refused_per_field_and_changes_nothing(admin, admin_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    cases = (({"username": "", "role": "viewer"}, "username", "Wajib diisi"),
             ({"username": "-bad name", "role": "viewer"}, "username", "2–100 huruf"),
             ({"username": "Analis1", "role": "viewer"}, "username", "sudah ada"),
             ({"username": "baru1", "role": "superuser"}, "role", "Peran tidak dikenal"),
             ({"username": "baru1", "role": "viewer", "password": "short"}, "password", "minimal 8"))
    for data, field, words in cases:
        response = admin.post("/admin/pengguna", data={"password": "", **data, "csrf_token": _csrf(admin)})
        text = response.get_data(as_text=True)
        assert response.status_code == 400 and words in text, (data, text[:300])
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', text) or field == "role"
    assert get_user(admin_engine, "baru1") is None and get_user(admin_engine, "-bad name") is None
    without_token = admin.post("/admin/pengguna", data={"username": "baru2", "role": "viewer"})
    assert without_token.status_code == 400 and get_user(admin_engine, "baru2") is None


def test_role_status_and_password_changes_are_applied_and_audited(admin_app, admin,  # type: ignore[no-untyped-def]
                                                                   admin_engine: Engine) -> None:
    add_user(admin_engine, "polsek1", "viewer", "password-polsek1", actor="test")
    response = admin.post("/admin/pengguna/polsek1/peran",
                          data={"role": "analyst", "csrf_token": _csrf(admin)})
    assert response.status_code == 303 and get_user(admin_engine, "polsek1").role == "analyst"
    assert "polsek1 sekarang analis" in admin.get("/admin/pengguna").get_data(as_text=True)
    session = logged_in(admin_app, "polsek1", "password-polsek1")
    admin.post("/admin/pengguna/polsek1/status", data={"active": "0", "csrf_token": _csrf(admin)})
    assert get_user(admin_engine, "polsek1").active is False
    assert session.get("/api/v1/incidents").status_code == 401  # the open session ends at once
    admin.post("/admin/pengguna/polsek1/status", data={"active": "1", "csrf_token": _csrf(admin)})
    reset = admin.post("/admin/pengguna/polsek1/sandi", data={"csrf_token": _csrf(admin)})
    password = REVEALED.search(reset.get_data(as_text=True)).group(1)
    assert authenticate(admin_engine, "polsek1", "password-polsek1") is None
    assert authenticate(admin_engine, "polsek1", password) is not None
    actions = [e["action"] for e in audit.events(admin_engine, "user", "polsek1")]
    assert actions[-4:] == ["set_role", "disable", "enable", "set_password"]
    assert admin.post("/admin/pengguna/nobody/peran", data={"role": "viewer",
                                                            "csrf_token": _csrf(admin)}).status_code == 404


def test_an_admin_cannot_lock_themselves_out(admin, admin_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    demote = admin.post("/admin/pengguna/kepala/peran", data={"role": "viewer", "csrf_token": _csrf(admin)})
    disable = admin.post("/admin/pengguna/kepala/status", data={"active": "0", "csrf_token": _csrf(admin)})
    for response in (demote, disable):
        assert response.status_code == 400 and "akun Anda sendiri" in response.get_data(as_text=True)
    user = get_user(admin_engine, "kepala")
    assert user.role == "admin" and user.active


@pytest.fixture(scope="module")
def admin_server(admin_app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    from pks_geo.web.background import serve_in_background

    with serve_in_background(admin_app) as url:
        yield url


def test_browser_adds_a_user_who_then_logs_in(page, admin_server: str, admin_engine: Engine) -> None:  # type: ignore[no-untyped-def]
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{admin_server}/login")
    page.fill("#username", "kepala")
    page.fill("#password", "password-kepala")
    page.click("button[type=submit]")
    page.wait_for_url(f"{admin_server}/")
    page.click("#nav-users")
    page.wait_for_url(f"{admin_server}/admin/pengguna")
    page.fill("#new-username", "koramil.konda")
    page.select_option("#new-role", "editor")
    page.click("#add-user")
    page.wait_for_selector("#revealed-password")
    password = page.inner_text("#revealed-password").strip()
    assert page.locator('tr[data-username="koramil.konda"] .pks-status').inner_text() == "aktif"
    page.click("#logout")
    page.wait_for_url(re.compile(r".*/login.*"))
    page.fill("#username", "koramil.konda")
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{admin_server}/")
    assert page.locator("#nav-users").count() == 0  # an editor sees no user administration
    assert get_user(admin_engine, "koramil.konda").role == "editor"
    page.click("#logout")  # the map page's log-out is a POST form with its CSRF token
    page.wait_for_url(re.compile(r".*/login.*"))
    assert not errors, errors
