"""``pks-geo tps import``: polling-station (TPS) lists of one election."""

from __future__ import annotations

from pathlib import Path

import click

from pks_geo import schema
from pks_geo.cli_commands.common import connect, friendly_errors, load_settings
from pks_geo.cli_commands.incidents import import_options, run_import
from pks_geo.ingest.tps import import_tps


@click.group()
def tps() -> None:
    """Polling stations (TPS): import per election."""


@tps.command("import")
@click.argument("path", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option("--election", required=True, help="Election code, e.g. pemilu-2019 "
                                                "(see 'pks-geo elections list').")
@import_options
@friendly_errors
def import_(path: Path, election: str, source: str | None, dry_run: bool, report_path: Path | None,
            keep_outside: bool, all_or_nothing: bool) -> None:
    """Import a TPS list (CSV/XLSX: kode_tps or kode_desa + no_tps, dpt, lat, lon, ...)."""
    engine = connect(load_settings())
    schema.upgrade(engine)
    run_import(report_path, lambda: import_tps(
        engine, path, election, source=source, dry_run=dry_run, keep_outside=keep_outside,
        all_or_nothing=all_or_nothing), engine=engine, entity="tps_import", path=path,
        extra={"election": election})
