"""Pay the one-off costs of the default statistics at server start, not in a planner's first request.

``pks-geo serve`` runs :func:`warm_up` in a background thread: the analytic Gi* and local
Moran (the defaults) and mapclassify's Fisher-Jenks (numba-compiled on first use). esda's
permutation kernels are left to the first request that asks for ``inference=permutation``
(a one-off 13-25 s there): compiling them here cost every server process about 156 MB of
resident memory for an option few use (measured: 470 MB before, 626 MB after compiling them).
"""

from __future__ import annotations

import logging
import threading

import numpy as np
from libpysal.weights import lat2W

from pks_geo.stats.hotspots import gi_star, local_moran

log = logging.getLogger(__name__)


def warm_up() -> None:
    """Run analytic Gi*, analytic local Moran and Fisher-Jenks once on a tiny lattice."""
    import mapclassify

    values = np.arange(16, dtype=float)
    gi_star(values, lat2W(4, 4), seed=1, inference="analytic")
    local_moran(values, lat2W(4, 4), seed=1, inference="analytic")
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
