"""``pks-geo maps print VIEW``: a briefing map (PNG/PDF, or a kecamatan atlas) to a file.

The same renderer as ``/maps/<view>.png|.pdf`` and ``/maps/<view>/atlas.pdf``, for
scripts and for machines where nobody runs the web server. ``--format html`` writes the
self-contained HTML file of ``/maps/<view>.html``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import Engine

from pks_geo import schema
from pks_geo.cli_commands.common import connect, friendly_errors, load_settings
from pks_geo.maps.selfcontained import AssetMissing, build_html
from pks_geo.maps.static import (
    DEFAULT_DPI,
    MAX_DPI,
    MIN_DPI,
    PAPERS_MM,
    PrintOptions,
    parse_print_options,
    print_atlas,
    print_view,
)
from pks_geo.maps.view_data import map_data
from pks_geo.maps.views import View, ViewNotFound, get_view
from pks_geo.queries.filters import ParameterError
from pks_geo.web.i18n import LANGUAGES, translations


@click.group()
def maps() -> None:
    """Briefing maps: print a saved view (or 'default') as PNG, PDF, atlas or HTML."""


@maps.command("print")
@click.argument("view_id", metavar="VIEW")
@click.option("--format", "fmt", type=click.Choice(["png", "pdf", "html"]), default="png", show_default=True)
@click.option("--paper", type=click.Choice(sorted(PAPERS_MM)), default="a4", show_default=True,
              help="Landscape paper size.")
@click.option("--dpi", type=click.IntRange(MIN_DPI, MAX_DPI), default=DEFAULT_DPI, show_default=True)
@click.option("--atlas", is_flag=True, help="One PDF page per kecamatan (desa choropleth within it).")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Label language (default: PKS_GEO_LANGUAGE).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="File to write.")
@friendly_errors
def print_(view_id: str, fmt: str, paper: str, dpi: int, atlas: bool, lang: str | None, output: Path) -> None:
    """Print VIEW (a saved view id or 'default') to a file."""
    settings = load_settings()
    engine = connect(settings)
    schema.upgrade(engine)
    lang = lang or settings.language
    texts = translations(lang)
    if atlas and fmt != "pdf":
        raise click.UsageError("--atlas makes a PDF: use --format pdf")
    try:
        view = get_view(engine, view_id)
        if fmt == "html":
            body: bytes = build_html(map_data(engine, view, lang, texts, settings.marking)).encode("utf-8")
        else:
            options = parse_print_options({"paper": paper, "dpi": dpi}, fmt)
            if atlas:
                body = _print_atlas_with_progress(engine, view, options, lang, texts, settings.marking)
            else:
                click.echo(f"rendering {view_id} ...", err=True)
                body = print_view(engine, view, options, lang=lang, texts=texts, marking=settings.marking)
    except ViewNotFound:
        raise click.ClickException(f"no saved view {view_id!r}; see 'pks-geo views list'") from None
    except (ParameterError, AssetMissing) as exc:
        raise click.ClickException(str(exc)) from exc
    output.write_bytes(body)
    click.echo(f"{output} written ({len(body):,} bytes)")


def _print_atlas_with_progress(engine: Engine, view: View, options: PrintOptions, lang: str,
                               texts: dict[str, str], marking: str) -> bytes:
    """The atlas with a progress bar on stderr (one step per kecamatan page)."""
    from tqdm import tqdm

    bar: tqdm | None = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc="atlas pages", unit="page", file=sys.stderr)
        bar.update(1)

    try:
        return print_atlas(engine, view, options, lang=lang, texts=texts, marking=marking, progress=progress)
    finally:
        if bar is not None:
            bar.close()
