"""Disclosure control: the one policy every aggregate output applies below the ``analyst`` role.

Viewers, anonymous visitors and embed links see aggregates only, and an aggregate of one or
two incidents is not an aggregate: it tells who was where. So, for everyone below ``analyst``
(and for every product made for them: exports, print maps, embeds, self-contained HTML):

- **minimum cell** ``min_cell`` (``PKS_GEO_MIN_CELL``, default 3): a count of 1 .. min_cell-1
  is *suppressed*: ``null`` with ``suppressed: true`` (never 0, never the exact number), and
  so is everything derived from such a cell's incidents (its rate, casualties, kategori
  breakdown, months, dates). Casualty counts (``meninggal``/``luka``) of 1 .. min_cell-1 are
  suppressed the same way. Zero stays zero (nothing happened is not a disclosure).
- **no geometry from fewer than min_cell incidents**: cluster hulls are generalised to the
  union of the 500 m grid squares (UTM 51S) the hull touches, so no vertex is an incident,
  and clusters of fewer than ``min_cell`` incidents are dropped; a heat band part that holds
  fewer than ``min_cell`` incidents is dropped and the heat surface needs at least
  ``min_cell`` incidents in all.
- **no individual dates**: cluster date ranges are given as months.

Analysts and above get exact answers (:attr:`Disclosure.exact`); every cache of an answer is
keyed by :attr:`Disclosure.key` so an exact answer is never served to a viewer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from pks_geo import catalogue

DEFAULT_MIN_CELL = 3
SUPPRESSED_COLOR = "#dadaeb"
"""Fill of a suppressed area on maps and prints (pale violet: neither zero's white nor no data's grey)."""
CLUSTER_GRID_M = 500.0
"""Cluster hulls shown below analyst are unions of grid squares of this size (metres, UTM 51S)."""
COUNT_METRICS = ("count", "meninggal", "luka")
"""Metrics whose values are counts (of incidents or of people): 1 .. min_cell-1 is suppressed."""
LABELS = {lang: catalogue.messages(lang)["disclosure_suppressed"] for lang in catalogue.LANGUAGES}


@dataclass(frozen=True)
class Disclosure:
    """What one answer may disclose: ``exact`` (analyst and above) or aggregates with a minimum cell."""

    min_cell: int = DEFAULT_MIN_CELL
    exact: bool = False

    @classmethod
    def for_role(cls, exact: bool, min_cell: int = DEFAULT_MIN_CELL) -> Disclosure:
        return cls(min_cell=int(min_cell), exact=bool(exact))

    @property
    def active(self) -> bool:
        """Whether anything is suppressed at all (not for analysts; not with a minimum cell of 1)."""
        return not self.exact and self.min_cell > 1

    @property
    def key(self) -> str:
        """Part of every cache key and ETag of an answer that depends on the policy."""
        return "exact" if not self.active else f"min_cell={self.min_cell}"

    def small(self, n: Any) -> bool:
        """True for a count this requester may not see (1 .. min_cell-1)."""
        if not self.active or n is None:
            return False
        try:
            value = float(n)
        except (TypeError, ValueError):
            return False
        return bool(value == value and 0 < value < self.min_cell)

    def count(self, n: Any) -> Any:
        """``n`` itself, or ``None`` when it is a small cell."""
        return None if self.small(n) else n

    def floor(self, requested: int) -> int:
        """A minimum number of incidents raised to the minimum cell below analyst."""
        return requested if not self.active else max(int(requested), self.min_cell)

    def label(self, lang: str = "id") -> str:
        return LABELS.get(lang, LABELS["id"]).format(n=self.min_cell)

    def meta(self) -> dict[str, Any]:
        """The ``disclosure`` member of an answer: which rule was applied."""
        return {"level": "exact" if not self.active else "aggregate", "min_cell": self.min_cell}

    # --- per-area frames ------------------------------------------------------------------

    def area_mask(self, n_incidents: Iterable[Any], values: Iterable[Any] | None = None,
                  metric: str = "count") -> np.ndarray:
        """Boolean mask of the areas to suppress: few incidents, or (count metrics) a small value."""
        n = pd.to_numeric(pd.Series(list(n_incidents)), errors="coerce").to_numpy(dtype=float)
        if not self.active:
            return np.zeros(len(n), dtype=bool)
        mask = (n > 0) & (n < self.min_cell)
        if values is not None and metric in COUNT_METRICS:
            v = pd.to_numeric(pd.Series(list(values)), errors="coerce").to_numpy(dtype=float)
            mask |= (v > 0) & (v < self.min_cell)
        return mask

    def month(self, value: date | None) -> str | None:
        """A date as it may be shown: exact (ISO day) for analysts, else its month (``YYYY-MM``)."""
        if value is None:
            return None
        return value.isoformat() if not self.active else value.strftime("%Y-%m")


EXACT = Disclosure(exact=True)
"""The policy of analysts and above (and of internal computations)."""


def suppressed_count(value: Any, policy: Disclosure) -> tuple[Any, bool]:
    """(shown value, suppressed?) of one count."""
    return (None, True) if policy.small(value) else (value, False)
