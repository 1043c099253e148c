"""``pks-geo export DATASET --format FMT -o FILE``: the API's exports from the command line.

The same datasets, formats, filters, metadata and audit as ``GET /api/v1/export/...``. The
console is trusted like an analyst (it has the database password), so the default role is
``analyst``; ``--role viewer`` makes an aggregates-only file for wider sharing. The audit
actor is ``cli:<system user>``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
from tqdm import tqdm

from pks_geo import schema
from pks_geo.cli_commands.common import cli_actor, connect, friendly_errors, load_settings
from pks_geo.config import ConfigError
from pks_geo.export import DATASETS, FORMATS, ExportContext, ExportForbidden, PreparedExport, prepare_export
from pks_geo.planning.security_data import SecurityDataError
from pks_geo.queries.filters import ParameterError


def _params(pairs: tuple[str, ...]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="--param")
        out.setdefault(key.strip(), []).append(value.strip())
    return out


def _write(prepared: PreparedExport, output: Path) -> int:
    """Write the file, with a byte counter on the terminal for the streamed formats."""
    if prepared.fmt not in ("geojson", "csv"):
        return prepared.write(output)
    with output.open("wb") as handle, tqdm(unit="B", unit_scale=True, desc=output.name, file=sys.stderr,
                                           disable=None) as bar:
        for chunk in prepared.chunks():
            handle.write(chunk)
            bar.update(len(chunk))
    return output.stat().st_size


@click.command("export")
@click.argument("dataset", type=click.Choice(list(DATASETS)))
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default=None,
              help="Output format (default: from the file name's extension).")
@click.option("-o", "--output", type=click.Path(path_type=Path, dir_okay=False), required=True,
              help="File to write.")
@click.option("--election", help="Election code (default for tps/patrol-plan: the latest with TPS).")
@click.option("--level", type=click.Choice(["kecamatan", "desa"]), help="Area level (choropleth, hotspots).")
@click.option("--from", "date_from", help="First incident date, YYYY-MM-DD.")
@click.option("--to", "date_to", help="Last incident date, YYYY-MM-DD.")
@click.option("--stage", help="Election stage (kampanye, masa_tenang, ...).")
@click.option("--kategori", multiple=True, help="Incident kategori code (repeatable).")
@click.option("--source", multiple=True, help="Incident source (repeatable).")
@click.option("--verified", is_flag=True, help="Only verified incidents.")
@click.option("--within", help="Only areas within this Kemendagri code, e.g. 74.05.08.")
@click.option("--polsek", help="Only this Polsek (tps, patrol-plan), an id of jurisdictions.toml.")
@click.option("--param", "extra", multiple=True, metavar="KEY=VALUE",
              help="Any other parameter of the API (metric=, scheme=, k=, permutations=, max_tps=, ...).")
@click.option("--role", type=click.Choice(["viewer", "analyst"]), default="analyst", show_default=True,
              help="Export as this role: viewer exports carry aggregates only.")
@click.option("--marking", default=None, help="Classification marking (default PKS_GEO_MARKING, else "
                                              "TERBATAS; 'none' or empty for no marking).")
@click.option("--lang", type=click.Choice(["id", "en"]), default="id", show_default=True)
@friendly_errors
def export(dataset: str, fmt: str | None, output: Path, election: str | None, level: str | None,
           date_from: str | None, date_to: str | None, stage: str | None, kategori: tuple[str, ...],
           source: tuple[str, ...], verified: bool, within: str | None, polsek: str | None,
           extra: tuple[str, ...], role: str, marking: str | None, lang: str) -> None:
    """Export DATASET (choropleth, hotspots, incidents, tps, patrol-plan) to a file."""
    if fmt is None:
        fmt = output.suffix.lstrip(".").lower()
        if fmt not in FORMATS:
            raise click.BadParameter(f"cannot tell the format from {output.name!r}; give --format",
                                     param_hint="--format")
    args: dict[str, object] = {**_params(extra)}
    named = {"election": election, "level": level, "from": date_from, "to": date_to, "stage": stage,
             "within": within, "polsek": polsek, "verified": "true" if verified else None,
             "kategori": list(kategori) or None, "source": list(source) or None}
    args.update({k: v for k, v in named.items() if v is not None})
    settings = load_settings()
    engine = connect(settings)
    schema.upgrade(engine)
    ctx = ExportContext(engine, args, role, cli_actor(), lang=lang, min_cell=settings.min_cell)
    click.echo(f"preparing {dataset} ({fmt}) ...", err=True)
    try:
        prepared = prepare_export(ctx, dataset, fmt, marking=settings.marking if marking is None else marking)
        size = _write(prepared, output)
    except ExportForbidden as exc:
        raise click.ClickException(str(exc)) from exc
    except ParameterError as exc:
        raise click.BadParameter(exc.message, param_hint=exc.parameter) from exc
    except (SecurityDataError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from exc
    marking_text = prepared.metadata.get("marking") or "no marking"
    click.echo(f"wrote {output} ({size:,} bytes, {fmt}, {marking_text})")
