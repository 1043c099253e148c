"""What lies behind a map: the sources, period and number of the incidents it counts.

A briefing map must say where its numbers come from and which days they cover, for
exactly the incidents the map aggregates. The query therefore takes the same
:class:`~pks_geo.queries.filters.FilterSet` as the choropleth, so the source line and
the period printed under a map can never describe a different set of incidents.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, Engine, text

from pks_geo.queries.filters import FilterSet

SUMMARY_SQL = """
SELECT i.source, min(i.event_date), max(i.event_date), count(*)
FROM incident i WHERE {where}
GROUP BY i.source ORDER BY count(*) DESC, i.source
"""


@dataclass(frozen=True)
class IncidentSummary:
    """Sources (most incidents first), first and last event date, and the incident count."""

    sources: tuple[str, ...]
    first: date | None
    last: date | None
    count: int


def incident_summary(bind: Engine | Connection, filters: FilterSet) -> IncidentSummary:
    """Summary of the counted incidents that ``filters`` select at ``filters.level``."""
    if isinstance(bind, Engine):
        with bind.connect() as conn:
            return incident_summary(conn, filters)
    where, params = filters.incident_where("i")
    rows = bind.execute(text(SUMMARY_SQL.format(where=where)), params).all()
    if not rows:
        return IncidentSummary((), None, None, 0)
    return IncidentSummary(sources=tuple(row[0] for row in rows),
                           first=min(row[1] for row in rows), last=max(row[2] for row in rows),
                           count=sum(int(row[3]) for row in rows))
