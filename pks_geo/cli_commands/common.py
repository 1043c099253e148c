"""Helpers shared by every sub-command: settings, database connection, error and report output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from pks_geo.config import ConfigError, Settings
from pks_geo.db import DatabaseUnavailable, check_connection, get_engine, resolve_database_url
from pks_geo.ingest.report import ImportFailed, ImportReport
from pks_geo.localpg import LocalPostgresError

EXPECTED_ERRORS = (ConfigError, ImportFailed, LocalPostgresError, DatabaseUnavailable)


def friendly_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn expected failures into a one-message exit 1 instead of a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EXPECTED_ERRORS as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def load_settings() -> Settings:
    try:
        return Settings.from_env()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def connect(settings: Settings, start_local: bool = True) -> Engine:
    """Engine for the configured database, verified reachable (clear error otherwise)."""
    engine = get_engine(resolve_database_url(settings, start_local=start_local))
    check_connection(engine)
    return engine


def print_report(report: ImportReport, report_path: Path | None = None, limit: int = 20) -> None:
    for issue in report.warnings[:limit]:
        click.echo(f"warning: {issue}", err=True)
    if len(report.warnings) > limit:
        click.echo(f"... and {len(report.warnings) - limit} more warnings", err=True)
    for issue in report.rejected[:limit]:
        click.echo(f"rejected: {issue}", err=True)
    if len(report.rejected) > limit:
        click.echo(f"... and {len(report.rejected) - limit} more rejected rows", err=True)
    if report_path is not None:
        report.write_json(report_path)
        click.echo(f"report written to {report_path}")
    click.echo(report.summary())


def migrated_engine() -> Engine:
    """The configured database, reachable and at the latest schema revision."""
    from pks_geo import schema

    engine = connect(load_settings())
    schema.upgrade(engine)
    return engine


def cli_actor() -> str:
    """Who the audit trail names for changes made from the command line."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"
