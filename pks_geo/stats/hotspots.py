"""Local hot-spot statistics on area values: Getis-Ord Gi* and local Moran's I (LISA).

Both statistics come from PySAL ``esda``; this module fixes the conventions around them so
that every caller (API, emerging hot spots, benchmarks) reports the same thing.

Conventions (also in docs/statistics.md, section "Hot-spot statistics"):

* **Gi\\*** is Getis & Ord's (1992) statistic with binary weights and the area itself
  included (self-weight 1), as in ArcGIS; its z-score equals esda's ``G_Local(star=True,
  transform="B").Zs`` and R ``spdep::localG`` on the same weights (both tested).
* **Significance** (``inference``): ``analytic`` (the default) takes a two-sided p from
  the Gi* z under the normal approximation, as ArcGIS's Hot Spot Analysis does;
  ``permutation`` uses esda's conditional permutations with a fixed
  ``seed`` and our two-sided tie-aware pseudo p (:func:`permutation_p`). Why analytic for Gi*:
  a conditional permutation holds the area's own value fixed, so for Gi* (which includes the
  area) its own count is no evidence, and the p floor ``2 / (R + 1)`` makes FDR unattainable
  (see :mod:`pks_geo.stats.significance`).
* ``p_fdr`` is the Benjamini–Hochberg adjustment of ``p_value`` over all areas analysed.
  Bins use ``p_fdr`` when ``fdr`` is on (default), else ``p_value``. With ``permutation`` and
  FDR the permutation count is raised until one area at the floor could pass (or as far as
  memory allows, with a ``note`` saying so).
* ``gi_bin`` is -3..3: ±3 / ±2 / ±1 when the p used is ≤ 0.01 / 0.05 / 0.10 (99 / 95 / 90 %
  confidence), the sign taken from ``gi_z`` (+ hot, - cold), 0 otherwise (ArcGIS's Gi_Bin).
* **LISA** is Anselin's (1995) local Moran's I on row-standardised weights,
  ``I_i = z_i / m2 * sum_j w_ij z_j`` with ``m2 = sum z^2 / n`` (esda's ``Is`` times
  ``n / (n - 1)``, equal to ``spdep::localmoran``'s ``Ii``). Default ``analytic``: z from the
  conditional-randomisation moments of Sokal et al. (1998), as ``spdep::localmoran`` computes
  by default (the exact mean and variance of the conditional permutation distribution, with
  a normal tail); ``permutation`` runs 9,999 draws (raised for FDR).
  ``quadrant`` is HH / LH / LL / HL; ``lisa_cluster``
  is the quadrant where the p used is ≤ 0.05, else ``ns``.
* **Thin data.** With fewer than ``min_incidents`` incidents in total (default 10), or when
  every area has the same value, the result is flagged ``insufficient_data`` and carries
  values but no statistics or bins: any pattern there would be noise.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import orjson
import pandas as pd
from esda import G_Local, Moran_Local
from libpysal.weights import W
from scipy.sparse import csr_matrix
from sqlalchemy import Engine

from pks_geo.queries.disclosure import EXACT, Disclosure
from pks_geo.queries.filters import FilterSet
from pks_geo.queries.params import ParameterError, check_choice, parse_bool, parse_number, single_value
from pks_geo.stats import significance as sig
from pks_geo.stats.aggregate import aggregate, check_metric
from pks_geo.stats.weights import BAND_RANGE_M, WEIGHT_KINDS, AreaWeights, area_weights

METHODS = ("gi_star", "lisa")
INFERENCES = sig.INFERENCES
DEFAULT_INFERENCE = {"gi_star": "analytic", "lisa": "analytic"}
"""LISA too: on 24 planted clusters of 6 and 10 Konawe Selatan desa the conditional moments
found every member, 14,039 permutations (the FDR minimum at 351 desa, ~0.5 s) missed 1-3 edge
members in 9 of them; on Poisson noise both flag well under one desa per map (docs/statistics.md)."""
DEFAULT_PERMUTATIONS = 999
"""Default draws for Gi* with ``inference=permutation`` (raised for FDR, see below)."""
DEFAULT_LISA_PERMUTATIONS = 9999
"""LISA's default count with ``inference=permutation`` (0.2 s at 351 desa with numba, measured);
raised further for FDR when needed (14,039 at 351 desa, 0.5 s)."""
PERMUTATION_RANGE = (99, 9999)
DEFAULT_SEED = 12345
DEFAULT_MIN_INCIDENTS = 10
CONFIDENCE_LEVELS = ((0.01, 3, 99), (0.05, 2, 95), (0.10, 1, 90))
"""(p threshold, |bin|, confidence %) from the strictest down."""
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
"""esda's ``Moran_Local.q`` codes (geoda_quads=False)."""

