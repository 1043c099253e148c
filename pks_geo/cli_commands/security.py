"""``pks-geo security ...``: check the security data files, list TPS risk, set or clear a
manual category, and print the personnel plan per Polsek and Polres.

Overrides made here are audited like those made through the API, with the actor
``cli:<system user>``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from pks_geo.cli_commands.common import cli_actor, friendly_errors, migrated_engine
from pks_geo.models import KERAWANAN
from pks_geo.planning.personnel import check_reserve, personnel_plan
from pks_geo.planning.risk import compute_risk
from pks_geo.planning.risk_overrides import clear_override, set_override
from pks_geo.planning.security_data import SecurityDataError, load_security_data
from pks_geo.queries.filters import ParameterError


def _errors(func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ParameterError as exc:
            raise click.BadParameter(exc.message, param_hint=exc.parameter) from exc
        except SecurityDataError as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper




@click.group()
def security() -> None:
    """Security planning: data files, TPS risk, manual categories, personnel."""


@security.command("check")
@click.option("--dir", "folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder with posts.csv, jurisdictions.toml, profiles.toml, risk.toml "
                   "(default data/security).")
@_errors
def check(folder: Path | None) -> None:
    """Validate the security data files and summarise them."""
    data = load_security_data(folder)
    juris = data.jurisdictions
    click.echo(f"posts: {len(data.posts)} ({', '.join(sorted({p.kind for p in data.posts.values()}))})")
    for polres in juris.polres.values():
        members = [p for p in juris.polsek.values() if p.polres == polres.id]
        kec = sum(len(p.kecamatan) for p in members)
        click.echo(f"{polres.name}: {len(members)} Polsek, {kec} kecamatan, available "
                   f"{polres.available + sum(p.available for p in members)}")
    click.echo(f"profiles: {', '.join(data.profiles.profiles)} (default {data.profiles.default})")
    t = data.risk.thresholds
    click.echo(f"risk thresholds: rawan >= {t['rawan']:g}, sangat rawan >= {t['sangat rawan']:g}")
    click.echo("security data OK")


@security.command("risk")
@click.option("--election", help="Election code (default: the latest with TPS).")
@click.option("--polsek", help="Only this Polsek (an id of jurisdictions.toml).")
@click.option("--limit", type=click.IntRange(1, 100_000), default=20, show_default=True,
              help="Show the highest-scoring TPS only.")
@friendly_errors
@_errors
def risk(election: str | None, polsek: str | None, limit: int) -> None:
    """List TPS by risk score, with the category and where it comes from."""
    result = compute_risk(migrated_engine(), election, polsek=polsek)
    meta = result.meta()
    click.echo(f"{meta['election']}: {meta['n_tps']} TPS, {meta['categories']}, "
               f"sources {meta['category_sources']}")
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    for item in sorted(result.items, key=lambda i: (-i.score, i.kode_tps))[:limit]:
        factors = ", ".join(f"{f.key} {f.points:g}" for f in item.factors if f.points)
        click.echo(f"{item.kode_tps}  {item.score:5.1f}  {item.category:<12} ({item.category_source})  "
                   f"{item.desa_nama or ''} / {item.polsek or '-'}  [{factors}]")


@security.command("override")
@click.argument("kode_tps")
@click.option("--election", required=True, help="Election code.")
@click.option("--kategori", type=click.Choice(KERAWANAN), required=True, help="The category to set.")
@click.option("--reason", required=True, help="Why (at least 5 characters; kept in the audit trail).")
@friendly_errors
@_errors
def override(kode_tps: str, election: str, kategori: str, reason: str) -> None:
    """Set the category of one TPS by hand (wins over the official and computed ones)."""
    stored = set_override(migrated_engine(), election, kode_tps, kategori, reason, actor=cli_actor())
    click.echo(f"{stored['kode_tps']} ({election}): {stored['kategori']} — {stored['reason']}")


@security.command("clear-override")
@click.argument("kode_tps")
@click.option("--election", required=True, help="Election code.")
@click.option("--reason", default="", help="Why the manual category is removed.")
@friendly_errors
@_errors
def clear(kode_tps: str, election: str, reason: str) -> None:
    """Remove the manual category of one TPS."""
    if not clear_override(migrated_engine(), election, kode_tps, actor=cli_actor(), reason=reason):
        raise click.ClickException(f"TPS {kode_tps} of {election} has no manual category")
    click.echo(f"{kode_tps} ({election}): manual category removed")


@security.command("personnel")
@click.option("--election", help="Election code (default: the latest with TPS).")
@click.option("--profile", help="Operation profile id of profiles.toml (default: by election kind).")
@click.option("--reserve", help="Share of strength held in reserve, 0-0.95 (default from the data files).")
@friendly_errors
@_errors
def personnel(election: str | None, profile: str | None, reserve: str | None) -> None:
    """Police and Linmas required against available strength, per Polsek and Polres."""
    plan = personnel_plan(migrated_engine(), election, profile, reserve_share=check_reserve(reserve))
    click.echo(f"{plan.election}: profile {plan.profile.id} ({plan.profile.source}); "
               f"reserve {plan.reserve_share:.0%}")
    header = f"{'unit':<28}{'TPS':>6}{'police':>8}{'linmas':>8}{'avail':>7}{'deploy':>8}{'short':>7}"
    click.echo(header)
    for unit in [*plan.polres, *plan.polsek]:
        linmas = "-" if unit.linmas_required is None else str(unit.linmas_required)
        flag = "  KURANG" if unit.shortfall else ""
        name = unit.name if unit.level == "polres" else "  " + unit.name
        click.echo(f"{name:<28}{unit.n_tps:>6}{unit.police_required:>8}{linmas:>8}{unit.available:>7}"
                   f"{unit.deployable:>8}{unit.shortfall:>7}{flag}")
    for note in plan.notes:
        click.echo(f"note: {note}", err=True)
