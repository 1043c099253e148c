"""Pay the one-off JIT costs at server start instead of in a planner's first request.

With numba installed, esda compiles its permutation kernels and mapclassify its
Fisher-Jenks on first use (13-25 s on this machine). ``pks-geo serve`` runs
:func:`warm_up` in a background thread so the first hot-spot map opens at normal speed.
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from libpysal.weights import lat2W

from pks_geo.analysis.hotspots import gi_star, local_moran

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Run Gi*, local Moran and Fisher-Jenks once on a tiny lattice."""
    import mapclassify

    values = np.arange(16, dtype=float)
    weights = lat2W(4, 4)
    gi_star(values, weights, permutations=99, seed=1, inference="permutation")
    local_moran(values, lat2W(4, 4), permutations=99, seed=1)
    mapclassify.FisherJenks(values, k=3)


def warm_up_in_background() -> threading.Thread:
    def run() -> None:
        try:
            warm_up()
        except Exception:  # a failed warm-up must never stop the server
            log.exception("statistics warm-up failed")

    thread = threading.Thread(target=run, name="pks-geo-warmup", daemon=True)
    thread.start()
    return thread