GI_COLUMNS = ["gi_z", "p_value", "p_fdr", "gi_bin", "confidence"]
LISA_COLUMNS = ["lisa_i", "lisa_z", "quadrant", "p_value", "p_fdr", "lisa_cluster", "confidence"]
fdr_adjust = sig.fdr_adjust


def permutation_p(observed: np.ndarray, simulated: np.ndarray) -> np.ndarray:
    """Two-sided pseudo p-value per row: ``min(1, 2 * min(P_low, P_high))`` with
    ``P_high = (#{sim >= obs} + 1) / (R + 1)`` and ``P_low = (#{sim <= obs} + 1) / (R + 1)``.

    Ties count against significance in both tails. esda's own ``p_sim`` takes the lower tail
    as ``#{sim < obs}``, which for counts (many areas with 0 incidents, so many tied
    statistics) makes an all-zero neighbourhood look "significantly cold" at p = 1/(R+1).
    A relative tolerance of 1e-9 absorbs floating-point noise between the observed and
    simulated sums.
    """
    obs = np.asarray(observed, dtype=float)[:, None]
    sims = np.asarray(simulated, dtype=float)
    tol = 1e-9 * np.maximum(np.abs(obs), np.abs(sims).max(axis=1, keepdims=True, initial=0.0))
    high = ((sims >= obs - tol).sum(axis=1) + 1.0) / (sims.shape[1] + 1.0)
    low = ((sims <= obs + tol).sum(axis=1) + 1.0) / (sims.shape[1] + 1.0)
    return np.minimum(1.0, 2.0 * np.minimum(high, low))


def confidence_of(p: np.ndarray) -> np.ndarray:
    """99 / 95 / 90 where ``p`` is at most 0.01 / 0.05 / 0.10, else 0."""
    p = np.asarray(p, dtype=float)
    out = np.zeros(p.shape, dtype=int)
    for threshold, _, level in reversed(CONFIDENCE_LEVELS):
        out[p <= threshold] = level
    return out


def gi_bins(p: np.ndarray, z: np.ndarray) -> np.ndarray:
    """ArcGIS-style ``Gi_Bin``: ±3/±2/±1 at 99/95/90 % confidence, sign from ``z``."""
    p = np.asarray(p, dtype=float)
    magnitude = np.zeros(p.shape, dtype=int)
    for threshold, size, _ in reversed(CONFIDENCE_LEVELS):
        magnitude[p <= threshold] = size
    return magnitude * np.sign(np.nan_to_num(np.asarray(z, dtype=float))).astype(int)


def _effective(permutations: int, n: int, fdr: bool) -> tuple[int, str | None]:
    return sig.permutations_for_fdr(permutations, n) if fdr else (permutations, None)


def _binary(weights: AreaWeights | W, self_weight: float = 0.0) -> tuple[csr_matrix, list[str]]:
    """Binary weights as CSR (with ``self_weight`` on the diagonal) plus the id order; cached on
    :class:`AreaWeights` so a request pays only the sparse product."""
    if isinstance(weights, AreaWeights):
        return weights.csr(self_weight), list(weights.ids)
    ids = list(weights.id_order)
    return sig.to_csr(weights.neighbors, ids, self_weight=self_weight), ids


def _esda_gi_star(y: np.ndarray, w: W, permutations: int, seed: int | None) -> G_Local:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(y, w, transform="B", permutations=permutations, star=True,
                       keep_simulations=True, n_jobs=1, seed=seed)


