"""Passwords, roles, and the ``pks-geo users`` / ``pks-geo tokens`` commands on a real PostGIS.

Runs on a database of its own (boundaries only), so user and audit rows made here never
meet the shared session database of other tests.
"""

from __future__ import annotations

import hashlib

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo import audit, schema
from pks_geo.auth import AuthError, role_at_least
from pks_geo.auth.passwords import generate_password, hash_password, verify_password
from pks_geo.auth.users import add_user, authenticate
from pks_geo.cli import main
from pks_geo.db import get_engine
from pks_geo.web import create_app


@pytest.fixture(scope="module")
def users_engine(database_factory) -> Engine:  # type: ignore[no-untyped-def]
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    return engine


@pytest.fixture(scope="module")
def url(users_engine: Engine) -> str:
    return users_engine.url.render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def users_client(url: str):  # type: ignore[no-untyped-def]
    return create_app({"DATABASE_URL": url, "TESTING": True}).test_client()


def cli(url: str, *args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})


def test_password_hash_is_salted_scrypt_and_verifies() -> None:
    first, second = hash_password("rahasia-sekali"), hash_password("rahasia-sekali")
    assert first.startswith("scrypt:") and "rahasia-sekali" not in first
    assert first != second  # salted
    assert verify_password(first, "rahasia-sekali")
    assert not verify_password(first, "rahasia-sekalI")
    assert not verify_password(first, "")
    with pytest.raises(AuthError, match="at least 8"):
        hash_password("short")
    assert len(generate_password()) >= 16 and generate_password() != generate_password()


def test_roles_are_cumulative() -> None:
    assert role_at_least("admin", "editor") and role_at_least("editor", "editor")
    assert role_at_least("analyst", "viewer") and not role_at_least("analyst", "editor")
    assert not role_at_least(None, "viewer")
    with pytest.raises(AuthError, match="unknown role"):
        role_at_least("viewer", "superuser")


def test_users_add_without_password_prints_a_working_one(users_engine: Engine, url: str) -> None:
    result = cli(url, "users", "add", "budi", "--role", "analyst")
    assert result.exit_code == 0, result.output
    password = result.stdout.strip().splitlines()[-1]
    assert len(password) >= 16
    principal = authenticate(users_engine, "budi", password)
    assert principal is not None and principal.role == "analyst" and principal.username == "budi"
    assert authenticate(users_engine, "budi", password + "x") is None
    assert authenticate(users_engine, "nobody", password) is None
    with users_engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM app_user WHERE username = 'budi'")).scalar()
    assert stored.startswith("scrypt:") and password not in stored


def test_users_add_refusals_change_nothing(users_engine: Engine, url: str) -> None:
    cli(url, "users", "add", "sari", "--role", "viewer", "--password", "password-sari")
    with users_engine.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM app_user")).scalar()
    duplicate = cli(url, "users", "add", "SARI", "--role", "admin", "--password", "password-x1")
    assert duplicate.exit_code == 1 and "already exists" in duplicate.output
    bad_role = cli(url, "users", "add", "tono", "--role", "boss", "--password", "password-x1")
    assert bad_role.exit_code == 2 and "boss" in bad_role.output
    bad_name = cli(url, "users", "add", "a b", "--role", "viewer", "--password", "password-x1")
    assert bad_name.exit_code == 1 and "invalid user name" in bad_name.output
    short = cli(url, "users", "add", "tono", "--role", "viewer", "--password", "123")
    assert short.exit_code == 1 and "at least 8" in short.output
    with users_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM app_user")).scalar() == before
    assert authenticate(users_engine, "sari", "password-sari").role == "viewer"


def test_tokens_create_prints_a_token_that_works_as_bearer(users_engine: Engine, url: str,
                                                             users_client) -> None:  # type: ignore[no-untyped-def]
    assert cli(url, "users", "add", "ani", "--role", "analyst", "--password", "password-ani").exit_code == 0
    result = cli(url, "tokens", "create", "ani", "--label", "skrip")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("pksg_") and len(token) > 40
    with users_engine.connect() as conn:
        hashes = list(conn.execute(text("SELECT token_hash FROM api_token t JOIN app_user u "
                                        "ON u.id = t.user_id WHERE u.username = 'ani'")).scalars())
    assert hashes == [hashlib.sha256(token.encode()).hexdigest()]  # only the SHA-256 is stored

    ok = users_client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    assert ok.status_code == 200 and ok.json["type"] == "FeatureCollection"
    anonymous = users_client.get("/api/v1/incidents")
    assert anonymous.status_code == 401
    wrong = users_client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}x"})
    assert wrong.status_code == 401 and "invalid_token" in wrong.headers["WWW-Authenticate"]

    listed = cli(url, "tokens", "list", "ani")
    assert "skrip" in listed.output and "active" in listed.output and token not in listed.output
    revoked = cli(url, "tokens", "revoke", "ani", "--label", "skrip")
    assert revoked.exit_code == 0, revoked.output
    after = users_client.get("/api/v1/incidents", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401
    again = cli(url, "tokens", "revoke", "ani", "--all")
    assert again.exit_code == 1 and "no active token" in again.output


def test_set_role_and_disable_take_effect_and_are_audited(users_engine: Engine, url: str,
                                                           users_client) -> None:  # type: ignore[no-untyped-def]
    add_user(users_engine, "dewi", "viewer", "password-dewi", actor="test")
    token = cli(url, "tokens", "create", "dewi").output.strip().splitlines()[-1]
    bearer = {"Authorization": f"Bearer {token}"}
    assert users_client.get("/api/v1/incidents", headers=bearer).status_code == 403  # viewer

    assert cli(url, "users", "set-role", "dewi", "analyst").exit_code == 0
    assert users_client.get("/api/v1/incidents", headers=bearer).status_code == 200

    assert cli(url, "users", "disable", "dewi").exit_code == 0
    assert users_client.get("/api/v1/incidents", headers=bearer).status_code == 401
    assert authenticate(users_engine, "dewi", "password-dewi") is None
    listing = cli(url, "users", "list").output
    assert any(line.split()[:3] == ["dewi", "analyst", "disabled"] for line in listing.splitlines())

    assert cli(url, "users", "enable", "dewi").exit_code == 0
    assert users_client.get("/api/v1/incidents", headers=bearer).status_code == 200

    events = audit.events(users_engine, "user", "dewi")
    assert [e["action"] for e in events] == ["create", "set_role", "disable", "enable"]
    set_role = events[1]
    assert set_role["before"]["role"] == "viewer" and set_role["after"]["role"] == "analyst"
    assert set_role["actor"].startswith("cli")
    assert all("password" not in str(e["after"]) for e in events)


def test_commands_on_unknown_users_fail_clearly(url: str) -> None:
    for args in (("users", "set-role", "hantu", "editor"), ("users", "disable", "hantu"),
                 ("tokens", "create", "hantu")):
        result = cli(url, *args)
        assert result.exit_code == 1 and "no user named 'hantu'" in result.output, args
    assert cli(url, "tokens", "revoke", "hantu").exit_code == 2  # says which tokens to revoke
