"""Exports and the security plan, side by side with references in one run.

    .venv/bin/python bench/bench_export.py [--repeat 5] [--incidents 100000] [--tps 1000]

Loads Konawe Selatan into a bench database of its own, adds synthetic incidents (10 % under
the source ``synthetic-small``, the rest ``synthetic-big``, each with a description) and
``--tps`` TPS for Pilkada 2024 (``pks_geo.ingest.synthetic``), then measures:

1. **Streaming GeoJSON export of all incidents** (``prepare_export(..., "incidents", "geojson")``,
   chunks consumed as a client would), warm (feature cache current) and as the first export
   after a data change (cache rebuilt first): bytes/s against ``orjson.dumps`` of *the same features*
   (the export's own output parsed into Python objects beforehand, so only serialisation is
   timed): target ratio >= 0.5. A second reference is the non-streaming way to make the same
   file: fetch every row into Python, build the feature dicts, ``orjson.dumps`` them. A third
   is PostgreSQL alone making the same feature texts without sending them (the floor).
   The streamed CSV roster is timed too.
2. **Peak memory** (``tracemalloc``) of the streaming GeoJSON export of 10 % of the incidents
   (``source=synthetic-small``) against all of them: flat means the two peaks are about the
   same; ``orjson.dumps`` of the same features is shown for contrast (it grows with them).
3. **Risk and personnel plan for ``--tps`` TPS** (``compute_risk`` with the hot-spot factor,
   then ``plan_personnel``), seconds: the first call of the process (numba compiles esda's
   Gi* kernel) and warm medians; the patrol plan for the same TPS.

Timing runs alternate candidates and report medians; memory runs are separate (tracemalloc
slows Python down). Prints a table and writes ``bench/results/bench_export-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from common import SCALES, Result, bench_database, interleaved, median, print_table, write_results
from sqlalchemy import Engine, text

from pks_geo.export import ExportContext, prepare_export
from pks_geo.export.datasets_incidents import COLUMNS, GEOJSON_SQL
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize
from pks_geo.planning.patrol import patrol_plan
from pks_geo.planning.personnel import personnel_plan
from pks_geo.planning.risk import compute_risk

ELECTION = "pilkada-2024"


def setup(engine: Engine, incidents: int, tps: int) -> None:
    load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "data/elections.toml")
    small = incidents // 10
    synthesize(engine, incidents=small, source="synthetic-small", seed=1)
    synthesize(engine, incidents=incidents - small, tps=tps, source="synthetic-big", seed=2,
               election=ELECTION)
    with engine.begin() as conn:
        conn.execute(text("UPDATE incident SET description = 'Kejadian sintetis nomor ' || id || "
                          "': dua kelompok warga bentrok setelah sengketa batas kebun', "
                          "place_name = 'Dusun ' || (id % 7), actor1 = 'Kelompok A'"))
        conn.execute(text("ANALYZE"))


def export_bytes(engine: Engine, args: dict[str, Any], fmt: str = "geojson") -> int:
    ctx = ExportContext(engine, args, "analyst", "bench")
    return sum(len(chunk) for chunk in prepare_export(ctx, "incidents", fmt).chunks())


def export_after_change(engine: Engine) -> int:
    """The first export after a data change: the feature cache is rebuilt, then streamed."""
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incident_feature_state"))  # what any incident edit causes
    return export_bytes(engine, {})


def export_body(engine: Engine, args: dict[str, Any]) -> bytes:
    ctx = ExportContext(engine, args, "analyst", "bench")
    return b"".join(prepare_export(ctx, "incidents", "geojson").chunks())


def fetch_and_dump(engine: Engine) -> int:
    """The non-streaming reference: every row into Python, feature dicts, one orjson.dumps."""
    names = [name for _, name, _ in COLUMNS]
    select = ", ".join(f"{expr} AS {name}" for expr, name, _ in COLUMNS)
    sql = text(f"SELECT {select}, ST_X(i.geom), ST_Y(i.geom) FROM incident i "
               "LEFT JOIN admin_area d ON d.kode = i.desa_kode "
               "LEFT JOIN admin_area k ON k.kode = i.kecamatan_kode "
               "WHERE i.counted AND i.kecamatan_kode IS NOT NULL ORDER BY i.event_date, i.id")
    with engine.connect() as conn:
        rows = conn.execute(sql).all()
    features = [{"type": "Feature",
                 "geometry": {"type": "Point", "coordinates": [round(r[-2], 6), round(r[-1], 6)]},
                 "properties": dict(zip(names, r[:-2], strict=True))} for r in rows]
    return len(orjson.dumps({"type": "FeatureCollection", "features": features}))


def server_only(engine: Engine) -> int:
    """PostgreSQL producing the same feature texts without sending them (the server-side floor)."""
    sql = GEOJSON_SQL.format(where="i.counted AND i.kecamatan_kode IS NOT NULL")
    with engine.connect() as conn:
        return int(conn.execute(text(f"SELECT sum(length(f)) FROM ({sql}) q(f)")).scalar_one())


def peak(fn: Callable[[], Any]) -> tuple[int, Any]:
    tracemalloc.start()
    try:
        result = fn()
        return tracemalloc.get_traced_memory()[1], result
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--tps", type=int, default=1_000)
    args = parser.parse_args()
    results: list[Result] = []
    with bench_database("export") as engine:
        started = time.perf_counter()
        setup(engine, args.incidents, args.tps)
        print(f"setup: {time.perf_counter() - started:.1f} s")

        # 1. streaming GeoJSON against orjson.dumps of the same features
        body = export_body(engine, {})
        collection = orjson.loads(body)
        n_features = len(collection["features"])
        times = interleaved({
            "export": lambda: export_bytes(engine, {}),
            "export-cold": lambda: export_after_change(engine),
            "orjson": lambda c=collection: orjson.dumps(c),
            "csv": lambda: export_bytes(engine, {}, "csv"),
            "server": lambda: server_only(engine),
        }, args.repeat)
        fetch_times = interleaved({"fetch+dump": lambda: fetch_and_dump(engine)}, max(3, args.repeat // 2))
        size = len(body)
        ref_size = len(orjson.dumps(collection))
        rate = size / median(times["export"])
        ref_rate = ref_size / median(times["orjson"])
        fetch_rate = fetch_and_dump(engine) / median(fetch_times["fetch+dump"])
        server_rate = server_only(engine) / median(times["server"])
        results += [
            Result("export", "kabupaten", f"GeoJSON stream, {n_features:,} incidents", rate / 1e6, "MB/s",
                   "orjson.dumps, same features", ref_rate / 1e6, rate / ref_rate, ">= 0.5",
                   {"bytes": size, "seconds": median(times["export"]),
                    "orjson_seconds": median(times["orjson"])}),
            Result("export", "kabupaten", "GeoJSON stream, first export after a data change "
                   "(feature cache rebuilt)", size / median(times["export-cold"]) / 1e6, "MB/s",
                   "orjson.dumps, same features", ref_rate / 1e6,
                   size / median(times["export-cold"]) / ref_rate, "",
                   {"seconds": median(times["export-cold"])}),
            Result("export", "kabupaten", "GeoJSON stream vs fetch-all + orjson", rate / 1e6, "MB/s",
                   "rows -> dicts -> orjson.dumps", fetch_rate / 1e6, rate / fetch_rate, "",
                   {"fetch_seconds": median(fetch_times["fetch+dump"])}),
            Result("export", "kabupaten", "GeoJSON stream vs the server alone", rate / 1e6, "MB/s",
                   "PostGIS making the same texts, not sent", server_rate / 1e6, rate / server_rate, ""),
            Result("export", "kabupaten", "CSV roster stream (COPY)", median(times["csv"]), "s",
                   extra={"features": n_features}),
        ]

        # 2. peak memory: 10 % of the incidents against all of them
        small_peak, small_bytes = peak(lambda: export_bytes(engine, {"source": ["synthetic-small"]}))
        big_peak, big_bytes = peak(lambda: export_bytes(engine, {}))
        small_features = orjson.loads(export_body(engine, {"source": ["synthetic-small"]}))
        big_features = orjson.loads(export_body(engine, {}))
        small_ref, _ = peak(lambda c=small_features: orjson.dumps(c))
        big_ref, _ = peak(lambda c=big_features: orjson.dumps(c))
        results += [
            Result("memory", "kabupaten", f"GeoJSON stream peak, {args.incidents // 10:,} incidents",
                   small_peak / 2**20, "MiB", "orjson.dumps, same features", small_ref / 2**20,
                   extra={"bytes": small_bytes}),
            Result("memory", "kabupaten", f"GeoJSON stream peak, {args.incidents:,} incidents",
                   big_peak / 2**20, "MiB", "orjson.dumps, same features", big_ref / 2**20,
                   big_peak / small_peak, "about 1 (flat)", {"bytes": big_bytes}),
        ]

        # 3. risk + personnel plan for the TPS
        first, risk = _timed(lambda: compute_risk(engine, ELECTION))
        warm = interleaved({
            "risk": lambda: compute_risk(engine, ELECTION),
            "risk+personnel": lambda: personnel_plan(engine, ELECTION),
            "patrol": lambda: patrol_plan(engine, ELECTION),
        }, args.repeat)
        n_tps = f"{len(risk.items):,} TPS"
        results += [
            Result("security", "kabupaten", f"risk, {n_tps}, first call of the process", first, "s",
                   extra={"notes": risk.notes}),
            Result("security", "kabupaten", f"risk, {n_tps}, warm", median(warm["risk"]), "s"),
            Result("security", "kabupaten", f"risk + personnel plan, {n_tps}, warm",
                   median(warm["risk+personnel"]), "s"),
            Result("security", "kabupaten", f"risk + patrol sectors and routes, {n_tps}, warm",
                   median(warm["patrol"]), "s"),
        ]
    print_table(results)
    path = write_results(results, "bench_export", {"incidents": args.incidents, "tps": args.tps,
                                                   "repeat": args.repeat})
    print(f"results: {path}")


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


if __name__ == "__main__":
    main()
