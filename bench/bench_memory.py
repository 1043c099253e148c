"""Resident memory of ``pks-geo serve`` against the floor of the libraries it is built on.

Loads Konawe Selatan with ``--incidents`` synthetic incidents (default 20,000), starts the real
``pks-geo serve`` (waitress, the statistics warm-up in its background thread) and reads the
process's VmRSS from ``/proc`` at each step of a planner's first minutes:

1. ``/healthz`` answers (the app created, every blueprint imported);
2. the warm-up finished (RSS steady for 3 s);
3. the map page, the desa choropleth, the hot-spot layer (analytic Gi*, the default) and a tile;
4. a hot-spot request with ``inference=permutation`` (esda compiles its numba kernels here).

The reference is a bare interpreter that imports the same libraries (Flask, SQLAlchemy, psycopg,
GeoPandas, pyogrio, esda/libpysal, mapclassify, folium) and nothing else: what any process
using this stack pays before it does any work. Ratio = pks-geo / floor. Prints a table and
writes ``bench/results/bench_memory-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_memory.py [--incidents 20000]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from bench_tiles import Http
from common import SCALES, Result, bench_database, free_port, print_table, write_results

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize

ROOT = Path(__file__).resolve().parent.parent
FLOOR_IMPORTS = "import flask, sqlalchemy, psycopg, geopandas, pyogrio, esda, libpysal, mapclassify, folium"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def steady_rss(pid: int, seconds: float = 3.0, limit: float = 120.0) -> float:
    """RSS once it has not grown for ``seconds`` (the background warm-up has finished)."""
    started, last, since = time.monotonic(), rss_mb(pid), time.monotonic()
    while time.monotonic() - started < limit:
        time.sleep(0.5)
        now = rss_mb(pid)
        if now > last + 1:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= seconds:
            return now
    return rss_mb(pid)


def floor_rss() -> float:
    """A bare interpreter with the same libraries imported."""
    code = f"{FLOOR_IMPORTS}\nimport sys\nsys.stdout.write('ready\\n'); sys.stdout.flush(); sys.stdin.read()"
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        return rss_mb(proc.pid)
    finally:
        proc.kill()
        proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=20_000)
    args = parser.parse_args()
    floor = floor_rss()
    results: list[Result] = []
    with bench_database("memory") as engine:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "data/elections.toml")
        synthesize(engine, incidents=args.incidents, tps=1_000, seed=5)
        port = free_port()
        env = {**os.environ, "PKS_GEO_DATABASE_URL": engine.url.render_as_string(hide_password=False),
               "PKS_GEO_SECRET_KEY": "bench-memory-secret-key-0123456789", "PYTHONPATH": str(ROOT)}
        proc = subprocess.Popen([sys.executable, "-m", "pks_geo.cli", "serve", "--port", str(port)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(240):
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=5) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                time.sleep(0.5)
        client = Http(base)
        try:
            steps = [("started (/healthz answers)", rss_mb(proc.pid)),
                     ("warm-up finished", steady_rss(proc.pid))]
            for path in ("/", "/api/v1/choropleth?level=desa", "/api/v1/hotspots?level=desa",
                         "/tiles/areas-desa/10/860/524.pbf?metric=count"):
                status = client.get(path)[0]
                assert status in (200, 204), (path, status)
            steps.append(("map, desa choropleth, analytic hot spots, a tile", steady_rss(proc.pid)))
            status = client.get("/api/v1/hotspots?level=desa&inference=permutation&permutations=999")[0]
            assert status == 200, status
            steps.append(("after a permutation hot-spot request", steady_rss(proc.pid)))
        finally:
            client.close()
            proc.terminate()
            proc.wait(timeout=30)
    for name, value in steps:
        results.append(Result("M", "kabupaten", f"pks-geo serve RSS, {name}", value, "MB",
                              "bare interpreter importing the same libraries", floor, value / floor, ""))
    print_table(results)
    meta = {"incidents": args.incidents, "floor_imports": FLOOR_IMPORTS}
    path = write_results(results, "bench_memory", meta)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
