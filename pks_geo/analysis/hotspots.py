"""Local hot-spot statistics on area values: Getis-Ord Gi* and local Moran's I (LISA).

Both statistics come from PySAL ``esda``; this module fixes the conventions around them so
that every caller (API, emerging hot spots, benchmarks) reports the same thing.

Conventions (also in the README):

* **Gi\\*** is ``esda.G_Local(star=True, transform="B")``: binary weights with the area itself
  included (self-weight 1), as in Getis & Ord (1992) and ArcGIS. With binary weights
  esda's analytical z-score (``Zs``) equals ArcGIS's Gi* z-score; with row standardisation
  it would ignore the sum of squared weights. The permutation p-value is the same under
  either transform (each area's statistic is only rescaled by a constant).
* **Significance** uses esda's conditional permutations (``permutations``, default 999)
  with a fixed ``seed`` so that a result repeats exactly. From esda's simulated statistics we
  compute a **two-sided** pseudo p-value (:func:`permutation_p`) so that "95 %" means what it
  means in ArcGIS's bins, and so that ties (frequent with counts) are not read as extreme.
  The smallest attainable p is ``2 / (permutations + 1)``: 99 % needs at least 199.
* ``p_fdr`` is the Benjamini–Hochberg adjustment of ``p_value`` over all areas analysed
  (``scipy.stats.false_discovery_control``). Bins use ``p_fdr`` when ``fdr`` is on
  (default), else ``p_value``.
* ``gi_bin`` is -3..3: ±3 / ±2 / ±1 when the p used is ≤ 0.01 / 0.05 / 0.10 (99 / 95 / 90 %
  confidence), the sign taken from ``gi_z`` (+ hot, - cold), 0 otherwise.
* **LISA** is ``esda.Moran_Local`` (row-standardised weights). ``quadrant`` is HH / LH / LL /
  HL (value high or low, neighbours' lag high or low); ``lisa_cluster`` is the quadrant where
  the p used is ≤ 0.05, else ``ns``; ``confidence`` is 99 / 95 / 90 / 0 for both methods.
* **Thin data.** With fewer than ``min_incidents`` incidents in total (default 10), or when
  every area has the same value, the result is flagged ``insufficient_data`` and carries
  values but no statistics or bins: any pattern there would be noise.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pandas as pd
from esda import G_Local, Moran_Local
from libpysal.weights import W
from scipy.stats import false_discovery_control
from sqlalchemy import Engine

from pks_geo.analysis.aggregate import aggregate
from pks_geo.analysis.filters import FilterSet
from pks_geo.analysis.weights import AreaWeights, area_weights

METHODS = ("gi_star", "lisa")
DEFAULT_PERMUTATIONS = 999
PERMUTATION_RANGE = (99, 9999)
DEFAULT_SEED = 12345
DEFAULT_MIN_INCIDENTS = 10
CONFIDENCE_LEVELS = ((0.01, 3, 99), (0.05, 2, 95), (0.10, 1, 90))
"""(p threshold, |bin|, confidence %) from the strictest down."""
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
"""esda's ``Moran_Local.q`` codes (geoda_quads=False)."""

GI_COLUMNS = ["gi_z", "p_value", "p_fdr", "gi_bin", "confidence"]
LISA_COLUMNS = ["lisa_i", "lisa_z", "quadrant", "p_value", "p_fdr", "lisa_cluster", "confidence"]


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


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p
    return false_discovery_control(p, method="bh")


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


def _esda_gi_star(y: np.ndarray, w: W, permutations: int, seed: int | None) -> G_Local:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return G_Local(y, w, transform="B", permutations=permutations, star=True,
                       keep_simulations=True, n_jobs=1, seed=seed)


def gi_star(values: np.ndarray, weights: AreaWeights | W, permutations: int = DEFAULT_PERMUTATIONS,
            seed: int | None = DEFAULT_SEED, fdr: bool = True) -> pd.DataFrame:
    """Gi* per area (rows in the weights' id order): gi_z, p_value, p_fdr, gi_bin, confidence."""
    y = np.asarray(values, dtype=float)
    if isinstance(weights, AreaWeights):
        with weights.lock:
            w = weights.star_w
            g = _esda_gi_star(y, w, permutations, seed)
    else:
        w = weights
        g = _esda_gi_star(y, w, permutations, seed)
    p = permutation_p(g.Gs, g.rGs)
    adjusted = fdr_adjust(p)
    used = adjusted if fdr else p
    return pd.DataFrame({"gi_z": g.Zs, "p_value": p, "p_fdr": adjusted,
                         "gi_bin": gi_bins(used, g.Zs), "confidence": confidence_of(used)},
                        index=pd.Index(w.id_order, name="kode"))


