"""``pks-geo roads load|remove``: the road network patrol plans route on (pgRouting)."""

from __future__ import annotations

from pathlib import Path

import click

from pks_geo import audit
from pks_geo.cli_commands.common import cli_actor, friendly_errors, migrated_engine


@click.group()
def roads() -> None:
    """Road network for patrol routes (pgRouting): load a roads file, or remove it.

    The file is an OSM extract or an official roads layer (GeoJSON, GeoPackage, Shapefile)."""


@roads.command("load")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--layer", help="Layer of a multi-layer file (GeoPackage), e.g. lines.")
@click.option("--crs", help="CRS of a file that lacks one, e.g. EPSG:4326.")
@friendly_errors
def load(path: Path, layer: str | None, crs: str | None) -> None:
    """Replace the road network with the lines of a GeoJSON / GeoPackage / Shapefile."""
    from pks_geo.ingest.roads import load_roads

    engine = migrated_engine()
    result = load_roads(engine, path, crs=crs, layer=layer)
    audit.record_command(engine, actor=cli_actor(), action="import", entity="road_network",
                         entity_id=path.name, after={"file": str(path), **result.as_dict()})
    click.echo(result.summary())


@roads.command("remove")
@friendly_errors
def remove() -> None:
    """Delete the road network: patrol plans go back to straight lines kept on land."""
    from pks_geo.ingest.roads import remove_roads

    engine = migrated_engine()
    n = remove_roads(engine)
    audit.record_command(engine, actor=cli_actor(), action="remove", entity="road_network",
                         entity_id="all", after={"edges": n})
    click.echo(f"removed {n} road edges; patrol plans route in straight lines again")
