"""``pks-geo elections load|list``: the elections calendar (data/elections.toml)."""

from __future__ import annotations

from pathlib import Path

import click

from pks_geo import audit, schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings, print_report
from pks_geo.ingest.elections import ELECTIONS_PATH, calendar_from_db, read_elections_file, upsert_elections


@click.group()
def elections() -> None:
    """Elections and their stage windows (pendaftaran, kampanye, masa tenang, ...)."""


@elections.command("load")
@click.argument("path", required=False, type=click.Path(path_type=Path, dir_okay=False))
@friendly_errors
def load(path: Path | None) -> None:
    """Upsert the elections calendar from PATH (default: data/elections.toml)."""
    path = path or ELECTIONS_PATH
    items = read_elections_file(path)
    engine = connect(load_settings())
    schema.upgrade(engine)
    with engine.begin() as conn:
        report = upsert_elections(conn, items, str(path))
        audit.record(conn, actor=cli_actor(), action="import", entity="election_import", entity_id=path.name,
                     after={"file": str(path), **audit.report_counts(report)})
    print_report(report)


@elections.command("list")
@friendly_errors
def list_() -> None:
    """Show the stored elections with voting day and stage windows."""
    engine = connect(load_settings())
    with engine.connect() as conn:
        calendar = calendar_from_db(conn)
    if not calendar.elections:
        click.echo("no elections loaded; run 'pks-geo elections load'")
    for e in sorted(calendar.elections, key=lambda e: e.voting_day):
        click.echo(f"{e.code}\t{e.voting_day}\t{e.name}")
        for stage, (start, end) in sorted(e.stages.items(), key=lambda item: item[1]):
            click.echo(f"    {stage:<17} {start} .. {end}")
