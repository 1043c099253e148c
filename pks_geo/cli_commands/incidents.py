"""``pks-geo incidents import``: ACLED exports, district-team sheets and GeoJSON points."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from sqlalchemy import Engine

from pks_geo import audit, schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings, print_report
from pks_geo.ingest.incident_load import FORMATS, RefusedImport, import_incidents
from pks_geo.ingest.report import ImportReport


def import_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """The options every import shares (incidents and TPS)."""
    for option in reversed((
        click.option("--source", help="Name of the data source; with the id it identifies a record "
                                      "across re-imports."),
        click.option("--dry-run", is_flag=True, help="Validate and locate, report, change nothing."),
        click.option("--report", "report_path", type=click.Path(path_type=Path, dir_okay=False),
                     help="Write every rejected row (line, field, reason) and warning as JSON."),
        click.option("--keep-outside", is_flag=True,
                     help="Keep points outside every loaded boundary (unlocated) instead of "
                          "rejecting them."),
        click.option("--all-or-nothing", is_flag=True,
                     help="Refuse the whole file when any row is bad."),
    )):
        func = option(func)
    return func


def run_import(report_path: Path | None, action: Callable[[], ImportReport], *, engine: Engine,
               entity: str, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Run an import, print its summary, audit it with its counts (not a dry run); exit 1 when
    the file was refused."""
    def log(action_name: str, report: ImportReport) -> None:
        if not report.dry_run:
            audit.record_command(engine, actor=cli_actor(), action=action_name, entity=entity,
                                 entity_id=path.name, after={"file": str(path), **(extra or {}),
                                                             **audit.report_counts(report)})

    try:
        report = action()
    except RefusedImport as exc:
        print_report(exc.report, report_path)
        log("import_refused", exc.report)
        raise click.ClickException(str(exc)) from exc
    print_report(report, report_path)
    log("import", report)


@click.group()
def incidents() -> None:
    """Incident records: import and locate in desa/kecamatan."""


@incidents.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="auto", show_default=True,
              help="acled: ACLED export; sheet: district-team CSV/XLSX; geojson: points.")
@import_options
@friendly_errors
def import_(path: Path, fmt: str, source: str | None, dry_run: bool, report_path: Path | None,
            keep_outside: bool, all_or_nothing: bool) -> None:
    """Import incidents from PATH: validate, locate, store good rows in one transaction."""
    engine = connect(load_settings())
    schema.upgrade(engine)
    run_import(report_path, lambda: import_incidents(
        engine, path, fmt=fmt, source=source, dry_run=dry_run, keep_outside=keep_outside,
        all_or_nothing=all_or_nothing), engine=engine, entity="incident_import", path=path,
        extra={"format": fmt})


@incidents.command("template")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("templat-insiden.xlsx"), show_default=True,
              help="Where to write the XLSX template.")
@friendly_errors
def template(output: Path) -> None:
    """Write the district team's incident sheet template (XLSX, with an explanation sheet)."""
    from pks_geo.ingest.sheet_template import write_incident_template

    write_incident_template(output)
    click.echo(f"wrote {output}")
