"""(H) Hot-spot statistics against bare library/SQL calls, side by side in one run.

    .venv/bin/python bench/bench_hotspots.py [--repeat 9] [--incidents 100000] [--only analytic]

0. Analytic Gi* (the default since issue 12: z from one sparse product, two-sided normal p,
   Benjamini-Hochberg, bins) on the province's 2,283 desa: ``gi_star`` and ``compute_hotspots``
   against a bare ``esda.G_Local(y, w, transform="B", star=True, permutations=0)`` on the same
   arrays (contiguity ``W`` or the cached Gi* ``W``). Target: ratio <= 1.2, < 50 ms warm.

1. Gi* with 999 permutations on the province's 2,283 desa (Sulawesi Tenggara, read from the
   shared boundary file; weights built once, as the app caches them):
   ``pks_geo.stats.hotspots.gi_star(inference="permutation", fdr=False)`` (esda + two-sided
   tie-aware p, bins; FDR off so the count stays at 999: with FDR it is raised to 8,760 at
   2,283 desa) and
   ``compute_hotspots`` (the whole per-request path from an aggregate frame) against a bare
   ``esda.G_Local(y, w, transform="B", star=True, permutations=999, n_jobs=1, seed=...)`` on
   the same arrays, given either the contiguity ``W`` (what a user would pass) or the cached
   Gi* matrix with self-weights that pks-geo passes. Targets: ratio <= 1.2, absolute < 2 s. The first call
   of a process (numba compiling esda's permutation kernel, when numba is installed) is
   reported separately.
2. DBSCAN on ``--incidents`` synthetic incidents (``pks_geo.ingest.synthetic``) over Konawe
   Selatan in a bench database of its own: ``incident_clusters`` (clusters, hulls, counts,
   dates, dominant kategori) against the bare ``ST_ClusterDBSCAN(...) OVER ()`` statement
   that only labels the points.

Candidates run alternately; figures are medians. Prints a table and writes
``bench/results/bench_hotspots-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd
import psycopg
from common import (
    SCALES,
    SHARED,
    Result,
    bench_database,
    interleaved,
    median,
    plain_conninfo,
    print_table,
    write_results,
)
from esda import G_Local

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.synthetic import synthesize
from pks_geo.queries.filters import FilterSet
from pks_geo.stats.clusters import ClusterOptions, incident_clusters
from pks_geo.stats.hotspots import HotspotOptions, compute_hotspots, gi_star
from pks_geo.stats.weights import build_weights, frame_from_geojson

BARE_DBSCAN = ("SELECT ST_ClusterDBSCAN(ST_Transform(geom, 32751), eps => %s, minpoints => %s) OVER () "
               "FROM incident WHERE counted AND geom IS NOT NULL")


def clustered_counts(weights, seed: int = 1) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Poisson(1) counts with 20 planted neighbourhoods of 8: a map with real hot spots."""
    rng = np.random.default_rng(seed)
    y = rng.poisson(1.0, len(weights.ids)).astype(float)
    for centre in rng.choice(len(weights.ids), 20, replace=False):
        kode = weights.ids[centre]
        for k in [kode, *weights.neighbors[kode]]:
            y[weights.ids.index(k)] = 8.0
    return y


def bench_gi(reps: int) -> list[Result]:
    frame = frame_from_geojson(str(SHARED / "sulawesi_tenggara_desa.geojson"))
    started = time.perf_counter()
    weights = build_weights(frame.geometry)
    build_s = time.perf_counter() - started
    y = clustered_counts(weights)
    w = weights.w
    options = HotspotOptions(permutations=999, seed=12345, inference="permutation", fdr=False)
    table = pd.DataFrame({"kode": weights.ids, "nama": frame.loc[weights.ids, "nama"].to_numpy(),
                          "value": y, "n_incidents": y.astype(int)})

    star = weights.star_w

    def bare(matrix=w) -> None:  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G_Local(y, matrix, transform="B", star=True, permutations=999, n_jobs=1, seed=12345)

    def ours() -> None:
        gi_star(y, weights, 999, 12345, fdr=False, inference="permutation")

    started = time.perf_counter()
    ours()
    first_s = time.perf_counter() - started
    times = interleaved({"gi_star": ours,
                         "compute_hotspots": lambda: compute_hotspots(table, weights, options),
                         "esda": bare, "esda_star_w": lambda: bare(star)}, reps)
    results = []
    for reference, label in (("esda", "bare esda.G_Local, contiguity W"),
                             ("esda_star_w", "bare esda.G_Local, cached Gi* W")):
        ref = median(times[reference])
        results += [Result("H", "province", f"Gi* 2,283 desa, 999 perm.: {name}", median(times[name]), "s",
                           label, ref, median(times[name]) / ref, "<= 1.2, < 2 s")
                    for name in ("gi_star", "compute_hotspots")]
    results.append(Result("H", "province", "first Gi* call of a process (incl. numba compile)", first_s, "s"))
    results.append(Result("H", "province", "queen weights, 2,283 desa (built once, cached)", build_s, "s"))
    return results


