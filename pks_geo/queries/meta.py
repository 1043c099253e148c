"""What the map's filter panel offers: elections with their stages, incident categories,
metrics and classification schemes — read from the database and the editable data files,
so the page never hard-codes an election or a category."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, text

from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.models import KATEGORI, STAGES
from pks_geo.queries.disclosure import EXACT, Disclosure

METRICS = ("count", "per_1000_dpt", "per_km2", "meninggal", "luka")
SCHEMES = ("quantiles", "fisher_jenks", "equal_interval", "manual")

ELECTIONS_SQL = text("""
SELECT e.code, e.name, e.kind, e.voting_day,
       EXISTS (SELECT 1 FROM polling_site p WHERE p.election_code = e.code) AS has_tps,
       coalesce(json_agg(json_build_object('stage', s.stage, 'start', s.start_date, 'end', s.end_date)
                ORDER BY s.start_date) FILTER (WHERE s.stage IS NOT NULL), '[]') AS stages
FROM election e LEFT JOIN election_stage s ON s.election_code = e.code
GROUP BY e.code ORDER BY e.voting_day
""")

DATA_RANGE_SQL = text("""
SELECT min(event_date), max(event_date), count(*) FROM incident WHERE counted
""")


def _month_bounds(first: date | None, last: date | None) -> tuple[date | None, date | None]:
    """The first day of ``first``'s month and the last day of ``last``'s."""
    if first is None or last is None:
        return first, last
    after = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return first.replace(day=1), after - timedelta(days=1)


def filter_options(engine: Engine, lang: str = "id", disclosure: Disclosure = EXACT) -> dict[str, Any]:
    """Everything the filter panel needs, labels in ``lang``. Below analyst (``disclosure``) the
    data range is whole months (the first and last days are those of single incidents)."""
    taxonomy = load_taxonomy()
    with engine.connect() as conn:
        elections = [
            {"code": code, "name": name, "kind": kind, "voting_day": voting_day.isoformat(),
             "has_tps": has_tps, "stages": stages}
            for code, name, kind, voting_day, has_tps, stages in conn.execute(ELECTIONS_SQL)
        ]
        first, last, n_incidents = conn.execute(DATA_RANGE_SQL).one()
    if disclosure.active:
        first, last = _month_bounds(first, last)
        n_incidents = disclosure.count(n_incidents)
    return {
        "elections": elections,
        "stages": list(STAGES),
        "kategori": [{"code": code, "label": taxonomy.label(code, lang)} for code in KATEGORI],
        "metrics": list(METRICS),
        "schemes": list(SCHEMES),
        "k_range": [3, 9],
        "data_range": {"from": first.isoformat() if first else None,
                       "to": last.isoformat() if last else None, "n_incidents": n_incidents},
    }


def election_choices(engine: Engine) -> list[tuple[str, str]]:
    """(code, name) of every stored election, oldest voting day first (for form selects)."""
    with engine.connect() as conn:
        return [(code, name) for code, name in conn.execute(
            text("SELECT code, name FROM election ORDER BY voting_day"))]