def gi_star(values: np.ndarray, weights: AreaWeights | W, permutations: int = DEFAULT_PERMUTATIONS,
            seed: int | None = DEFAULT_SEED, fdr: bool = True,
            inference: str = "analytic") -> pd.DataFrame:
    """Gi* per area (rows in the weights' id order): gi_z, p_value, p_fdr, gi_bin, confidence.

    ``attrs`` carries ``permutations`` actually run (0 for analytic) and a ``note`` when FDR
    cannot pass any area at that permutation count."""
    y = np.asarray(values, dtype=float)
    star, ids = _binary(weights, self_weight=1.0)
    z = sig.gi_star_z(y, star)
    note, used = None, 0
    if inference == "analytic":
        p = sig.normal_p(z)
    else:
        used, note = _effective(permutations, len(ids), fdr)
        if isinstance(weights, AreaWeights):
            with weights.lock:
                g = _esda_gi_star(y, weights.star_w, used, seed)
        else:
            g = _esda_gi_star(y, weights, used, seed)
        p = permutation_p(g.Gs, g.rGs)
    adjusted = fdr_adjust(p)
    used_p = adjusted if fdr else p
    out = pd.DataFrame({"gi_z": z, "p_value": p, "p_fdr": adjusted,
                        "gi_bin": gi_bins(used_p, z), "confidence": confidence_of(used_p)},
                       index=pd.Index(ids, name="kode"))
    out.attrs.update(permutations=used, note=note, raw_p=p)
    return out


def _quadrants(z: np.ndarray, lag: np.ndarray) -> np.ndarray:
    """HH / LH / LL / HL exactly as esda's ``Moran_Local.q`` (zero counts as low)."""
    high, lag_high = z > 0, lag > 0
    return np.where(high & lag_high, "HH", np.where(~high & lag_high, "LH",
                    np.where(~high & ~lag_high, "LL", "HL"))).astype(object)


