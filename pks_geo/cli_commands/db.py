"""``pks-geo db up|down|upgrade|status``: the project-managed PostGIS and the schema."""

from __future__ import annotations

import click

from pks_geo import schema
from pks_geo.cli_commands.common import connect, friendly_errors, load_settings
from pks_geo.localpg import LocalCluster


@click.group()
def db() -> None:
    """Local PostGIS cluster and schema migrations."""


@db.command()
@friendly_errors
def up() -> None:
    """Start (initialising on first use) the local PostGIS; prints the database URL last."""
    settings = load_settings()
    cluster = LocalCluster.from_settings(settings)
    url = cluster.up()
    click.echo(f"local PostGIS running on 127.0.0.1:{cluster.port} (data: {cluster.pgdata})",
               err=True)
    click.echo(url)


@db.command()
@friendly_errors
def down() -> None:
    """Stop the local PostGIS (data are kept)."""
    cluster = LocalCluster.from_settings(load_settings())
    click.echo("stopped" if cluster.down() else "not running")


@db.command()
@friendly_errors
def upgrade() -> None:
    """Apply Alembic migrations (creates the PostGIS extension and tables)."""
    engine = connect(load_settings())
    revision = schema.upgrade(engine)
    click.echo(f"schema at revision {revision}")


@db.command()
@friendly_errors
def status() -> None:
    """Show which database is used, its PostGIS version and schema revision."""
    settings = load_settings()
    engine = connect(settings, start_local=False)
    from pks_geo.db import check_connection

    click.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
    click.echo(f"postgis: {check_connection(engine) or 'not installed'}")
    click.echo(f"schema revision: {schema.current_revision(engine) or 'none'}")
