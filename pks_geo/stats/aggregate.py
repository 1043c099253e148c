"""Incident counts and rates per kecamatan or desa, computed in PostGIS.

One SQL statement joins the areas of a level with the filtered, counted incidents and
the registered voters (DPT) of one election's TPS; pandas only turns the sums into the
requested metric. Conventions that keep the map honest:

- an area with no incidents has count 0 (it is on the map, not missing);
- an area without DPT (no TPS loaded, or DPT unknown or 0) has **no** ``per_1000_dpt``
  rate: ``value`` is null (no data), never 0;
- ``meninggal``/``luka`` add up the known figures; an area whose incidents all have
  unknown casualties has no value (unknown is not zero);
- ``smooth="eb"`` replaces ``per_1000_dpt`` by its empirical-Bayes estimate (esda), which
  pulls rates based on few voters towards the overall rate, so a desa with 1 incident
  and 40 voters does not top the map.

The DPT of ``per_1000_dpt`` comes from the election given in the filters; without one,
the latest election (by voting day) that has TPS loaded is used, and the returned frame
says so in ``attrs`` (``dpt_election``, ``dpt_election_reason``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, text

from pks_geo import catalogue
from pks_geo.queries.filters import AREA_LEVELS, FilterSet, ParameterError

METRICS = ("count", "per_1000_dpt", "per_km2", "meninggal", "luka")
SMOOTHING = ("eb",)
INTEGER_METRICS = ("count", "meninggal", "luka")
"""Metrics whose unsmoothed values are whole numbers (legend labels without decimals)."""
METRIC_LABELS = catalogue.by_key("agg_metric_")
"""``{metric: {lang: label}}``: messages ``agg_metric_*`` of the UI catalogue."""
COLUMNS = ["kode", "nama", "value", "n_incidents", "dpt", "area_km2", "meninggal", "luka"]

LATEST_ELECTION_WITH_TPS = text("""
SELECT e.code FROM election e
WHERE EXISTS (SELECT 1 FROM polling_site p WHERE p.election_code = e.code)
ORDER BY e.voting_day DESC, e.code LIMIT 1
""")

AGGREGATE_SQL = """
WITH area AS (
    SELECT a.kode, a.nama, a.area_km2 FROM admin_area a WHERE {area_where}
), inc AS (
    SELECT i.{col} AS kode, count(*) AS n, sum(i.meninggal) AS meninggal, sum(i.luka) AS luka
    FROM incident i WHERE {incident_where}
    GROUP BY i.{col}
), voters AS (
    SELECT p.{col} AS kode, sum(p.dpt) AS dpt
    FROM polling_site p WHERE p.election_code = :dpt_election
    GROUP BY p.{col}
)
SELECT area.kode, area.nama, area.area_km2, coalesce(inc.n, 0) AS n_incidents,
       CASE WHEN inc.n IS NULL THEN 0 ELSE inc.meninggal END AS meninggal,
       CASE WHEN inc.n IS NULL THEN 0 ELSE inc.luka END AS luka,
       voters.dpt
