"""User administration for admins in the browser: list users, add one, change a role,
disable or re-enable an account, make a new password.

``/admin/pengguna`` (GET: the list and the add form; POST: add) and, per user,
``/admin/pengguna/<name>/peran``, ``/status`` and ``/sandi`` (POST). Everything goes through
:mod:`pks_geo.auth.users`, so the web page, ``pks-geo users …`` and the audit trail follow the
same rules; the actor is recorded as ``web:<admin>``. A generated password is shown once on
the answering page and never stored in clear. An admin cannot disable or demote their own
account, so the last admin cannot lock everyone out by a slip of the mouse.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, request, url_for

from pks_geo.auth.passwords import MIN_LENGTH, generate_password
from pks_geo.auth.roles import AuthError
from pks_geo.auth.users import (
    USERNAME_RE,
    UserInfo,
    add_user,
    get_user,
    list_users,
    set_active,
    set_password,
    set_role,
)
from pks_geo.models import ROLES
from pks_geo.web.auth import current_user, page_texts, render_page, require_role
from pks_geo.web.context import engine

bp = Blueprint("users_admin", __name__)


def _actor() -> str:
    user = current_user()
    return f"web:{user.username if user else 'unknown'}"


def _is_me(username: str) -> bool:
    user = current_user()
    return user is not None and user.username.lower() == username.lower()


def _render(status: int = 200, *, errors: dict[str, str] | None = None, form: dict[str, str] | None = None,
            revealed: tuple[str, str] | None = None, message: str | None = None):  # type: ignore[no-untyped-def]
    return render_page("users.html", status, users=list_users(engine()), roles=ROLES, errors=errors or {},
                       form=form or {"username": "", "role": "viewer"}, revealed=revealed,
                       problem=message, me=current_user())


def _add_errors(username: str, role: str, password: str, texts: dict[str, str]) -> dict[str, str]:
    errors = {}
    if not username:
        errors["username"] = texts["form_required"]
    elif not USERNAME_RE.match(username):
        errors["username"] = texts["users_bad_name"]
    elif get_user(engine(), username) is not None:
        errors["username"] = texts["users_exists"]
    if role not in ROLES:
        errors["role"] = texts["users_bad_role"]
    if password and len(password) < MIN_LENGTH:
        errors["password"] = texts["users_short_password"].format(n=MIN_LENGTH)
    return errors


@bp.get("/admin/pengguna")
@require_role("admin")
def users_page():  # type: ignore[no-untyped-def]
    return _render()


@bp.post("/admin/pengguna")
@require_role("admin")
def add():  # type: ignore[no-untyped-def]
    _, texts = page_texts()
    username = request.form.get("username", "").strip()
    role = request.form.get("role", "")
    password = request.form.get("password", "")
    errors = _add_errors(username, role, password, texts)
    if errors:
        return _render(400, errors=errors, form={"username": username, "role": role})
    try:
        user, generated = add_user(engine(), username, role, password or None, actor=_actor())
    except AuthError:  # added by someone else meanwhile
        return _render(400, errors={"username": texts["users_exists"]},
                       form={"username": username, "role": role})
    flash(texts["users_added"].format(name=user.username, role=texts[f"role_{user.role}"]), "ok")
    if generated:
        return _render(201, revealed=(user.username, generated))
    return redirect(url_for("users_admin.users_page"), 303)


def _user_action(rule: str) -> Callable[[Callable[..., Any]], Any]:
    """Route ``/admin/pengguna/<username>/<rule>`` (POST, admin only) to ``view(user, texts)``;
    an unknown user is answered with 404 before the view runs."""

    def decorator(view: Callable[..., Any]) -> Any:
        @functools.wraps(view)
        def wrapped(username: str):  # type: ignore[no-untyped-def]
            _, texts = page_texts()
            user = get_user(engine(), username)
            if user is None:
                return _render(404, message=texts["users_unknown"])
            return view(user, texts)

        return bp.post(f"/admin/pengguna/<username>/{rule}")(require_role("admin")(wrapped))

    return decorator


@_user_action("peran")
def change_role(user: UserInfo, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    role = request.form.get("role", "")
    if role not in ROLES:
        return _render(400, message=texts["users_bad_role"])
    if _is_me(user.username) and role != "admin":
        return _render(400, message=texts["users_not_yourself"])
    user = set_role(engine(), user.username, role, actor=_actor())
    flash(texts["users_role_set"].format(name=user.username, role=texts[f"role_{user.role}"]), "ok")
    return redirect(url_for("users_admin.users_page"), 303)


@_user_action("status")
def change_status(user: UserInfo, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    active = request.form.get("active") == "1"
    if _is_me(user.username) and not active:
        return _render(400, message=texts["users_not_yourself"])
    user = set_active(engine(), user.username, active, actor=_actor())
    flash(texts["users_enabled" if active else "users_disabled"].format(name=user.username), "ok")
    return redirect(url_for("users_admin.users_page"), 303)


@_user_action("sandi")
def new_password(user: UserInfo, texts: dict[str, str]):  # type: ignore[no-untyped-def]
    password = generate_password()
    set_password(engine(), user.username, password, actor=_actor())
    return _render(revealed=(user.username, password))
