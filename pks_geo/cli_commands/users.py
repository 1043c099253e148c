"""``pks-geo users ...`` and ``pks-geo tokens ...``: accounts, roles and API tokens.

Changes made here are audited like those made through the web, with the actor
``cli:<system user>``, so the trail shows who at the console did what.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from pks_geo.auth import ROLES, AuthError
from pks_geo.auth import tokens as token_service
from pks_geo.auth import users as user_service
from pks_geo.auth.passwords import generate_password
from pks_geo.cli_commands.common import cli_actor, friendly_errors, migrated_engine


def _auth_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Refusals (unknown user, bad role, short password ...) become one message and exit 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AuthError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper




@click.group()
def users() -> None:
    """User accounts and roles (viewer < analyst < editor < admin)."""


@users.command("add")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES), help="Role of the new user.")
@click.option("--password", help="Password (at least 8 characters); generated and printed when omitted.")
@friendly_errors
@_auth_errors
def add(name: str, role: str, password: str | None) -> None:
    """Add a user. Without --password a random one is generated and printed as the last line."""
    user, generated = user_service.add_user(migrated_engine(), name, role, password, actor=cli_actor())
    click.echo(f"user {user.username!r} added with role {user.role}")
    if generated:
        click.echo("generated password (shown only now):", err=True)
        click.echo(generated)


@users.command("list")
@friendly_errors
def list_() -> None:
    """List users with their role and whether they are active."""
    rows = user_service.list_users(migrated_engine())
    if not rows:
        click.echo("no users yet: pks-geo users add NAME --role admin")
        return
    width = max(len(u.username) for u in rows)
    for user in rows:
        state = "active" if user.active else "disabled"
        click.echo(f"{user.username:<{width}}  {user.role:<8}  {state:<8}  "
                   f"created {user.created_at:%Y-%m-%d %H:%M}")


@users.command("set-role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@friendly_errors
@_auth_errors
def set_role(name: str, role: str) -> None:
    """Change a user's role (takes effect on the user's next request)."""
    user = user_service.set_role(migrated_engine(), name, role, actor=cli_actor())
    click.echo(f"user {user.username!r} now has role {user.role}")


@users.command("disable")
@click.argument("name")
@friendly_errors
@_auth_errors
def disable(name: str) -> None:
    """Disable a user: log-in refused, sessions and API tokens stop working at once."""
    user = user_service.set_active(migrated_engine(), name, False, actor=cli_actor())
    click.echo(f"user {user.username!r} disabled")


@users.command("enable")
@click.argument("name")
@friendly_errors
@_auth_errors
def enable(name: str) -> None:
    """Re-enable a disabled user (its unrevoked tokens work again)."""
    user = user_service.set_active(migrated_engine(), name, True, actor=cli_actor())
    click.echo(f"user {user.username!r} enabled")


@users.command("set-password")
@click.argument("name")
@click.option("--password", help="New password; generated and printed as the last line when omitted.")
@friendly_errors
@_auth_errors
def set_password(name: str, password: str | None) -> None:
    """Set a user's password."""
    new = password or generate_password()
    user = user_service.set_password(migrated_engine(), name, new, actor=cli_actor())
    click.echo(f"password of {user.username!r} changed")
    if password is None:
        click.echo(new)


@click.group()
def tokens() -> None:
    """API tokens, sent as 'Authorization: Bearer <token>' (only their SHA-256 is stored)."""


@tokens.command("create")
@click.argument("name")
@click.option("--label", default="default", show_default=True, help="What the token is for.")
@friendly_errors
@_auth_errors
def create(name: str, label: str) -> None:
    """Issue a token for user NAME; the token is printed once, as the last line."""
    info, token = token_service.create_token(migrated_engine(), name, label, actor=cli_actor())
    click.echo(f"token {info.id} ({info.label!r}) created for {info.username!r}; store it now, "
               "it cannot be shown again:", err=True)
    click.echo(token)


@tokens.command("list")
@click.argument("name", required=False)
@friendly_errors
def list_tokens(name: str | None) -> None:
    """List tokens (of user NAME, or all): id, user, label, created, last used, state."""
    for t in token_service.list_tokens(migrated_engine(), name):
        used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
        click.echo(f"{t.id:>5}  {t.username:<20}  {t.label:<20}  created {t.created_at:%Y-%m-%d}  "
                   f"last used {used}  {'revoked' if t.revoked else 'active'}")


@tokens.command("revoke")
@click.argument("name")
@click.option("--id", "token_id", type=int, help="Revoke the token with this id (see 'tokens list').")
@click.option("--label", help="Revoke the user's tokens with this label.")
@click.option("--all", "all_", is_flag=True, help="Revoke all of the user's tokens.")
@friendly_errors
@_auth_errors
def revoke(name: str, token_id: int | None, label: str | None, all_: bool) -> None:
    """Revoke tokens of user NAME: one (--id), by label (--label) or all (--all)."""
    if not (token_id or label or all_):
        raise click.UsageError("say which tokens: --id N, --label LABEL or --all")
    ids = token_service.revoke_tokens(migrated_engine(), name, token_id=token_id, label=label,
                                      actor=cli_actor())
    click.echo(f"revoked {len(ids)} token(s): {', '.join(map(str, ids))}")
