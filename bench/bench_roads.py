"""Road costs for a patrol plan: our cost-matrix step against bare ``pgr_dijkstraCostMatrix`` SQL.

A synthetic road grid (``--size`` km square, a road every ``--spacing`` m, loaded with
``pks-geo roads load``'s loader: junctions noded, stretches cut at about 250 m) and
``--points`` random points on it (a Polsek's post and TPS). Measured: building
:class:`pks_geo.planning.road_routes.RoadPaths` for the points (KNN snap of every point,
``pgr_dijkstraCostMatrix`` on the edges in the points' box, off-road fallback, the symmetric
planning matrix). Reference, side by side in the same run: the bare SQL call of
``pgr_dijkstraCostMatrix`` on the same vertex ids and the same edge query, its rows fetched
with psycopg (what any caller needs), snapping excluded.
Ratio = reference / ours (1 = no overhead); target >= 0.8. Also reported: the bare call over
the whole network (no box), and the load time.

Second (``--plan``, default on): the whole patrol plan of Konawe Selatan (its boundaries,
``--tps`` synthetic TPS, the sample posts) with a road every km over the district (about 43,000
edges) against the same plan without roads (land routing), side by side; ratio = without /
with (how much of the plain plan's speed the roads keep). Writes
``bench/results/bench_roads-<UTC>.json``. Usage: ``.venv/bin/python bench/bench_roads.py
[--size 30] [--spacing 500] [--points 100] [--repeat 5] [--tps 1000] [--no-plan]``
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import psycopg
from common import (
    SCALES,
    Result,
    bench_database,
    interleaved,
    median,
    plain_conninfo,
    print_table,
    write_results,
)
from pyproj import Transformer
from sqlalchemy import Engine, text

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.roads import load_roads
from pks_geo.ingest.synthetic import synthesize
from pks_geo.planning.land_routes import land_grid
from pks_geo.planning.patrol import PatrolPlan, plan_sectors
from pks_geo.planning.risk import compute_risk
from pks_geo.planning.road_routes import RoadPaths, StraightPaths, edges_sql, road_network
from pks_geo.planning.security_data import load_security_data

CENTRE = (122.45, -4.2)
"""Konawe Selatan, so the metric CRS (UTM 51S) is the one the plans use."""
M_PER_DEG = 111_320.0


def grid_file(folder: Path, size_km: float, spacing_m: float) -> Path:
    """GeoJSON of a square road grid: each road a line through every crossing (shared vertices)."""
    n = int(size_km * 1000 // spacing_m) + 1
    step = spacing_m / M_PER_DEG
    xs = CENTRE[0] + (np.arange(n) - n / 2) * step
    ys = CENTRE[1] + (np.arange(n) - n / 2) * step
    features = []
    for k in range(n):
        for coords in ([[float(x), float(ys[k])] for x in xs], [[float(xs[k]), float(y)] for y in ys]):
            features.append({"type": "Feature", "properties": {"highway": "tertiary"},
                             "geometry": {"type": "LineString", "coordinates": coords}})
    path = folder / "grid.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def district_grid(folder: Path, engine: Engine, spacing_m: float) -> Path:
    """A road every ``spacing_m`` over the loaded district's box (lines through every crossing)."""
    with engine.connect() as conn:
        x0, y0, x1, y1 = conn.execute(text(
            "SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
            "(SELECT ST_Extent(geom) AS e FROM admin_area WHERE level = 'desa') s")).one()
    step = spacing_m / M_PER_DEG
    xs, ys = np.arange(x0, x1 + step, step), np.arange(y0, y1 + step, step)
    lines = [[[float(x), float(y)] for x in xs] for y in ys]
    lines += [[[float(x), float(y)] for y in ys] for x in xs]
    path = folder / "district.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"highway": "tertiary"},
         "geometry": {"type": "LineString", "coordinates": c}} for c in lines]}))
    return path


