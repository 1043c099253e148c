"""Incident tiles above the cap and the first export after a change, at 100,000 and 1,000,000.

Why: above 20,000 incidents a tile is an even sample (the latest incident of each cell of a
128 x 128 grid, with the cell's count) instead of the 20,000 lowest ids the old cap kept, and the
incidents export rebuilds its feature cache after every data change. Both costs grow with the
number of incidents; this script keeps the figures the README quotes (issue 21).

In a bench database of its own it loads Sulawesi Tenggara (2,283 desa) and ``synth``\\ s 100,000
incidents, then 900,000 more. At each size it takes the z8 tile holding the most incidents and
times alternately, on one connection (SQL only, no HTTP; medians of ``--repeat``):

* **pks-geo**: ``render_tile`` of the ``incidents`` layer (the count probe, then the sampled
  statement the endpoint runs);
* **old cap**: the plain incident tile statement limited to the 20,000 lowest ids (before issue 21);
* **every point**: the same statement without any limit (what sending everything would cost).

Bytes of each tile are recorded. Then the incidents GeoJSON export, first after a change
(feature cache rebuilt, then streamed) against PostgreSQL producing the same feature texts
without sending them; the 1M figure is compared with ten times the 100k one (target: within 2x).
Writes ``bench/results/bench_tile_sample-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_tile_sample.py [--repeat 7]``
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from bench_export import export_after_change, server_only
from common import (
    SCALES,
    Result,
    bench_database,
    interleaved,
    median,
    print_table,
    write_results,
)
from sqlalchemy import Connection, Engine, text

from pks_geo.feature_sql import tiles
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize
from pks_geo.queries.filters import parse_filters

DENSEST_Z8 = text("""
SELECT x, y, count(*) AS n FROM (
    SELECT floor((ST_X(geom) + 180) / 360 * 256)::int AS x,
           floor((1 - ln(tan(radians(ST_Y(geom))) + 1 / cos(radians(ST_Y(geom)))) / pi()) / 2 * 256)::int AS y
    FROM incident WHERE geom IS NOT NULL) t
GROUP BY x, y ORDER BY n DESC LIMIT 1
""")


def reference_statements(conn: Connection) -> tuple[str, str, dict[str, Any]]:
    """The old capped statement and the unlimited one, with the filters the endpoint applies."""
    filters = replace(parse_filters({}, conn, default_level="kecamatan"), level="kecamatan")
    where, params = filters.incident_where("i", located=True)
    plain = tiles.INCIDENT_TILE.format(bounds=tiles.BOUNDS_CTE.strip(), where=where,
                                       mvt_geom=tiles.MVT_GEOM.format(col="ST_Transform(i.geom, 3857)"))
    marker = "WHERE i.geom && b.env4326 AND " + where
    assert marker in plain, "the incident tile statement changed shape; update this benchmark"
    capped = plain.replace(marker, marker + " ORDER BY i.id LIMIT :max_points")
    return capped, plain, params


def tile_rows(engine: Engine, size: str, reps: int) -> list[Result]:
    """The densest z8 tile: pks-geo's sampled tile against the old cap and every point."""
    spec = tiles.layer("incidents")
    with engine.connect() as conn:
        x, y, count = conn.execute(DENSEST_Z8).one()
        address = tiles.parse_tile(8, x, y)
        capped, plain, params = reference_statements(conn)
        bound = {**tiles._tile_params(spec, address), **params, "max_points": tiles.MAX_POINTS_PER_TILE}

        def ours() -> bytes:
            return tiles.render_tile(conn, spec, address, {})

        def run(sql: str) -> bytes:
            return bytes(conn.execute(text(sql), bound).scalar() or b"")

        sizes = {"ours": len(ours()), "cap": len(run(capped)), "all": len(run(plain))}
        times = interleaved({"ours": ours, "cap": lambda: run(capped), "all": lambda: run(plain)}, reps)
    ms = {k: median(v) * 1000 for k, v in times.items()}
    name = f"incident tile z8/{x}/{y} ({count:,} incidents), {sizes['ours']:,} B"
    extra = {"bytes": sizes, "incidents_in_tile": count}
    return [Result("S", size, f"{name} vs the 20,000 lowest ids ({sizes['cap']:,} B)", ms["ours"], "ms",
                   "old cap: plain tile SQL, ORDER BY id LIMIT 20000", ms["cap"], ms["cap"] / ms["ours"], "",
                   extra),
            Result("S", size, f"{name} vs every point ({sizes['all']:,} B)", ms["ours"], "ms",
                   "plain tile SQL, no limit", ms["all"], ms["all"] / ms["ours"], "", extra)]


def export_row(engine: Engine, size: str, reps: int) -> Result:
    """The first incidents export after a change against PostGIS making the same texts."""
    times = interleaved({"cold": lambda: export_after_change(engine), "server": lambda: server_only(engine)},
                        reps, warmup=0)
    cold, server = median(times["cold"]), median(times["server"])
    return Result("E", size, "incidents GeoJSON export, first after a change", cold, "s",
                  "PostGIS making the same feature texts, not sent", server, server / cold, "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="repetitions per tile measurement")
    args = parser.parse_args()
    results: list[Result] = []
    with bench_database("tilesample") as engine:
        load_boundary_paths(engine, SCALES["million"], progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "data/elections.toml")
        for size, add, seed in (("100k", 100_000, 1), ("1M", 900_000, 2)):
            made = synthesize(engine, incidents=add, seed=seed, source=f"synthetic-{size}")
            print(made.summary(), flush=True)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
            results += tile_rows(engine, size, args.repeat)
            results.append(export_row(engine, size, 3 if size == "100k" else 1))
            print_table(results[-3:])
    small, big = (r.value for r in results if r.group == "E")
    print(f"\nfirst export after a change: 1M / (10 x 100k) = {big / (10 * small):.2f} (target <= 2)")
    print_table(results)
    path = write_results(results, "bench_tile_sample", {"repeat": args.repeat,
                                                       "export_linearity": big / (10 * small)})
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
