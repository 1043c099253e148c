"""``pks-geo serve`` (production WSGI server) and ``pks-geo demo`` (set up demo data)."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import text

from pks_geo import audit, schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings, print_report
from pks_geo.db import resolve_database_url
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.codes import normalize_kode
from pks_geo.manifest import load_manifest

OUTBUF_OVERFLOW = 16 * 2**20
"""Bytes of pending response waitress keeps in memory before it spools to a temporary file
(its default is 1 MB). A desa choropleth or a print map is a few MB in one piece; at 1 MB each
of them went through a file on disk. Streamed exports stay bounded: waitress stops pulling
from the generator above its high-water mark (16 MB), so a slow client never holds more."""


def _log_requests() -> None:
    """One access-log line per request on stderr (see :mod:`pks_geo.web.edge`), and the app's
    own messages (a random secret key, a database outage and its end) with time and level."""
    import logging
    import sys

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    log = logging.getLogger("pks_geo.access")
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False
    app_log = logging.getLogger("pks_geo")
    if not app_log.handlers:
        app_handler = logging.StreamHandler(sys.stderr)
        app_handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        app_log.addHandler(app_handler)
        app_log.setLevel(logging.INFO)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@friendly_errors
def serve(host: str, port: int, threads: int) -> None:
    """Serve the web app with waitress (a production WSGI server that runs on any OS)."""
    import waitress

    from pks_geo.config import Settings
    from pks_geo.web import create_app

    settings = load_settings()
    if settings.environment == "production" and not settings.secret_key_set:
        raise click.ClickException(
            "PKS_GEO_ENV=production needs PKS_GEO_SECRET_KEY (at least 16 characters, the same for every "
            "process behind the proxy): without it sessions and embed links die on every restart. "
            "Generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'")
    url = resolve_database_url(settings)
    _log_requests()
    app = create_app(Settings(**{**settings.__dict__, "database_url": url}))
    from pks_geo.stats.warmup import warm_up_in_background

    warm_up_in_background()  # JIT-compile the statistics while the first pages load
    click.echo(f"pks-geo serving on http://{host}:{port}")
    waitress.serve(app, host=host, port=port, threads=threads, ident="pks-geo",
                   outbuf_overflow=OUTBUF_OVERFLOW)


@click.command()
@click.option("--boundaries", "boundaries_dir", type=click.Path(path_type=Path, file_okay=False),
              help="Folder with the Konawe Selatan GeoJSON files (default: PKS_GEO_BOUNDARIES_DIR "
                   "or the files shipped in data/boundaries).")
@click.option("--region", default=None, metavar="KODE",
              help="Set up another kabupaten/kota (e.g. 74.71) from the upstream wilayah_boundaries "
                   "layout instead of the shipped Konawe Selatan files.")
@click.option("--source", "source", default=None, metavar="DIR_OR_URL",
              help="With --region: the upstream layout, a local mirror folder or a URL (default: the "
                   "public repository on the web).")
@click.option("--remove", is_flag=True,
              help="Delete the demo data (source 'contoh') and nothing else, then stop.")
@friendly_errors
def demo(boundaries_dir: Path | None, region: str | None, source: str | None, remove: bool) -> None:
    """Start the database, migrate, load the boundaries, the elections and the demo data.

    The demo incidents and TPS are synthetic, labelled source 'contoh'; loading them again
    changes nothing, and 'pks-geo demo --remove' deletes exactly them. With --region another
    kabupaten is loaded from the upstream layout and gets the same kind of demo data."""
    from pks_geo.ingest.demo_data import load_demo, remove_demo
    from pks_geo.ingest.elections import read_elections_file, upsert_elections

    settings = load_settings()
    engine = connect(settings)
    schema.upgrade(engine)
    if remove:
        incidents, tps = remove_demo(engine)
        audit.record_command(engine, actor=cli_actor(), action="remove", entity="demo", entity_id="contoh",
                             after={"incidents": incidents, "tps": tps})
        click.echo(f"demo data removed: {incidents} incidents and {tps} TPS of source 'contoh'")
        return
    manifest = load_manifest()
    kode = normalize_kode(region) if region else manifest.region_kode
    if kode is None or kode.count(".") != 1:
        raise click.ClickException(f"--region must be a kabupaten/kota code like 74.71, got {region!r}")
    if kode == manifest.region_kode:
        folder = boundaries_dir or settings.boundaries_dir
        paths = manifest.boundary_paths(folder)
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            raise click.ClickException(
                f"boundary files not found: {', '.join(missing)}; pass --boundaries DIR or set "
                "PKS_GEO_BOUNDARIES_DIR"
            )
        report = load_boundary_paths(engine, paths)
    else:
        from pks_geo.ingest.boundary_load import fetch_and_load
        from pks_geo.ingest.wilayah import DEFAULT_SOURCE

        report = fetch_and_load(engine, kode, source or DEFAULT_SOURCE)
    print_report(report, limit=5)
    with engine.begin() as conn:
        print_report(upsert_elections(conn, read_elections_file(), "elections"), limit=5)
        name = conn.execute(text("SELECT nama FROM admin_area WHERE kode = :k"), {"k": kode}).scalar()
    demo_reports = load_demo(engine, kode)
    for demo_report in demo_reports:
        print_report(demo_report, limit=5)
    audit.record_command(engine, actor=cli_actor(), action="demo", entity="demo", entity_id=kode,
                         after={"region": kode, "boundaries_read": report.read,
                                "reports": [audit.report_counts(r) for r in demo_reports]})
    click.echo(f"demo ready: {name or manifest.region_nama} (demo incidents and TPS are synthetic, "
               "source 'contoh'; remove them with 'pks-geo demo --remove')")
