"""How the hot-spot statistics decide "significant": analytic Gi* p-values, Benjamini–Hochberg,
and the permutation counts that make FDR attainable at all.

Why this module exists (issue 12): with 999 conditional permutations the smallest two-sided p
is 0.002, and Benjamini–Hochberg over the 351 desa of Konawe Selatan passes nothing at 5 %
unless at least 14 areas sit at that floor, so "FDR on" meant "never" for every real cluster
in a kabupaten. Conditional permutation also holds an area's own value fixed, so for Gi*
(which includes the area itself) the area's own count is no evidence at all. ArcGIS's Hot Spot
Analysis takes p from the Gi* z-score under the normal approximation and applies FDR to those;
that is our default (``inference="analytic"``).

Everything here is plain numpy/scipy on arrays; :mod:`pks_geo.stats.hotspots` wires it to
areas, options and results.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.sparse import csr_matrix
from scipy.stats import false_discovery_control, norm

INFERENCES = ("analytic", "permutation")
ALPHA = 0.05
"""The confidence the headline counts and the FDR rule are stated at (95 %)."""
AUTO_PERMUTATIONS_MAX = 99_999
AUTO_BUDGET = 20_000_000
"""Most area x permutation draws one request may make when permutations are raised for FDR:
esda keeps every simulated statistic (8 bytes each), so this bounds memory to ~160 MB."""


def gi_star_z(y: np.ndarray, star: csr_matrix) -> np.ndarray:
    """Getis–Ord Gi* z-scores for binary weights ``star`` that include each area itself.

    ``z_i = (sum_j w_ij y_j - ybar W_i) / (S sqrt((n S2_i - W_i^2) / (n - 1)))`` with
    ``W_i = sum_j w_ij``, ``S2_i = sum_j w_ij^2``, ``S`` the population standard deviation
    (Getis & Ord 1992; Ord & Getis 1995; ArcGIS). Equal to esda's ``G_Local(star=True,
    transform="B").Zs`` and to R ``spdep::localG`` on the same weights (tested against both),
    but computed with one sparse product instead of esda's object set-up.
    """
    y = np.asarray(y, dtype=float)
    n = y.size
    rows = np.repeat(np.arange(n), np.diff(star.indptr))
    wsum = np.bincount(rows, weights=star.data, minlength=n)
    w2sum = np.bincount(rows, weights=star.data * star.data, minlength=n)
    ybar = y.mean()
    s = math.sqrt(max((y @ y) / n - ybar * ybar, 0.0))
    if s == 0.0 or n < 2:
        return np.zeros(n)
    denominator = s * np.sqrt(np.maximum(n * w2sum - wsum ** 2, 0.0) / (n - 1))
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (star @ y - ybar * wsum) / denominator
    return np.where(denominator > 0, z, 0.0)


def normal_p(z: np.ndarray) -> np.ndarray:
    """Two-sided p-value of a standard-normal z: ``2 * (1 - Phi(|z|))`` (exact in the tails)."""
    return np.minimum(1.0, 2.0 * norm.sf(np.abs(np.asarray(z, dtype=float))))


def fdr_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p, dtype=float)
    if p.size == 0:
        return p
    return false_discovery_control(p, method="bh")


def fdr_cut(p: np.ndarray, alpha: float = ALPHA) -> float | None:
    """The largest raw p that Benjamini–Hochberg passes at ``alpha`` (None: nothing passes).

    This is the threshold actually applied to the raw p-values: an area is significant at
    ``alpha`` after FDR exactly when its raw p is at most this value."""
    p = np.sort(np.asarray(p, dtype=float))
    if p.size == 0:
        return None
    ok = p <= alpha * np.arange(1, p.size + 1) / p.size
    if not ok.any():
        return None
    return float(p[np.flatnonzero(ok).max()])


def min_p(permutations: int) -> float:
    """Smallest attainable two-sided pseudo p with ``permutations`` draws."""
    return 2.0 / (permutations + 1)


def areas_needed_at_floor(permutations: int, n_areas: int, alpha: float = ALPHA) -> int:
    """How many areas must sit at the smallest attainable p before BH passes any at ``alpha``."""
    return max(1, math.ceil(min_p(permutations) * n_areas / alpha - 1e-9))


def permutations_for_fdr(requested: int, n_areas: int, alpha: float = ALPHA) -> tuple[int, str | None]:
    """Permutations to run so that one area at the floor can pass BH at ``alpha``.

    Needs ``2 / (R + 1) <= alpha / n``, i.e. ``R >= 2n / alpha - 1`` (13,999 + 40 for the 351
    desa of Konawe Selatan; 999 for its 25 kecamatan). Raised up to :data:`AUTO_PERMUTATIONS_MAX`
    and :data:`AUTO_BUDGET`; when that is not enough the count is raised as far as allowed and
    the second element says in one sentence why not every area can reach significance."""
    needed = math.ceil(2.0 * n_areas / alpha) - 1
    if requested >= needed:
        return requested, None
    allowed = min(AUTO_PERMUTATIONS_MAX, AUTO_BUDGET // max(n_areas, 1))
    used = max(requested, min(needed, allowed))
    if used >= needed:
        return used, None
    k = areas_needed_at_floor(used, n_areas, alpha)
    return used, (f"with {used} permutations the smallest p is {min_p(used):.2g}; Benjamini-Hochberg over "
                  f"{n_areas} areas passes nothing at {round(100 * (1 - alpha))} % unless at least {k} "
                  f"areas reach that floor (use inference=analytic, or fdr=false)")


def to_csr(neighbors: dict[str, list[str]], ids: list[str], self_weight: float = 1.0) -> csr_matrix:
    """Binary weights over ``ids`` as a CSR matrix, with ``self_weight`` on the diagonal."""
    pos = {k: i for i, k in enumerate(ids)}
    rows = [pos[a] for a in ids for b in neighbors[a] if b != a]
    cols = [pos[b] for a in ids for b in neighbors[a] if b != a]
    data = [1.0] * len(rows)
    if self_weight:
        rows += range(len(ids))
        cols += range(len(ids))
        data += [self_weight] * len(ids)
    return csr_matrix((data, (rows, cols)), shape=(len(ids), len(ids)))
