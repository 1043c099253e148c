"""Choropleth classes with mapclassify, with zero and no data kept out of the ramp.

Only values above zero are classified (``quantiles``, ``fisher_jenks``, ``equal_interval``
or ``manual`` user breaks, k = 3..9). Zero ("nothing happened here") and no data ("we do
not know") are legend entries of their own with colours of their own, so neither can
end up in, or distort, the top class:

- class 0 is zero; classes 1..k are the classified values above zero, lightest first;
- an area without data has class ``None``.

When the values above zero have fewer distinct values than k, each distinct value gets
its own class (k shrinks); quantiles may also shrink k when breaks coincide. ``manual``
breaks are upper bounds; values above the last one join the top class, whose upper
bound then becomes the maximum. Labels come in Bahasa Indonesia (decimal comma) and
English.

mapclassify is imported lazily: with numba installed its Fisher-Jenks is compiled at
import (about 2 s), which only processes that classify should pay for.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from pks_geo import catalogue, formats
from pks_geo.queries.filters import ParameterError
from pks_geo.stats.palettes import (
    ATTRIBUTION,
    DEFAULT_PALETTE,
    MAX_CLASSES,
    MIN_CLASSES,
    NO_DATA_COLOR,
    NO_DATA_PATTERN,
    SEQUENTIAL,
    ZERO_COLOR,
    class_colors,
)

SCHEMES = ("quantiles", "fisher_jenks", "equal_interval", "manual")
DEFAULT_SCHEME = "quantiles"
DEFAULT_K = 5
LANGUAGES = ("id", "en")
ZERO_LABEL = {"id": "0", "en": "0"}
NO_DATA_LABEL = {lang: catalogue.messages(lang)["legend_no_data_class"] for lang in catalogue.LANGUAGES}


@dataclass
class Classification:
    """Breaks, legend and the class of every value (aligned with the input order)."""

    scheme: str
    palette: str
    k: int
    k_requested: int
    breaks: list[float]
    """Upper bounds of classes 1..k (class i covers breaks[i-2] < v <= breaks[i-1])."""
    labels: dict[str, list[str]]
    """Per language: the label of class 0 (zero) followed by classes 1..k."""
    colors: list[str]
    counts: list[int]
    classes: list[int | None]
    no_data_count: int
    no_data_color: str = NO_DATA_COLOR
    no_data_label: dict[str, str] = field(default_factory=lambda: dict(NO_DATA_LABEL))

    def legend(self, lang: str = "id") -> dict[str, Any]:
        """The legend as the choropleth API returns it (labels in ``lang``)."""
        return {
            "scheme": self.scheme,
            "palette": self.palette,
            "k": self.k,
            "k_requested": self.k_requested,
            "breaks": self.breaks,
            "labels": self.labels[lang],
            "colors": self.colors,
            "counts": self.counts,
            "zero_class": 0,
            "no_data": {"label": self.no_data_label[lang], "color": self.no_data_color,
                        "pattern": NO_DATA_PATTERN, "count": self.no_data_count},
            "attribution": ATTRIBUTION[lang],
        }


def parse_k(value: str | int | None) -> int:
    """k from a request: an integer 3..9 (default 5)."""
    if value is None or value == "":
        return DEFAULT_K
    try:
        k = int(value)
    except (TypeError, ValueError):
        raise ParameterError("k", f"expected a whole number {MIN_CLASSES}-{MAX_CLASSES}, "
                                  f"got {value!r}") from None
    if not MIN_CLASSES <= k <= MAX_CLASSES:
        raise ParameterError("k", f"k must be between {MIN_CLASSES} and {MAX_CLASSES}, got {k}")
    return k


def parse_breaks(value: str | Sequence[float] | None) -> list[float] | None:
    """Manual breaks: 3..9 increasing numbers above zero, e.g. ``"1,5,10,20"``."""
    if value is None or value == "":
        return None
    items = value.split(",") if isinstance(value, str) else list(value)
    try:
        breaks = [float(str(item).strip()) for item in items if str(item).strip()]
    except ValueError:
        raise ParameterError("breaks", f"expected comma-separated numbers, got {value!r}") from None
    if not MIN_CLASSES <= len(breaks) <= MAX_CLASSES:
        raise ParameterError("breaks", f"give {MIN_CLASSES} to {MAX_CLASSES} breaks, got {len(breaks)}")
    if any(not math.isfinite(b) or b <= 0 for b in breaks):
        raise ParameterError("breaks", "breaks must be finite numbers above 0 (zero has its own class)")
    if any(b >= c for b, c in zip(breaks, breaks[1:], strict=False)):
        raise ParameterError("breaks", "breaks must be strictly increasing")
    return breaks


def check_scheme(scheme: str, breaks: list[float] | None, palette: str) -> None:
    if scheme not in SCHEMES:
        raise ParameterError("scheme", f"unknown scheme {scheme!r}; expected one of {', '.join(SCHEMES)}")
    if scheme == "manual" and not breaks:
        raise ParameterError("breaks", "scheme=manual needs breaks, e.g. breaks=1,5,10")
    if scheme != "manual" and breaks:
        raise ParameterError("breaks", "breaks are only used with scheme=manual")
    if palette not in SEQUENTIAL:
        raise ParameterError("palette", f"unknown palette {palette!r}; "
                                        f"expected one of {', '.join(SEQUENTIAL)}")


def classify(values: Sequence[float] | np.ndarray, scheme: str = DEFAULT_SCHEME, k: int = DEFAULT_K,
             breaks: list[float] | None = None, palette: str = DEFAULT_PALETTE,
             integer: bool = False) -> Classification:
    """Classify ``values`` (NaN/None = no data). ``integer`` labels classes as whole-number
    ranges (counts); otherwise as ``> a – b`` intervals."""
    check_scheme(scheme, breaks, palette)
    k_requested = len(breaks) if scheme == "manual" and breaks else parse_k(k)
    y = np.array([np.nan if v is None else v for v in values], dtype="float64")
    no_data = np.isnan(y)
    if np.any(y[~no_data] < 0):
        raise ValueError("choropleth values must not be negative")
    positive = ~no_data & (y > 0)
    bins, yb = _classify_positive(y[positive], scheme, k_requested, breaks)
    classes_arr = np.zeros(len(y), dtype="int64")
    classes_arr[positive] = yb + 1
    classes: list[int | None] = [None if nd else int(c) for nd, c in zip(no_data, classes_arr, strict=True)]
    k_eff = len(bins)
    counts = [int(np.sum(~no_data & (y == 0)))] + [int(np.sum(yb == i)) for i in range(k_eff)]
    labels = {lang: [ZERO_LABEL[lang]] + _labels(bins, integer, lang) for lang in LANGUAGES}
    return Classification(scheme=scheme, palette=palette, k=k_eff, k_requested=k_requested,
                          breaks=[float(b) for b in bins], labels=labels,
                          colors=[ZERO_COLOR] + class_colors(palette, k_eff), counts=counts,
                          classes=classes, no_data_count=int(no_data.sum()))


def _classify_positive(y: np.ndarray, scheme: str, k: int,
                       breaks: list[float] | None) -> tuple[list[float], np.ndarray]:
    """Upper bounds and 0-based class of each value above zero."""
    with warnings.catch_warnings():
        # mapclassify warns when quantile breaks coincide; the shrunken k is reported instead
        warnings.simplefilter("ignore", UserWarning)
        return _run_mapclassify(y, scheme, k, breaks)


def _run_mapclassify(y: np.ndarray, scheme: str, k: int,
                     breaks: list[float] | None) -> tuple[list[float], np.ndarray]:
    import mapclassify as mc

    if scheme == "manual":
        assert breaks is not None
        bins = list(breaks)
        if len(y) == 0:
            return bins, np.zeros(0, dtype="int64")
        yb = np.minimum(mc.UserDefined(y, bins).yb, len(bins) - 1)
        bins[-1] = max(bins[-1], float(y.max()))
        return bins, yb
    unique = np.unique(y)
    if len(unique) == 0:
        return [], np.zeros(0, dtype="int64")
    if len(unique) <= k:
        classifier = mc.UserDefined(y, list(unique))
    elif scheme == "quantiles":
        classifier = mc.Quantiles(y, k=k)
    elif scheme == "fisher_jenks":
        classifier = mc.FisherJenks(y, k=k)
    else:
        classifier = mc.EqualInterval(y, k=k)
    return [float(b) for b in classifier.bins], np.asarray(classifier.yb, dtype="int64")


def format_number(x: float, lang: str, decimals: int) -> str:
    """``1234.5`` -> ``1,234.5`` (en) / ``1.234,5`` (id), by Babel (:mod:`pks_geo.formats`)."""
    return formats.format_number(x, lang, decimals)


def _decimals(bins: list[float]) -> int:
    """Decimals for small numbers (2 below 1, 1 below 100), more when breaks would look equal."""
    top = max(bins)
    start = 2 if top < 1 else 1 if top < 100 else 0
    for decimals in range(start, 4):
        shown = [round(b, decimals) for b in bins]
        if len(set(shown)) == len(shown) and all(s > 0 for s in shown):
            return decimals
    return 3


def _labels(bins: list[float], integer: bool, lang: str) -> list[str]:
    if not bins:
        return []
    if integer and all(math.floor(b) >= math.floor(a) + 1
                       for a, b in zip([0.0] + bins[:-1], bins, strict=True)):
        out = []
        for lower, upper in zip([0.0] + bins[:-1], bins, strict=True):
            lo, hi = math.floor(lower) + 1, math.floor(upper)
            out.append(format_number(lo, lang, 0) if lo == hi
                       else f"{format_number(lo, lang, 0)}–{format_number(hi, lang, 0)}")
        return out
    decimals = _decimals(bins)
    return [f"> {format_number(lower, lang, decimals if lower else 0)} – "
            f"{format_number(upper, lang, decimals)}"
            for lower, upper in zip([0.0] + bins[:-1], bins, strict=True)]