def local_moran(values: np.ndarray, weights: AreaWeights | W, permutations: int = DEFAULT_PERMUTATIONS,
                seed: int | None = DEFAULT_SEED, fdr: bool = True) -> pd.DataFrame:
    """Local Moran's I per area: lisa_i, lisa_z, quadrant, p_value, p_fdr, lisa_cluster, confidence."""
    w = weights.fresh_w() if isinstance(weights, AreaWeights) else weights  # Moran_Local changes w
    y = np.asarray(values, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = Moran_Local(y, w, transformation="r", permutations=permutations, n_jobs=1,
                        keep_simulations=True, seed=seed)
    p = permutation_p(m.Is, m.rlisas)
    adjusted = fdr_adjust(p)
    used = adjusted if fdr else p
    quadrant = np.array([QUADRANTS[int(q)] for q in m.q], dtype=object)
    cluster = np.where(used <= 0.05, quadrant, "ns")
    return pd.DataFrame({"lisa_i": m.Is, "lisa_z": m.z_sim, "quadrant": quadrant, "p_value": p,
                         "p_fdr": adjusted, "lisa_cluster": cluster, "confidence": confidence_of(used)},
                        index=pd.Index(w.id_order, name="kode"))


@dataclass(frozen=True)
class HotspotOptions:
    """Validated parameters of one hot-spot run (the API builds this from the query string)."""

    method: str = "gi_star"
    weights: str = "queen"
    band_m: float | None = None
    permutations: int = DEFAULT_PERMUTATIONS
    seed: int = DEFAULT_SEED
    fdr: bool = True
    min_incidents: int = DEFAULT_MIN_INCIDENTS

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}")
        low, high = PERMUTATION_RANGE
        if not low <= self.permutations <= high:
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

    def meta(self) -> dict[str, object]:
        return {"method": self.method, "weights": self.weights, "permutations": self.permutations,
                "min_p": round(2.0 / (self.permutations + 1), 6),
                "seed": self.seed, "fdr": self.fdr, "n_incidents": self.n_incidents,
                "min_incidents": self.min_incidents, "insufficient_data": self.insufficient_data,
                "reason": self.reason,
                "joined_links": [{"from": a, "to": b, "distance_m": d} for a, b, d in self.added_links]}


def compute_hotspots(frame: pd.DataFrame, weights: AreaWeights, options: HotspotOptions) -> HotspotResult:
    """Run ``options.method`` on ``frame`` (columns kode, nama, value, n_incidents).

    Areas whose value is missing (a rate without a denominator) are left out of the test and
    reported with empty statistics; the weights are restricted to the rest (islands re-joined).
    """
    table = frame.set_index("kode")[["nama", "value", "n_incidents"]].copy()
    columns = GI_COLUMNS if options.method == "gi_star" else LISA_COLUMNS
    for column in columns:
        table[column] = None
    n_incidents = int(pd.to_numeric(table["n_incidents"], errors="coerce").fillna(0).sum())
    usable = table.index[pd.to_numeric(table["value"], errors="coerce").notna()].tolist()
    values = table.loc[usable, "value"].astype(float).to_numpy()
    reason = None
    if n_incidents < options.min_incidents:
        reason = f"{n_incidents} incidents, fewer than the minimum of {options.min_incidents}"
    elif len(usable) < 3:
        reason = "fewer than 3 areas have a value"
    elif np.ptp(values) == 0:
        reason = "every area has the same value"
    sub = weights.subset(usable) if not reason else weights
    result = HotspotResult(options.method, weights.describe(), options.permutations, options.seed,
                           options.fdr, n_incidents, options.min_incidents, reason is not None,
                           table, reason, list(sub.added))
    if reason:
        return result
    run = gi_star if options.method == "gi_star" else local_moran
    stats = run(values, sub, options.permutations, options.seed, options.fdr)
    table.loc[stats.index, columns] = stats[columns].to_numpy(dtype=object)
    return result


def hotspots(engine: Engine, level: str, metric: str, filters: FilterSet, options: HotspotOptions,
             smooth: str | None = None) -> HotspotResult:
    """Hot spots of the choropleth ``metric`` at ``level`` under ``filters``."""
    frame = aggregate(engine, level, metric, filters, smooth)
    weights = area_weights(engine, level, options.weights, options.band_m)
    return compute_hotspots(frame, weights, options)


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


def feature_collection(result: HotspotResult, geometries: dict[str, str], **extra: Any) -> dict[str, Any]:
    """The result as a FeatureCollection whose foreign members describe the method."""
    return {"type": "FeatureCollection", **result.meta(), **extra,
            "features": area_features(result.table, geometries)}
