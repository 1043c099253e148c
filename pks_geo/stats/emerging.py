"""Emerging hot spots: Gi* per time window, a Mann–Kendall trend per area, and the
space-time pattern categories GIS users know from ArcGIS's Emerging Hot Spot Analysis.

Windows are calendar months (``window=month``; the range is ``from``..``to``, else the
first..last filtered incident) or the stages of one election in calendar order
(``window=stage``; incidents tagged with that election and stage). In every window Gi* is
computed exactly as in :mod:`pks_geo.stats.hotspots` (same weights, ``inference``
(analytic p from the Gi* z by default), permutations, seed, FDR). A window with too few
incidents (``min_incidents``) gets z = 0 and no significance.

An area is *hot* (*cold*) in a window when its ``gi_bin`` is at least +k (at most -k), k = 1,
2, 3 for ``confidence`` 90, 95 (default), 99 %. The **trend** is the Mann–Kendall test
(``pymannkendall.original_test``, alpha 0.05) on the area's series of Gi* z-scores: a
significant increase means hot-spot intensity grows (for a cold spot: a decrease means
the cold spot intensifies).

Rules, for hot spots (cold spots mirror them with hot/cold and the trend sign swapped);
T = number of windows, "share" = hot windows / T:

=============  =============================================================================
intensifying   hot in the last window, share >= 90 %, significant increasing trend
diminishing    hot in the last window, share >= 90 %, significant decreasing trend
persistent     hot in the last window, share >= 90 %, no significant trend
oscillating    hot in the last window, share < 90 %, cold in some earlier window
new            hot in the last window and in no earlier window (and never cold)
consecutive    hot in an unbroken run of >= 2 windows ending with the last, never hot before
               that run, share < 90 % (and never cold)
sporadic       hot in the last window, hot on and off before, share < 90 %, never cold
historical     not hot in the last window, but share >= 90 %
no_pattern     none of the above
=============  =============================================================================

The order of the table is the order of precedence. The category names are
``<pattern>_hot`` / ``<pattern>_cold`` (e.g. ``new_hot``), or ``no_pattern``.

:func:`compare_periods` is the two-period view ("this election against the previous
one"): Gi* in each period and, per area, what changed (``new_hot``, ``still_hot``,
``no_longer_hot``, the cold equivalents, ``hot_to_cold``, ``cold_to_hot``, ``none``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pymannkendall
from sqlalchemy import Engine, text

from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import FilterSet, ParameterError
from pks_geo.stats import hotspots as hs
from pks_geo.stats.aggregate import aggregate
from pks_geo.stats.hotspots import HotspotOptions, area_features, compute_hotspots
from pks_geo.stats.weights import AreaWeights, area_weights

WINDOWS = ("month", "stage")
CONFIDENCE_BIN = {90: 1, 95: 2, 99: 3}
MIN_WINDOWS = 3
MAX_WINDOWS = 120
PATTERN_SHARE = 0.9
TREND_ALPHA = 0.05

STAGES_SQL = text("""
SELECT stage, start_date, end_date FROM election_stage WHERE election_code = :e ORDER BY start_date, stage
""")
RANGE_SQL = "SELECT min(i.event_date), max(i.event_date) FROM incident i WHERE {where}"
PREVIOUS_SQL = text("""
SELECT p.code FROM election e JOIN election p ON p.voting_day < e.voting_day
WHERE e.code = :e ORDER BY p.voting_day DESC, p.code LIMIT 1
""")


@dataclass(frozen=True)
class Window:
    label: str
    filters: FilterSet
    date_from: date | None = None
    date_to: date | None = None


# --- pure rules -----------------------------------------------------------------------------

def mann_kendall(z: np.ndarray, alpha: float = TREND_ALPHA) -> tuple[str, float, float]:
    """(trend, p, tau) of a z-score series: ``increasing``, ``decreasing`` or ``no trend``."""
    result = pymannkendall.original_test(np.asarray(z, dtype=float), alpha=alpha)
    return str(result.trend), float(result.p), float(result.Tau)


def _trailing_run(flags: np.ndarray) -> int:
    run = 0
    for flag in flags[::-1]:
        if not flag:
            break
        run += 1
    return run


def _pattern(hot: np.ndarray, cold: np.ndarray, stronger: bool, weaker: bool) -> str | None:
    """Pattern of ``hot`` windows (see the module table); None when it ends not hot and is rare."""
    share = hot.mean()
    if not hot[-1]:
        return "historical" if share >= PATTERN_SHARE else None
    if share >= PATTERN_SHARE:
        return "intensifying" if stronger else "diminishing" if weaker else "persistent"
    if cold[:-1].any():
        return "oscillating"
    if not hot[:-1].any():
        return "new"
    run = _trailing_run(hot)
    if run >= 2 and not hot[: len(hot) - run].any():
        return "consecutive"
    return "sporadic"


def classify(signs: list[int] | np.ndarray, trend: str) -> str:
    """Category of one area from its per-window significance (+1 hot, -1 cold, 0) and trend."""
    s = np.sign(np.asarray(signs, dtype=int))
    hot, cold = s > 0, s < 0
    if len(s) == 0:
        return "no_pattern"
    up, down = trend == "increasing", trend == "decreasing"
    if cold[-1]:
        pattern = _pattern(cold, hot, stronger=down, weaker=up)
        return f"{pattern}_cold"
    pattern = _pattern(hot, cold, stronger=up, weaker=down)
    if pattern is not None:
        return f"{pattern}_hot"
    pattern = _pattern(cold, hot, stronger=down, weaker=up)
    return f"{pattern}_cold" if pattern is not None else "no_pattern"


# --- windows --------------------------------------------------------------------------------

def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def month_windows(engine: Engine, filters: FilterSet) -> list[Window]:
    """One window per calendar month over ``from``..``to`` (else the filtered data's range)."""
    start, end = filters.date_from, filters.date_to
    if start is None or end is None:
        where, params = filters.incident_where("i")
        with engine.connect() as conn:
            first, last = conn.execute(text(RANGE_SQL.format(where=where)), params).one()
        start, end = start or first, end or last
    if start is None or end is None:
        return []
    windows: list[Window] = []
    month = _month_start(start)
    while month <= end and len(windows) <= MAX_WINDOWS:
        last_day = _next_month(month) - timedelta(days=1)
        lo, hi = max(month, start), min(last_day, end)
        windows.append(Window(month.strftime("%Y-%m"), replace(filters, date_from=lo, date_to=hi), lo, hi))
        month = _next_month(month)
    return windows


def stage_windows(engine: Engine, filters: FilterSet) -> list[Window]:
    """The stages of ``filters.election`` in calendar order (incidents tagged with each)."""
    if not filters.election:
        raise ParameterError("election", "window=stage needs an election (election=CODE)")
    if filters.stage:
        raise ParameterError("stage", "window=stage analyses every stage; drop the stage filter")
    with engine.connect() as conn:
        rows = conn.execute(STAGES_SQL, {"e": filters.election}).all()
    return [Window(stage, replace(filters, stage=stage), start, end) for stage, start, end in rows]


def time_windows(engine: Engine, filters: FilterSet, window: str) -> list[Window]:
    if window not in WINDOWS:
        raise ParameterError("window", f"unknown window {window!r}; expected one of {', '.join(WINDOWS)}")
    windows = month_windows(engine, filters) if window == "month" else stage_windows(engine, filters)
    if len(windows) > MAX_WINDOWS:
        raise ParameterError("window", f"more than {MAX_WINDOWS} windows: narrow from/to")
    if len(windows) < MIN_WINDOWS:
        raise ParameterError("window", f"a trend needs at least {MIN_WINDOWS} windows, this selection "
                                       f"has {len(windows)}")
    return windows


# --- analysis -------------------------------------------------------------------------------

@dataclass
class EmergingResult:
    window: str
    confidence: int
    options: HotspotOptions
    windows: list[dict[str, object]]
    table: pd.DataFrame
    """Index ``kode``: nama, n_incidents, category, trend, trend_p, tau, n_hot, n_cold, bins, z."""
    weights: str = "queen"
    insufficient_data: bool = False
    extra: dict[str, object] = field(default_factory=dict)

    def meta(self) -> dict[str, object]:
        return {"method": "gi_star", "inference": self.options.inference, "window": self.window,
                "confidence": self.confidence, "weights": self.weights,
                "permutations": self.options.permutations if self.options.inference == "permutation" else 0,
                "seed": self.options.seed, "fdr": self.options.fdr,
                "min_incidents": self.options.min_incidents,
                "n_incidents": int(pd.to_numeric(self.table["n_incidents"]).fillna(0).sum())
                if len(self.table) else 0,
                "insufficient_data": self.insufficient_data, "windows": self.windows, **self.extra}


def _signs(bins: pd.Series, confidence: int) -> np.ndarray:
    level = CONFIDENCE_BIN[confidence]
    b = pd.to_numeric(bins, errors="coerce").fillna(0).to_numpy()
    return np.where(b >= level, 1, np.where(b <= -level, -1, 0))


def _gi_window(engine: Engine, level: str, metric: str, filters: FilterSet, weights: AreaWeights,
               options: HotspotOptions, smooth: str | None):  # type: ignore[no-untyped-def]
    frame = aggregate(engine, level, metric, filters, smooth)
    return compute_hotspots(frame, weights, replace(options, method="gi_star"))


def emerging_hotspots(engine: Engine, level: str, metric: str, filters: FilterSet, window: str,
                      options: HotspotOptions, confidence: int = 95,
                      smooth: str | None = None) -> EmergingResult:
    """Gi* per window, Mann–Kendall per area and the pattern category of each area."""
    if confidence not in CONFIDENCE_BIN:
        raise ParameterError("confidence", "confidence must be 90, 95 or 99")
    windows = time_windows(engine, filters, window)
    weights = area_weights(engine, level, options.weights, options.band_m)
    z_columns: list[Any] = []
    sign_columns: list[Any] = []
    infos: list[dict[str, Any]] = []
    base: Any = None
    for w in windows:
        result = _gi_window(engine, level, metric, w.filters, weights, options, smooth)
        table = result.table
        base = table[["nama"]].assign(n_incidents=0) if base is None else base
        base["n_incidents"] += table["n_incidents"].astype(int)
        z = pd.to_numeric(table["gi_z"], errors="coerce").fillna(0.0)
        z_columns.append(z.to_numpy())
        sign_columns.append(_signs(table["gi_bin"], confidence))
        infos.append({"label": w.label, "from": w.date_from.isoformat() if w.date_from else None,
                      "to": w.date_to.isoformat() if w.date_to else None,
                      "n_incidents": result.n_incidents, "insufficient_data": result.insufficient_data,
                      "permutations": result.permutations_run, "p_cut_95": result.p_cut,
                      "n_hot": int((sign_columns[-1] > 0).sum()), "n_cold": int((sign_columns[-1] < 0).sum()),
                      "note": result.note})
    z_matrix, sign_matrix = np.column_stack(z_columns), np.column_stack(sign_columns)
    out = base.copy()
    trends = [mann_kendall(row) for row in z_matrix]
    out["category"] = [classify(signs, trend)
                       for signs, (trend, _, _) in zip(sign_matrix, trends, strict=True)]
    out["trend"] = [t for t, _, _ in trends]
    out["trend_p"] = [round(p, 6) for _, p, _ in trends]
    out["tau"] = [round(tau, 4) for _, _, tau in trends]
    out["n_hot"] = (sign_matrix > 0).sum(axis=1)
    out["n_cold"] = (sign_matrix < 0).sum(axis=1)
    out["bins"] = [list(map(int, row)) for row in sign_matrix]
    out["z"] = [[round(float(v), 4) for v in row] for row in z_matrix]
    total = int(out["n_incidents"].sum())
    return EmergingResult(window, confidence, options, infos, out, weights.describe(),
                          insufficient_data=total < options.min_incidents)


CHANGES = {(1, 1): "still_hot", (0, 1): "new_hot", (1, 0): "no_longer_hot",
           (-1, -1): "still_cold", (0, -1): "new_cold", (-1, 0): "no_longer_cold",
           (1, -1): "hot_to_cold", (-1, 1): "cold_to_hot", (0, 0): "none"}


def disclosed(result: EmergingResult, disclosure: Disclosure) -> EmergingResult:
    """Below analyst: an area's incident count of 1 .. min_cell-1 and a window's or the whole
    period's total that small are null (the categories and z series stay: they are statistics
    over all areas)."""
    if not disclosure.active:
        return result
    table = result.table.copy()
    hidden = disclosure.area_mask(table["n_incidents"])
    table["n_incidents"] = table["n_incidents"].astype(object).where(~hidden, None)
    table["suppressed"] = hidden
    windows = [{**w, "n_incidents": disclosure.count(w["n_incidents"])} for w in result.windows]
    if result.window == "month":  # whole months: the first and last window end at single incidents' days
        for w in windows:
            first = date.fromisoformat(w["label"] + "-01")
            w["from"], w["to"] = first.isoformat(), (_next_month(first) - timedelta(days=1)).isoformat()
    total = int(result.table["n_incidents"].sum()) if len(result.table) else 0
    return replace(result, table=table, windows=windows,
                   extra={**result.extra, "n_incidents": disclosure.count(total)})


def previous_election(engine: Engine, election: str) -> str | None:
    with engine.connect() as conn:
        return conn.execute(PREVIOUS_SQL, {"e": election}).scalar()


def compare_periods(engine: Engine, level: str, metric: str, previous: FilterSet, current: FilterSet,
                    options: HotspotOptions, confidence: int = 95, smooth: str | None = None,
                    disclosure: Disclosure = EXACT) -> pd.DataFrame:
    """Gi* in two periods and what changed per area (see the module doc).

    Below analyst (``disclosure``) a period's value of an area with 1 .. min_cell-1 incidents
    is null (``suppressed_previous``/``suppressed_current``), and so is the difference."""
    if confidence not in CONFIDENCE_BIN:
        raise ParameterError("confidence", "confidence must be 90, 95 or 99")
    weights = area_weights(engine, level, options.weights, options.band_m)
    before = _gi_window(engine, level, metric, previous, weights, options, smooth)
    after = _gi_window(engine, level, metric, current, weights, options, smooth)
    out = after.table[["nama"]].copy()
    hide_before = disclosure.area_mask(before.table["n_incidents"], before.table["value"], metric)
    hide_after = disclosure.area_mask(after.table["n_incidents"], after.table["value"], metric)
    out["value_previous"] = pd.to_numeric(before.table["value"], errors="coerce").where(~hide_before)
    out["value_current"] = pd.to_numeric(after.table["value"], errors="coerce").where(~hide_after)
    out["difference"] = out["value_current"] - out["value_previous"]
    if disclosure.active:
        out["suppressed_previous"], out["suppressed_current"] = hide_before, hide_after
    out["gi_z_previous"], out["gi_z_current"] = before.table["gi_z"], after.table["gi_z"]
    out["gi_bin_previous"], out["gi_bin_current"] = before.table["gi_bin"], after.table["gi_bin"]
    s_before, s_after = _signs(before.table["gi_bin"], confidence), _signs(after.table["gi_bin"], confidence)
    out["change"] = [CHANGES[(int(a), int(b))] for a, b in zip(s_before, s_after, strict=True)]
    out.attrs.update(previous=hs.disclosed(before, disclosure, metric).meta(),
                     current=hs.disclosed(after, disclosure, metric).meta())
    return out


def feature_collection(table: pd.DataFrame, geometries: dict[str, str],
                       meta: dict[str, object]) -> dict[str, object]:
    """Per-area rows of an emerging or comparison result as a FeatureCollection."""
    return {"type": "FeatureCollection", **meta, "features": area_features(table, geometries)}
