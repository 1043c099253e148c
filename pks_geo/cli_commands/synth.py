"""``pks-geo synth``: synthetic incidents and TPS for benchmarks, and their removal."""

from __future__ import annotations

import click

from pks_geo import audit, schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings
from pks_geo.ingest.synthetic import DEFAULT_SOURCE, SynthError, remove_synthetic, synthesize


@click.command("synth")
@click.option("--incidents", type=click.IntRange(min=0), default=0, show_default=True,
              help="Number of incidents to generate.")
@click.option("--tps", type=click.IntRange(min=0), default=0, show_default=True,
              help="Number of TPS (polling stations) to generate; they need desa boundaries.")
@click.option("--within", help="Only below this area code, e.g. 74.05 (default: every loaded area).")
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (same seed, same areas).")
@click.option("--source", default=DEFAULT_SOURCE, show_default=True,
              help="Source label; must start with 'synthetic'.")
@click.option("--election", help="Election of the TPS (default: the latest loaded election).")
@click.option("--remove", is_flag=True, help="Delete the incidents and TPS of --source instead.")
@friendly_errors
def synth(incidents: int, tps: int, within: str | None, seed: int, source: str, election: str | None,
          remove: bool) -> None:
    """Generate N synthetic incidents and TPS inside the loaded areas (set-based in PostGIS).

    Points are spread over the desa (else kecamatan) below --within in proportion to their
    area. The rows are labelled with --source so that 'pks-geo synth --remove' deletes
    exactly them.
    """
    if remove and (incidents or tps):
        raise click.UsageError("--remove deletes synthetic rows; do not combine it with --incidents/--tps")
    if not remove and not (incidents or tps):
        raise click.UsageError("give --incidents N and/or --tps N (or --remove)")
    engine = connect(load_settings())
    schema.upgrade(engine)
    try:
        if remove:
            n_incidents, n_tps = remove_synthetic(engine, source)
            audit.record_command(engine, actor=cli_actor(), action="remove", entity="synthetic",
                                 entity_id=source, after={"incidents": n_incidents, "tps": n_tps})
            click.echo(f"removed {n_incidents} incidents and {n_tps} TPS of source {source!r}")
            return
        result = synthesize(engine, incidents=incidents, tps=tps, within=within, seed=seed,
                            source=source, election=election)
    except SynthError as exc:
        raise click.BadParameter(str(exc).split(": ", 1)[1], param_hint=exc.parameter) from exc
    audit.record_command(engine, actor=cli_actor(), action="synth", entity="synthetic", entity_id=source,
                         after={"incidents": result.incidents, "tps": result.tps, "within": within,
                                "seed": seed, "election": result.election})
    click.echo(result.summary())