def plan_results(n_tps: int, repeat: int) -> Result:
    """The district's patrol plan with roads against the same plan without."""
    with bench_database("roadplan") as engine, tempfile.TemporaryDirectory() as tmp:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "data/elections.toml")
        synthesize(engine, tps=n_tps, seed=3, election="pilkada-2024")
        data = load_security_data()
        risk = compute_risk(engine, "pilkada-2024", data=data)
        land = land_grid(engine)
        loaded = load_roads(engine, district_grid(Path(tmp), engine, 1000))
        roads = road_network(engine)

        def plan(with_roads: bool) -> PatrolPlan:
            return plan_sectors(risk.items, data, data.patrol, "pilkada-2024", None, land,
                                roads if with_roads else None)

        with_roads, without = plan(True), plan(False)
        assert with_roads.meta()["routing_method"] == "road" and not with_roads.off_road
        times = interleaved({"roads": lambda: plan(True), "land": lambda: plan(False)}, repeat)
    ours, ref = median(times["roads"]), median(times["land"])
    km_roads = sum(s.length_m for s in with_roads.sectors) / 1000
    km_land = sum(s.length_m for s in without.sectors) / 1000
    return Result("R", "kabupaten", f"patrol plan of {n_tps:,} TPS along {loaded.edges:,} road edges",
                  ours, "s", "same plan without roads (land routing)", ref, ref / ours, "report",
                  {"sectors_roads": len(with_roads.sectors), "sectors_land": len(without.sectors),
                   "route_km_roads": round(km_roads), "route_km_land": round(km_land), "runs": times})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=30.0, help="grid side in km")
    parser.add_argument("--spacing", type=float, default=500.0, help="metres between roads")
    parser.add_argument("--points", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--tps", type=int, default=1000)
    parser.add_argument("--no-plan", dest="plan", action="store_false")
    args = parser.parse_args()
    rng = np.random.default_rng(5)
    to_metric = Transformer.from_crs(4326, 32751, always_xy=True)
    half = args.size * 1000 / 2 / M_PER_DEG * 0.8
    lon = CENTRE[0] + rng.uniform(-half, half, args.points)
    lat = CENTRE[1] + rng.uniform(-half, half, args.points)
    xy = np.column_stack(to_metric.transform(lon, lat))
    with bench_database("roads") as engine, tempfile.TemporaryDirectory() as tmp:
        path = grid_file(Path(tmp), args.size, args.spacing)
        start = time.perf_counter()
        loaded = load_roads(engine, path)
        load_s = time.perf_counter() - start
        print(loaded.summary(), f"in {load_s:.1f} s")
        probe = RoadPaths(engine, xy, StraightPaths, 1.4)
        assert probe.snapped.all() and np.isfinite(probe.dist).all(), "every point should be on the grid"
        vids = sorted({int(v) for v in probe.vid})
        box_sql, all_sql = edges_sql(xy), "SELECT id, source, target, cost, reverse_cost FROM road_edge"
        matrix = ("SELECT start_vid, end_vid, agg_cost "
                  "FROM pgr_dijkstraCostMatrix(%s, %s::bigint[], directed := true)")
        with psycopg.connect(plain_conninfo(engine)) as conn:
            def bare(sql: str) -> None:
                conn.execute(matrix, (sql, vids)).fetchall()

            times = interleaved({"ours": lambda: RoadPaths(engine, xy, StraightPaths, 1.4),
                                 "bare": lambda: bare(box_sql), "bare_all": lambda: bare(all_sql)},
                                args.repeat)
    ours, ref, ref_all = median(times["ours"]), median(times["bare"]), median(times["bare_all"])
    results = [
        Result("R", "kabupaten", f"road cost matrix for {args.points} points (snap + "
                                 "pgr_dijkstraCostMatrix in the points' box + assembly)",
               ours, "s", "bare pgr_dijkstraCostMatrix SQL, same ids and box", ref, ref / ours, ">= 0.8",
               {"bare_whole_network_s": ref_all, "edges": loaded.edges, "vertices": loaded.vertices,
                "km": round(loaded.km), "load_s": load_s}),
    ]
    if args.plan:
        results.append(plan_results(args.tps, max(1, args.repeat // 2)))
    print_table(results)
    print(f"bare over the whole network: {ref_all:.3f} s; load {load_s:.1f} s; all runs: {times}")
    out = write_results(results, "bench_roads", vars(args))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
