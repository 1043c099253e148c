"""``pks-geo db up|down|upgrade|status|backup|restore``: the project-managed PostGIS, the schema
and backups."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

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


@db.command("backup")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Dump file (default: pks-geo-<UTC time>.dump in the current folder); the manifest "
                   "is written beside it as <file>.json.")
@friendly_errors
def backup_command(output: Path | None) -> None:
    """Back up the database (pg_dump custom format) with a manifest: schema revision, SHA-256, row counts."""
    from pks_geo.backup import BackupError, backup, manifest_path

    engine = connect(load_settings())
    target = output or Path(f"pks-geo-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.dump")
    try:
        manifest = backup(engine, target)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(manifest.tables.values())
    click.echo(f"backup written: {target} ({manifest.size:,} bytes, {len(manifest.tables)} tables, "
               f"{rows:,} rows, schema {manifest.revision}); manifest {manifest_path(target)}")


@db.command("restore")
@click.argument("dump", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--into", "into_url", default=None,
              help="SQLAlchemy URL of an empty database to restore into (default: the configured one).")
@friendly_errors
def restore_command(dump: Path, into_url: str | None) -> None:
    """Restore DUMP into an empty database; refuses a newer schema and verifies every table's rows."""
    from pks_geo.backup import BackupError, restore
    from pks_geo.db import get_engine

    engine = get_engine(into_url) if into_url else connect(load_settings())
    try:
        manifest = restore(dump, engine)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"restored {dump}: schema {manifest.revision}, {len(manifest.tables)} tables, "
               f"{sum(manifest.tables.values()):,} rows, all counts verified")