FROM area LEFT JOIN inc USING (kode) LEFT JOIN voters USING (kode)
ORDER BY area.kode
"""


def resolve_dpt_election(conn: Connection, filters: FilterSet) -> tuple[str | None, str]:
    """The election whose TPS give the DPT, and why it was chosen (echoed to users)."""
    if filters.election:
        return filters.election, "election filter"
    code = conn.execute(LATEST_ELECTION_WITH_TPS).scalar()
    if code is None:
        return None, "no TPS loaded: per_1000_dpt has no data"
    return code, "latest election with TPS (no election filter given)"


def check_metric(metric: str, smooth: str | None) -> None:
    """Raise :class:`ParameterError` for an unknown metric or smoothing."""
    if metric not in METRICS:
        raise ParameterError("metric", f"unknown metric {metric!r}; expected one of {', '.join(METRICS)}")
    if smooth is not None:
        if smooth not in SMOOTHING:
            raise ParameterError("smooth", f"unknown smoothing {smooth!r}; expected {', '.join(SMOOTHING)}")
        if metric != "per_1000_dpt":
            raise ParameterError("smooth", "smooth=eb applies only to metric per_1000_dpt "
                                           "(a rate with a population at risk)")


def aggregate(engine: Engine | Connection, level: str, metric: str, filters: FilterSet,
              smooth: str | None = None) -> pd.DataFrame:
    """Per-area metric for ``level`` (``kecamatan``/``desa``) under ``filters``.

    Returns one row per area of the level (ordered by kode) with columns
    kode, nama, value, n_incidents, dpt, area_km2, meninggal, luka; ``value`` is NaN
    where there is no data. ``attrs`` carries metric, smooth, dpt_election and its reason.
    """
    check_metric(metric, smooth)
    if level not in AREA_LEVELS:
        raise ParameterError("level", f"unknown level {level!r}; expected one of {', '.join(AREA_LEVELS)}")
    if level != filters.level:
        filters = replace(filters, level=level)
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            return _aggregate(conn, metric, filters, smooth)
    return _aggregate(engine, metric, filters, smooth)


def _aggregate(conn: Connection, metric: str, filters: FilterSet, smooth: str | None) -> pd.DataFrame:
    dpt_election, reason = resolve_dpt_election(conn, filters)
    area_where, area_params = filters.area_where("a")
    incident_where, incident_params = filters.incident_where("i")
    sql = AGGREGATE_SQL.format(area_where=area_where, incident_where=incident_where,
                               col=filters.level_column)
    params = {**area_params, **incident_params, "dpt_election": dpt_election}
    rows = conn.execute(text(sql), params).all()
    frame = pd.DataFrame(rows, columns=["kode", "nama", "area_km2", "n_incidents", "meninggal",
                                        "luka", "dpt"])
    frame["n_incidents"] = frame["n_incidents"].astype("int64")
    for column in ("meninggal", "luka", "dpt", "area_km2"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    frame["value"] = _metric_values(frame, metric, smooth)
    frame = frame[COLUMNS]
    frame.attrs.update(metric=metric, smooth=smooth, dpt_election=dpt_election,
                       dpt_election_reason=reason)
    return frame


def _metric_values(frame: pd.DataFrame, metric: str, smooth: str | None) -> pd.Series:
    n = frame["n_incidents"].astype("float64")
    if metric == "count":
        return n
    if metric in ("meninggal", "luka"):
        return frame[metric]
    if metric == "per_km2":
        area = frame["area_km2"].where(frame["area_km2"] > 0)
        return n / area
    dpt = frame["dpt"].where(frame["dpt"] > 0)
    if smooth == "eb":
        return eb_rate(n, dpt) * 1000.0
    return n * 1000.0 / dpt


def eb_rate(events: pd.Series, population: pd.Series) -> pd.Series:
    """Empirical-Bayes rates (esda, Marshall's global estimator); NaN where population is NaN.

    When the estimated between-area variance is not positive (the rates vary no more than
    chance alone would make them), Marshall's rule gives every area the overall rate;
    esda leaves that case to the caller, so it is handled here.
    """
    from esda.smoothing import Empirical_Bayes

    out = pd.Series(np.nan, index=events.index, dtype="float64")
    has = population.notna()
    e = events[has].to_numpy(dtype="float64")
    b = population[has].to_numpy(dtype="float64")
    if len(e) == 0:
        return out
    if e.sum() == 0:
        out[has] = 0.0
        return out
    mean = e.sum() / b.sum()
    variance = (b * (e / b - mean) ** 2).sum() / b.sum() - mean / b.mean()
    if variance <= 0:
        out[has] = mean
        return out
    out[has] = Empirical_Bayes(e, b).r.ravel()
    return out