def bench_gi_analytic(reps: int) -> list[Result]:
    """Analytic Gi* (the default) against bare esda with permutations=0, 2,283 desa, warm."""
    frame = frame_from_geojson(str(SHARED / "sulawesi_tenggara_desa.geojson"))
    weights = build_weights(frame.geometry)
    y = clustered_counts(weights)
    table = pd.DataFrame({"kode": weights.ids, "nama": frame.loc[weights.ids, "nama"].to_numpy(),
                          "value": y, "n_incidents": y.astype(int)})
    w, star = weights.w, weights.star_w

    def bare(matrix=w) -> None:  # type: ignore[no-untyped-def]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            G_Local(y, matrix, transform="B", star=True, permutations=0)

    reference = G_Local(y, weights.fresh_w(), transform="B", star=True, permutations=0).Zs
    assert np.abs(gi_star(y, weights)["gi_z"].to_numpy() - reference).max() < 1e-9
    times = interleaved({"gi_star": lambda: gi_star(y, weights),
                         "compute_hotspots": lambda: compute_hotspots(table, weights, HotspotOptions()),
                         "esda": bare, "esda_star_w": lambda: bare(star)}, reps, warmup=2)
    results = []
    for reference_name, label in (("esda", "bare esda.G_Local(permutations=0), contiguity W"),
                                  ("esda_star_w", "bare esda.G_Local(permutations=0), cached Gi* W")):
        ref = median(times[reference_name])
        results += [Result("H", "province", f"analytic Gi* 2,283 desa: {name}", median(times[name]) * 1000,
                           "ms", label, ref * 1000, median(times[name]) / ref, "<= 1.2, < 50 ms")
                    for name in ("gi_star", "compute_hotspots")]
    return results


def bench_dbscan(reps: int, incidents: int) -> list[Result]:
    results = []
    with bench_database("hotspots") as engine:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        synthesize(engine, incidents=incidents, seed=5)
        conninfo = plain_conninfo(engine)
        for eps, min_points in ((100.0, 5), (250.0, 10)):
            options = ClusterOptions(eps_m=eps, min_points=min_points)

            def bare(eps: float = eps, min_points: int = min_points) -> None:
                with psycopg.connect(conninfo) as conn:
                    conn.execute(BARE_DBSCAN, (eps, min_points)).fetchall()

            fc = incident_clusters(engine, FilterSet(), options)
            def ours(options: ClusterOptions = options) -> None:
                incident_clusters(engine, FilterSet(), options)

            times = interleaved({"pks": ours, "bare": bare}, reps)
            pks, ref = median(times["pks"]), median(times["bare"])
            results.append(Result("H", "kabupaten", f"DBSCAN {incidents:,} incidents, eps {eps:g} m, "
                                  f"min {min_points}: {fc['n_clusters']} clusters", pks, "s",
                                  "bare ST_ClusterDBSCAN labels", ref, pks / ref, "",
                                  extra={"n_clusters": fc["n_clusters"], "n_clustered": fc["n_clustered"]}))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--only", choices=["analytic"], help="run only the analytic Gi* rows")
    args = parser.parse_args()
    results = bench_gi_analytic(max(args.repeat, 15))
    if args.only is None:
        results += bench_gi(args.repeat) + bench_dbscan(max(3, args.repeat // 3), args.incidents)
    print_table(results)
    path = write_results(results, "bench_hotspots", {"repeat": args.repeat, "incidents": args.incidents})
    print(f"written: {path}")


if __name__ == "__main__":
    main()
