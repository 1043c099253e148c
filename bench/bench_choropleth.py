"""(C) ``/api/v1/choropleth?level=desa`` for the whole province against the bare SQL that
produces the same GeoJSON, side by side in one run.

    .venv/bin/python bench/bench_choropleth.py [--repeat 9]

Loads Sulawesi Tenggara (2,283 desa, 221 kecamatan) into a bench database of its own,
adds 100,000 synthetic incidents and 10,000 TPS (``pks_geo.ingest.synthetic``), then times,
warm and alternately (medians of ``--repeat`` runs):

- computed: the API with its response cache off (``RESPONSE_CACHE_MB=0``: every request
  aggregates, classifies and assembles the document), through the Flask test client and through
  a live waitress server (HTTP), against reference A, the bare SQL producing the same
  FeatureCollection: the same coverage-simplified geometries (copied into a table from the app's
  cache) and the same per-desa counts, written by PostGIS as ``json_agg(ST_AsGeoJSON(row, 'geom', 5))``;
- cached: the API with its response cache on (what a second planner opening the same map gets)
  against the same waitress serving the same bytes from memory with no application at all
  (``bytes_server``): like with like, a cache hit against a cache hit;
- the API answering ``If-None-Match`` (304), against the same bytes server (its 200);
- reference B, the bare SQL on the full-detail polygons: a different document (its payload is
  reported), so it is shown beside the computed rows without a ratio.

Target: computed API / reference A <= 1.5 and the payload <= 1.5 MB gzipped. Prints a table and
writes ``bench/results/bench_choropleth-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import time
from typing import Any

import psycopg
from common import (
    SCALES,
    Result,
    bench_database,
    bytes_server,
    interleaved,
    live_server,
    median,
    plain_conninfo,
    print_table,
    write_results,
)
from sqlalchemy import Engine, text

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize
from pks_geo.queries.simplify import display_geometries
from pks_geo.web import create_app

PATH = "/api/v1/choropleth?level=desa"
INCIDENTS, TPS = 100_000, 10_000

BARE_SQL = """
WITH counts AS (
    SELECT {level}_kode AS kode, count(*) AS n FROM incident
    WHERE counted AND {level}_kode IS NOT NULL GROUP BY {level}_kode
)
SELECT json_build_object('type', 'FeatureCollection',
                         'features', json_agg(ST_AsGeoJSON(t.*, 'geom', 5)::json ORDER BY t.kode))::text
FROM (
    SELECT a.kode, a.nama, coalesce(c.n, 0) AS value, coalesce(c.n, 0) AS n_incidents, g.geom
    FROM admin_area a JOIN {geometry_table} g USING (kode) LEFT JOIN counts c USING (kode)
    WHERE a.level = '{level}'
) t
"""
"""The bare SQL of a count choropleth: ``level`` and ``geometry_table`` are constants of the benches."""


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def prepare(engine: Engine) -> dict[str, Any]:
    started = time.perf_counter()
    report = load_boundary_paths(engine, SCALES["province"], progress=False)
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "data/elections.toml")
    synth = synthesize(engine, incidents=INCIDENTS, tps=TPS, seed=1)
    with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        counts = dict(conn.execute("SELECT level, count(*) FROM admin_area GROUP BY level").fetchall())
    seconds = time.perf_counter() - started
    log(f"loaded {report.accepted} areas {counts}, {synth.summary()} in {seconds:.1f} s")
    return {"areas": counts, "incidents": INCIDENTS, "tps": TPS}


def copy_display_geometries(engine: Engine, level: str = "desa") -> None:
    """The app's simplified geometries into a table, so the bare SQL writes the same ones."""
    geometries = display_geometries(engine, level).geometries
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS bench_display_geom, bench_full_geom"))
        conn.execute(text("CREATE TABLE bench_display_geom (kode text PRIMARY KEY, geom geometry)"))
        conn.execute(text("INSERT INTO bench_display_geom VALUES (:kode, ST_GeomFromGeoJSON(:g))"),
                     [{"kode": k, "g": g.decode()} for k, g in geometries.items()])
        conn.execute(text("CREATE TABLE bench_full_geom AS SELECT kode, ST_ForcePolygonCCW(geom) AS geom "
                          "FROM admin_area WHERE level = :level"), {"level": level})


class Http:
    """One keep-alive connection, as a browser would hold."""

    def __init__(self, base: str) -> None:
        host, port = base.removeprefix("http://").split(":")
        self.conn = http.client.HTTPConnection(host, int(port), timeout=120)

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, bytes, dict[str, str]]:
        self.conn.request("GET", path, headers=headers or {})
        response = self.conn.getresponse()
        return response.status, response.read(), dict(response.getheaders())


