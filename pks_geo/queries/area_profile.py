"""What the map says about one area, and how incidents develop over time.

Two questions a planner asks of the map: "what is going on in this desa?" (the side panel
opened by a click) and "when did it happen?" (the chart under the map). Both count the
same incidents as the choropleth, because they take the same
:class:`~pks_geo.queries.filters.FilterSet`; both return aggregates only (counts per
kategori and per month or week, never incident records), so the viewer role may read them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import FilterSet

INTERVALS = ("week", "month")

AREA_SQL = text("""
SELECT a.kode, a.nama, a.level, a.jenis, coalesce(p.nama, ''), a.area_km2
FROM admin_area a LEFT JOIN admin_area p ON p.kode = a.parent_kode
WHERE a.kode = :kode AND a.level IN ('kecamatan', 'desa')
""")
BY_KATEGORI_SQL = """
SELECT i.kategori, count(*) FROM incident i
WHERE {where} AND i.{column} = :kode GROUP BY i.kategori ORDER BY count(*) DESC, i.kategori
"""
BY_MONTH_SQL = """
SELECT date_trunc('month', i.event_date)::date AS m, count(*) FROM incident i
WHERE {where} AND i.{column} = :kode GROUP BY m ORDER BY m
"""
SPAN_SQL = "SELECT min(i.event_date), max(i.event_date) FROM incident i WHERE {where}"
TPS_SQL = """
SELECT count(*), sum(t.dpt) FROM polling_site t
WHERE t.election_code = :election AND t.{column} = :kode
"""
LATEST_ELECTION_SQL = text("""
SELECT t.election_code FROM polling_site t JOIN election e ON e.code = t.election_code
GROUP BY t.election_code, e.voting_day ORDER BY e.voting_day DESC, t.election_code LIMIT 1
""")
SERIES_SQL = """
SELECT date_trunc(:interval, i.event_date)::date AS period, i.kategori, count(*)
FROM incident i WHERE {where} GROUP BY period, i.kategori ORDER BY period, i.kategori
"""


class AreaNotFound(LookupError):
    """No kecamatan or desa has this code."""


def _months(first: date, last: date) -> list[date]:
    """Every first-of-month from ``first`` to ``last`` (inclusive), so gaps show as zero."""
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _election_for(conn: Connection, filters: FilterSet) -> str | None:
    """TPS belong to one election: the filtered one, else the latest that has TPS."""
    if filters.election:
        return filters.election
    return conn.execute(LATEST_ELECTION_SQL).scalar_one_or_none()


def area_profile(engine: Engine, kode: str, filters: FilterSet,
                 disclosure: Disclosure = EXACT) -> dict[str, Any]:
    """Name, incidents by kategori, monthly counts, TPS and DPT of the area ``kode``.

    The area's own level decides which incident column is matched, whatever
    ``filters.level`` says, so a click on a desa counts that desa's incidents.

    Below analyst (``disclosure``): an area of 1 .. min_cell-1 incidents is ``suppressed``
    as a whole (``n_incidents`` null, no kategori rows, every month null), and in a bigger
    area each kategori or month count of 1 .. min_cell-1 is null."""
    with engine.connect() as conn:
        row = conn.execute(AREA_SQL, {"kode": kode}).one_or_none()
        if row is None:
            raise AreaNotFound(kode)
        level = row[2]
        column = "desa_kode" if level == "desa" else "kecamatan_kode"
        where, params = filters.incident_where("i", located=False)
        params = {**params, "kode": kode}
        kategori = conn.execute(text(BY_KATEGORI_SQL.format(where=where, column=column)), params).all()
        month_rows = conn.execute(text(BY_MONTH_SQL.format(where=where, column=column)), params).all()
        months: dict[Any, Any] = dict(month_rows)  # type: ignore[arg-type]
        election = _election_for(conn, filters)
        tps = dpt = None
        if election:
            tps, dpt = conn.execute(text(TPS_SQL.format(column=column)),
                                    {"election": election, "kode": kode}).one()
        # the sparkline spans the period the filters select over the whole district, so a desa
        # with one incident still shows the quiet months around it
        span = conn.execute(text(SPAN_SQL.format(where=where)), params).one()
    first = filters.date_from or span[0]
    last = filters.date_to or span[1]
    n_incidents = sum(int(n) for _, n in kategori)
    whole = disclosure.small(n_incidents)
    monthly = [{"month": m.isoformat(), "count": None if whole else disclosure.count(int(months.get(m, 0)))}
               for m in (_months(first, last) if first and last else [])][-36:]
    by_kategori = [] if whole else [{"kategori": k, "count": disclosure.count(int(n))} for k, n in kategori]
    return {"kode": row[0], "nama": row[1], "level": level, "jenis": row[3], "parent": row[4],
            "area_km2": row[5], "n_incidents": None if whole else n_incidents, "suppressed": whole,
            "min_cell": disclosure.min_cell, "disclosure": disclosure.meta(),
            "by_kategori": by_kategori,
            "monthly": monthly, "election": election, "tps": int(tps or 0) if election else None,
            "dpt": int(dpt) if dpt is not None else None, "filters": filters.echo()}


def incident_series(engine: Engine, filters: FilterSet, interval: str,
                    disclosure: Disclosure = EXACT) -> dict[str, Any]:
    """Counted incidents per week or month and kategori (for the stacked chart under the map).

    Periods without incidents are absent; the chart fills them with zero. ``from``/``to`` of
    ``filters`` are honoured, so a caller that wants the whole period to brush leaves them out.
    Below analyst a count of 1 .. min_cell-1 is null (the chart reads it as "< min_cell"), and so
    is a total that small."""
    if interval not in INTERVALS:
        raise ValueError(interval)
    where, params = filters.incident_where("i", located=False)
    with engine.connect() as conn:
        rows = conn.execute(text(SERIES_SQL.format(where=where)), {**params, "interval": interval}).all()
    periods = sorted({r[0] for r in rows})
    kategori = sorted({r[1] for r in rows})
    index = {p: i for i, p in enumerate(periods)}
    counts = {k: [0] * len(periods) for k in kategori}
    for period, kat, n in rows:
        counts[kat][index[period]] = disclosure.count(int(n))
    return {"interval": interval, "periods": [p.isoformat() for p in periods],
            "series": [{"kategori": k, "counts": counts[k]} for k in kategori],
            "total": disclosure.count(sum(int(r[2]) for r in rows)), "min_cell": disclosure.min_cell,
            "disclosure": disclosure.meta(), "filters": filters.echo()}