def lisa_analytic(y: np.ndarray, binary: csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(I_i, z, lag of z) with row-standardised weights and the conditional moments of Sokal et
    al. (1998), as R ``spdep::localmoran`` computes them by default (``conditional=TRUE``,
    ``mlvar=TRUE``)."""
    y = np.asarray(y, dtype=float)
    n = y.size
    k = np.asarray(binary.sum(axis=1)).ravel()
    row = binary.multiply(1.0 / np.where(k > 0, k, 1.0)[:, None]).tocsr()
    z = y - y.mean()
    m2 = (z @ z) / n
    lag = row @ z
    ii = z / m2 * lag
    wi = np.asarray(row.sum(axis=1)).ravel()
    wi2 = np.asarray(row.multiply(row).sum(axis=1)).ravel()
    expected = -(z ** 2 * wi) / ((n - 1) * m2)
    variance = (z / m2) ** 2 * (n / (n - 2)) * (wi2 - wi ** 2 / (n - 1)) * (m2 - z ** 2 / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        zscore = np.where(variance > 0, (ii - expected) / np.sqrt(variance), 0.0)
    return ii, zscore, lag


def local_moran(values: np.ndarray, weights: AreaWeights | W, permutations: int = DEFAULT_LISA_PERMUTATIONS,
                seed: int | None = DEFAULT_SEED, fdr: bool = True,
                inference: str = "analytic") -> pd.DataFrame:
    """Local Moran's I per area: lisa_i, lisa_z, quadrant, p_value, p_fdr, lisa_cluster, confidence."""
    y = np.asarray(values, dtype=float)
    binary, ids = _binary(weights)
    n = len(ids)
    note, used = None, 0
    if inference == "analytic":
        ii, zscore, lag = lisa_analytic(y, binary)
        p, quadrant = sig.normal_p(zscore), _quadrants(y - y.mean(), lag)
    else:
        used, note = _effective(permutations, n, fdr)
        w = weights.fresh_w() if isinstance(weights, AreaWeights) else weights  # Moran_Local changes w
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = Moran_Local(y, w, transformation="r", permutations=used, n_jobs=1,
                            keep_simulations=True, seed=seed)
        p = permutation_p(m.Is, m.rlisas)
        ii, zscore = m.Is * n / (n - 1), m.z_sim
        quadrant = np.array([QUADRANTS[int(q)] for q in m.q], dtype=object)
    adjusted = fdr_adjust(p)
    used_p = adjusted if fdr else p
    cluster = np.where(used_p <= 0.05, quadrant, "ns")
    out = pd.DataFrame({"lisa_i": ii, "lisa_z": zscore, "quadrant": quadrant, "p_value": p,
                        "p_fdr": adjusted, "lisa_cluster": cluster, "confidence": confidence_of(used_p)},
                       index=pd.Index(ids, name="kode"))
    out.attrs.update(permutations=used, note=note, raw_p=p)
    return out


@dataclass(frozen=True)
class HotspotOptions:
    """Validated parameters of one hot-spot run (the API builds this from the query string).

    ``inference`` and ``permutations`` left as None take the method's defaults
    (:data:`DEFAULT_INFERENCE`; 999 for Gi*, 9,999 for LISA)."""

    method: str = "gi_star"
    weights: str = "queen"
    band_m: float | None = None
    permutations: int | None = None
    seed: int = DEFAULT_SEED
    fdr: bool = True
    min_incidents: int = DEFAULT_MIN_INCIDENTS
    inference: str | None = None

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        if self.inference is None:
            object.__setattr__(self, "inference", DEFAULT_INFERENCE[self.method])
        if self.inference not in INFERENCES:
            raise ValueError(f"inference must be one of {', '.join(INFERENCES)}")
        permutations = self.permutations
        if permutations is None:
            permutations = DEFAULT_PERMUTATIONS if self.method == "gi_star" else DEFAULT_LISA_PERMUTATIONS
            object.__setattr__(self, "permutations", permutations)
        low, high = PERMUTATION_RANGE
        if not low <= permutations <= high:
            raise ValueError(f"permutations must be between {low} and {high}")


@dataclass
class HotspotResult:
    """Per-area statistics plus what a reader needs to judge them."""

    method: str
    weights: str
    permutations: int
    seed: int
    fdr: bool
    n_incidents: int
    min_incidents: int
    insufficient_data: bool
    table: pd.DataFrame
    """Index ``kode``; ``nama``, ``value``, ``n_incidents`` and the method's columns."""
    reason: str | None = None
    added_links: list[tuple[str, str, float]] = field(default_factory=list)
    inference: str = "analytic"
    permutations_run: int = 0
    """Permutations actually drawn (0 for analytic; raised above ``permutations`` for FDR)."""
    note: str | None = None
    reason_code: str | None = None
    neighbours: dict[str, list[str]] = field(default_factory=dict)
    """Neighbours of each analysed area (self excluded; island links included). The cached
    weights' own lists, not a copy: read only."""
    p_cut: float | None = None
    """Largest raw p significant at 95 % (the BH cut with FDR, else 0.05); None: none."""
    suppressed_label: str | None = None
    """Set by :func:`disclosed`: how a suppressed value reads ("< 3 (disamarkan)")."""

    def counts(self) -> dict[str, dict[str, int]]:
        """Areas per class: Gi* ``hot``/``cold`` by confidence (99/95/90), LISA by cluster."""
        if self.insufficient_data:
            return {}
        if self.method == "gi_star":
            bins = pd.to_numeric(self.table["gi_bin"], errors="coerce").fillna(0).astype(int)
            return {side: {str(level): int((bins == sign * size).sum())
                           for _, size, level in CONFIDENCE_LEVELS}
                    for side, sign in (("hot", 1), ("cold", -1))}
        clusters = self.table["lisa_cluster"].fillna("ns")
        return {"clusters": {q: int((clusters == q).sum()) for q in ("HH", "LL", "HL", "LH")}}

    def significance(self) -> dict[str, Any]:
        """How significance was computed, in fields (the legend and the side panel use these)."""
        n_areas = int(pd.to_numeric(self.table.get("p_value"), errors="coerce").notna().sum())
        run = self.permutations_run
        return {"inference": self.inference, "permutations": run, "permutations_requested": self.permutations,
                "min_p": round(sig.min_p(run), 8) if run else None, "fdr": self.fdr,
                "alpha": sig.ALPHA, "n_areas_tested": n_areas, "p_cut_95": self.p_cut,
                "fdr_min_areas": (sig.areas_needed_at_floor(run, n_areas) if run and self.fdr and n_areas
                                  else 1 if self.fdr else None),
                "counts": self.counts(), "note": self.note}

    def meta(self) -> dict[str, object]:
        run = self.permutations_run
        return {"method": self.method, "inference": self.inference, "weights": self.weights,
                "permutations": run,
                "min_p": round(sig.min_p(run), 6) if run else None,
                "seed": self.seed, "fdr": self.fdr, "n_incidents": self.n_incidents,
                "min_incidents": self.min_incidents, "insufficient_data": self.insufficient_data,
                "reason": self.reason, "significance": self.significance(),
                "joined_links": [{"from": a, "to": b, "distance_m": d} for a, b, d in self.added_links]}


def _thin(n_incidents: int, values: np.ndarray, options: HotspotOptions) -> tuple[str | None, str | None]:
    if n_incidents < options.min_incidents:
        return "few_incidents", f"{n_incidents} incidents, fewer than the minimum of {options.min_incidents}"
    if values.size < 3:
        return "few_areas", "fewer than 3 areas have a value"
    if np.ptp(values) == 0:
        return "no_variation", "every area has the same value"
    return None, None


def compute_hotspots(frame: pd.DataFrame, weights: AreaWeights, options: HotspotOptions) -> HotspotResult:
    """Run ``options.method`` on ``frame`` (columns kode, nama, value, n_incidents).

    Areas whose value is missing (a rate without a denominator) are left out of the test and
    reported with empty statistics; the weights are restricted to the rest (islands re-joined).
    """
    assert options.permutations is not None and options.inference is not None  # set by __post_init__
    table = frame.set_index("kode")[["nama", "value", "n_incidents"]].copy()
    columns = GI_COLUMNS if options.method == "gi_star" else LISA_COLUMNS
    for column in columns:
        table[column] = None
    n_incidents = int(pd.to_numeric(table["n_incidents"], errors="coerce").fillna(0).sum())
    numeric = pd.to_numeric(table["value"], errors="coerce").to_numpy(dtype=float)
    has_value = ~np.isnan(numeric)
    everyone = bool(has_value.all())
    kodes = table.index.to_numpy(dtype=object)
    usable = kodes.tolist() if everyone else kodes[has_value].tolist()
    values = numeric[has_value]
    code, reason = _thin(n_incidents, values, options)
    sub = weights.subset(usable) if not reason else weights
    result = HotspotResult(options.method, weights.describe(), options.permutations, options.seed,
                           options.fdr, n_incidents, options.min_incidents, reason is not None,
                           table, reason, list(sub.added), inference=options.inference,
                           reason_code=code, neighbours=sub.neighbors)
    if reason:
        return result
    run = gi_star if options.method == "gi_star" else local_moran
    stats = run(values, sub, options.permutations, options.seed, options.fdr, options.inference)
    if everyone and sub.ids == usable:  # the usual case: plain column assignment,
        for column in columns:                     # label alignment costs 40 ms at 2,283 desa
            table[column] = stats[column].to_numpy()
    else:
        table.loc[stats.index, columns] = stats[columns].to_numpy(dtype=object)
    result.permutations_run, result.note = stats.attrs["permutations"], stats.attrs["note"]
    raw = stats.attrs["raw_p"]
    result.p_cut = sig.fdr_cut(raw) if options.fdr else (0.05 if (raw <= 0.05).any() else None)
    return result


def hotspots(engine: Engine, level: str, metric: str, filters: FilterSet, options: HotspotOptions,
             smooth: str | None = None) -> HotspotResult:
    """Hot spots of the choropleth ``metric`` at ``level`` under ``filters``."""
    frame = aggregate(engine, level, metric, filters, smooth)
    weights = area_weights(engine, level, options.weights, options.band_m)
    return compute_hotspots(frame, weights, options)


def disclosed(result: HotspotResult, disclosure: Disclosure, metric: str, lang: str = "id") -> HotspotResult:
    """The result as ``disclosure`` lets it be shown: below analyst an area of 1 .. min_cell-1
    incidents keeps its statistics (computed from all areas) but loses its ``value`` and
    ``n_incidents`` (``suppressed`` true), in its own row, in its neighbours' lists and in the
    sentences; a total that small is suppressed too."""
    if not disclosure.active:
        return result
    table = result.table.copy()
    hidden = disclosure.area_mask(table["n_incidents"], table["value"], metric)
    table["value"] = pd.to_numeric(table["value"], errors="coerce").where(~hidden)
    table["n_incidents"] = table["n_incidents"].astype(object).where(~hidden, None)
    table["suppressed"] = hidden
    total = disclosure.count(result.n_incidents)
    reason = result.reason
    if result.reason_code == "few_incidents":
        shown = total if total is not None else disclosure.label("en")
        reason = f"{shown} incidents, fewer than the minimum of {result.min_incidents}"
    return replace(result, table=table, n_incidents=total, reason=reason,
                   suppressed_label=disclosure.label(lang))


def plain(value: Any) -> Any:
    """A JSON-ready Python value: NaN/NA -> None, numpy scalars -> int/float, lists kept."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def area_features(table: pd.DataFrame, geometries: dict[str, str]) -> list[dict[str, Any]]:
    """One RFC 7946 Feature per row of ``table`` (index ``kode``) with its stored geometry."""
    columns = list(table.columns)
    features = []
    for kode, row in zip(table.index, table.itertuples(index=False, name=None), strict=True):
        properties = {"kode": kode, **{c: plain(v) for c, v in zip(columns, row, strict=True)}}
        features.append({"type": "Feature", "id": kode, "geometry": orjson.Fragment(geometries[kode]),
                         "properties": properties})
    return features


def feature_collection(result: HotspotResult, geometries: dict[str, str], lang: str = "id",
                       level: str | None = None, disclosure: Disclosure = EXACT,
                       **extra: Any) -> dict[str, Any]:
    """The result as a FeatureCollection whose foreign members describe the method and how
    significance was computed (``significance``: fields plus the legend's ``summary`` line and
    the ``rule``); every feature carries its ``neighbours`` and a one-sentence ``explanation``."""
    from pks_geo.stats import hotspot_text  # the text module imports this one

    result = disclosed(result, disclosure, str(extra.get("metric") or "count"), lang)
    return {"type": "FeatureCollection", **result.meta(), "disclosure": disclosure.meta(),
            "significance": hotspot_text.significance_members(result, lang, level), "level": level, **extra,
            "features": area_features(hotspot_text.explained_table(result, lang), geometries)}


# --- request parameters (GET /api/v1/hotspots, /emerging, /emerging/compare and the hotspots export) ---

STAT_PARAMETERS = ("metric", "smooth", "method", "inference", "permutations", "fdr", "seed", "weights",
                   "band_m", "min_incidents")
"""Parameter names read by :func:`parse_metric` and :func:`parse_options` (besides the filters)."""


def parse_metric(args: Mapping[str, Any]) -> tuple[str, str | None]:
    """``metric`` (default ``count``) and ``smooth``, checked together."""
    metric, smooth = single_value(args, "metric") or "count", single_value(args, "smooth")
    check_metric(metric, smooth)
    return metric, smooth


def parse_options(args: Mapping[str, Any], method_allowed: tuple[str, ...] = METHODS) -> HotspotOptions:
    """The hot-spot options of a request or export (names, defaults and limits in one place)."""
    def number(name: str, kind: Any, default: Any, low: float, high: float) -> Any:
        return parse_number(name, single_value(args, name), kind, default, low, high)

    kind = check_choice("weights", single_value(args, "weights") or "queen", WEIGHT_KINDS)
    band = number("band_m", float, None, *BAND_RANGE_M)
    if kind == "distance" and band is None:
        raise ParameterError("band_m", "weights=distance needs band_m (metres)")
    if kind != "distance" and band is not None:
        raise ParameterError("band_m", "band_m applies only to weights=distance")
    low, high = PERMUTATION_RANGE
    method = check_choice("method", single_value(args, "method") or "gi_star", method_allowed)
    inference = check_choice("inference", single_value(args, "inference") or DEFAULT_INFERENCE[str(method)],
                             INFERENCES)
    return HotspotOptions(
        method=str(method), weights=str(kind), band_m=band, inference=inference,
        permutations=number("permutations", int, None, low, high),
        seed=number("seed", int, DEFAULT_SEED, 0, 2**32 - 1),
        fdr=parse_bool(single_value(args, "fdr") or "true", "fdr"),
        min_incidents=number("min_incidents", int, DEFAULT_MIN_INCIDENTS, 1, 1_000_000))
