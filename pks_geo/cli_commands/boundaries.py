"""``pks-geo boundaries load|fetch|check``: administrative boundaries."""

from __future__ import annotations

from pathlib import Path

import click

from pks_geo import audit, schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings, print_report
from pks_geo.ingest.boundary_load import fetch_and_load, load_boundary_paths
from pks_geo.ingest.codes import SEGMENTS_BY_LEVEL
from pks_geo.ingest.wilayah import DEFAULT_SOURCE
from pks_geo.manifest import load_manifest
from pks_geo.queries.areas import area_counts, kecamatan_codes


@click.group()
def boundaries() -> None:
    """Load and check administrative boundaries (kabupaten, kecamatan, desa)."""


@boundaries.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--crs", help="CRS of files that lack one, e.g. EPSG:4326 (Shapefile without .prj).")
@click.option("--level", type=click.Choice(list(SEGMENTS_BY_LEVEL)),
              help="Level of every feature, when the files do not say.")
@click.option("--report", "report_path", type=click.Path(path_type=Path),
              help="Write the validation report as JSON.")
@friendly_errors
def load(paths: tuple[Path, ...], crs: str | None, level: str | None,
         report_path: Path | None) -> None:
    """Load GeoJSON / GeoPackage / Shapefile boundaries; upsert by kode in one transaction."""
    engine = connect(load_settings())
    schema.upgrade(engine)
    report = load_boundary_paths(engine, list(paths), crs=crs, level=level)
    print_report(report, report_path)
    audit.record_command(engine, actor=cli_actor(), action="import", entity="boundary_import",
                         entity_id=",".join(p.name for p in paths),
                         after={"files": [str(p) for p in paths], **audit.report_counts(report)})


@boundaries.command("fetch")
@click.argument("kode")
@click.option("--source", default=DEFAULT_SOURCE, show_default=True,
              help="Base URL or local folder of the wilayah_boundaries layout (db/kab, db/kec, db/kel).")
@click.option("--report", "report_path", type=click.Path(path_type=Path))
@friendly_errors
def fetch(kode: str, source: str, report_path: Path | None) -> None:
    """Load a province (74) or kabupaten (74.05) from the public Kemendagri-coded dataset."""
    engine = connect(load_settings())
    schema.upgrade(engine)
    report = fetch_and_load(engine, kode, source)
    print_report(report, report_path)
    audit.record_command(engine, actor=cli_actor(), action="import", entity="boundary_import",
                         entity_id=kode, after={"kode": kode, **audit.report_counts(report)})


@boundaries.command("check")
@friendly_errors
def check() -> None:
    """Compare the loaded boundaries with data/boundaries/manifest.toml; exit 1 on mismatch."""
    engine = connect(load_settings())
    manifest = load_manifest()
    loaded = kecamatan_codes(engine)
    counts = area_counts(engine)
    problems = []
    for kode, nama in manifest.expected_kecamatan.items():
        if kode not in loaded:
            problems.append(f"kecamatan {kode} {nama} is not loaded")
    desa_total = sum(n for k, n in counts.get("desa", {}).items())
    click.echo(f"kecamatan loaded: {len(loaded)}; desa/kelurahan loaded: {desa_total} "
               f"({counts.get('desa', {})})")
    if desa_total < manifest.expected_desa:
        problems.append(f"expected {manifest.expected_desa} desa/kelurahan, found {desa_total}")
    for line in problems:
        click.echo(f"problem: {line}", err=True)
    if problems:
        raise click.ClickException(f"{len(problems)} problem(s) against the manifest")
    click.echo(f"OK: {manifest.region_nama} matches the manifest")
