"""``pks-geo views list|show|delete``: saved views (named choropleths for briefings).

Views are created through the API (``POST /api/v1/views``) or the map page; the console
lists them, shows one as JSON and deletes them. A deletion is audited with the actor
``cli:<system user>`` (the console is trusted like an admin) and ends every embed token
of the view.
"""

from __future__ import annotations

import json

import click

from pks_geo.cli_commands.common import cli_actor, friendly_errors, migrated_engine
from pks_geo.maps.views import ViewNotFound, delete_view, get_view, list_views


@click.group()
def views() -> None:
    """Saved views: a metric, filters, classification and extent under a short id."""


@views.command("list")
@click.option("--created-by", help="Only the views of this user.")
@friendly_errors
def list_(created_by: str | None) -> None:
    """List saved views: id, created, creator, metric/level, title."""
    rows = list_views(migrated_engine(), created_by)
    if not rows:
        click.echo("no saved views yet (POST /api/v1/views)")
        return
    for view in rows:
        when = f"{view.created_at:%Y-%m-%d %H:%M}" if view.created_at else "-"
        kind = f"{view.metric}/{view.level}"
        click.echo(f"{view.id}  {when}  {view.created_by or '-':<12}  {kind:<20}  {view.title}")


@views.command("show")
@click.argument("view_id")
@friendly_errors
def show(view_id: str) -> None:
    """Print one view (or ``default``) as JSON."""
    try:
        view = get_view(migrated_engine(), view_id)
    except ViewNotFound:
        raise click.ClickException(f"no saved view {view_id!r}; see 'pks-geo views list'") from None
    click.echo(json.dumps(view.to_json(), indent=2, ensure_ascii=False))


@views.command("delete")
@click.argument("view_id")
@friendly_errors
def delete(view_id: str) -> None:
    """Delete a saved view (its embed tokens stop working)."""
    try:
        view = delete_view(migrated_engine(), view_id, actor=cli_actor(), is_admin=True)
    except ViewNotFound:
        raise click.ClickException(f"no saved view {view_id!r}; see 'pks-geo views list'") from None
    click.echo(f"view {view.id} ({view.title!r}) deleted")