def measure(engine: Engine, reps: int) -> tuple[list[Result], dict[str, Any]]:
    url = engine.url.render_as_string(hide_password=False)
    client = create_app({"DATABASE_URL": url, "TESTING": True, "RESPONSE_CACHE_MB": 0}).test_client()
    cold_start = time.perf_counter()
    first = client.get(PATH)
    cold = time.perf_counter() - cold_start
    assert first.status_code == 200, first.data[:300]
    body, etag = first.data, first.headers["ETag"]
    copy_display_geometries(engine)
    sizes = {"api": len(body), "api_gzip": len(gzip.compress(body, 6))}
    with (psycopg.connect(plain_conninfo(engine), autocommit=True) as conn,
          live_server(engine, RESPONSE_CACHE_MB=0) as base, live_server(engine) as cached_base,
          bytes_server(body) as bytes_base):
        bare = {name: BARE_SQL.format(geometry_table=table, level="desa")
                for name, table in (("simplified", "bench_display_geom"), ("full", "bench_full_geom"))}
        for name, sql in bare.items():
            text_out = conn.execute(sql).fetchone()[0].encode()
            sizes[f"bare_{name}"] = len(text_out)
            sizes[f"bare_{name}_gzip"] = len(gzip.compress(text_out, 6))
        web, cached, plain_bytes = Http(base), Http(cached_base), Http(bytes_base)
        for server in (web, cached, plain_bytes):
            status, http_body, _ = server.get(PATH)
            assert status == 200 and len(http_body) == len(body)
        times = interleaved({
            "api_client": lambda: client.get(PATH).data,
            "api_http": lambda: web.get(PATH),
            "api_cached_http": lambda: cached.get(PATH),
            "bytes_http": lambda: plain_bytes.get(PATH),
            "api_304": lambda: cached.get(PATH, {"If-None-Match": etag}),
            "bare_simplified": lambda: conn.execute(bare["simplified"]).fetchone(),
            "bare_full": lambda: conn.execute(bare["full"]).fetchone(),
        }, reps)
        fisher = "/api/v1/choropleth?level=desa&metric=per_1000_dpt&scheme=fisher_jenks&k=7"
        client.get(fisher)
        fisher_ms = median([_time(lambda: client.get(fisher)) for _ in range(reps)]) * 1000
    ms = {name: median(values) * 1000 for name, values in times.items()}
    ref = ms["bare_simplified"]
    results = [
        Result("C", "province", "choropleth desa computed (response cache off), test client",
               ms["api_client"], "ms", "bare SQL, same GeoJSON, via psycopg", ref, ms["api_client"] / ref,
               "<= 1.5"),
        Result("C", "province", "choropleth desa computed (response cache off), HTTP waitress",
               ms["api_http"], "ms", "bare SQL, same GeoJSON, via psycopg (no HTTP)", ref,
               ms["api_http"] / ref, "<= 1.5"),
        Result("C", "province", "choropleth desa cache hit, HTTP waitress", ms["api_cached_http"], "ms",
               "the same bytes from memory, same waitress, no app", ms["bytes_http"],
               ms["api_cached_http"] / ms["bytes_http"], ""),
        Result("C", "province", "choropleth desa 304 If-None-Match, HTTP waitress", ms["api_304"], "ms",
               "the same bytes from memory (200), same waitress", ms["bytes_http"],
               ms["api_304"] / ms["bytes_http"], ""),
        Result("C", "province", "bare SQL on full-detail polygons (another document, for scale)",
               ms["bare_full"], "ms"),
        Result("C", "province", "payload gzip (level 6)", sizes["api_gzip"] / 1e6, "MB",
               "full-detail polygons, gzip", sizes["bare_full_gzip"] / 1e6,
               sizes["api_gzip"] / sizes["bare_full_gzip"], "<= 1.5 MB"),
        Result("C", "province", "cold first request (numba compile, simplify)", cold * 1000, "ms"),
        Result("C", "province", "per_1000_dpt fisher_jenks k=7, test client", fisher_ms, "ms",
               "bare SQL, same GeoJSON", ref, fisher_ms / ref, ""),
    ]
    return results, {"ms": ms, "bytes": sizes, "cold_ms": cold * 1000, "fisher_jenks_ms": fisher_ms}


def _time(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9, help="timed runs per candidate (median)")
    args = parser.parse_args()
    with bench_database("choropleth") as engine:
        meta = prepare(engine)
        results, extra = measure(engine, args.repeat)
    print_table(results)
    for key, value in extra["bytes"].items():
        print(f"  {key:>22}: {value:>12,} bytes")
    path = write_results(results, "bench_choropleth", {**meta, **extra, "repeat": args.repeat})
    log(f"results written to {path}")


if __name__ == "__main__":
    main()
