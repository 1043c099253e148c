"""OGC API incident paging at depth: shallow against deep pages, side by side in one run.

Loads Konawe Selatan, generates ``--incidents`` synthetic incidents (default 100,000), serves
the real app under waitress in a process of its own (``live_server``) and times, alternately,
pages of ``--limit`` features (default 10) at several depths, each through

* ``offset``: ``/ogc/collections/incidents/items?offset=N`` (what a client typing offsets does);
* ``keyset``: ``?after=<id of row N>`` (what the ``next`` links carry, and GDAL follows);
* the bare SQL of a keyset page (ids, then ``json_build_object`` of those rows) through psycopg,
  the reference for what the endpoint wraps.

With ``--tipg PATH/TO/uvicorn`` (tipg installed in a virtualenv of its own, never the
project's: ``python3 -m venv /work/tipg-venv && /work/tipg-venv/bin/pip install tipg uvicorn``)
tipg serves the same database on loopback and its ``/collections/public.incident/items`` pages
(offset only) are timed in the same rotation: the peer the issue compares against.

Every row states what both sides include. Ratios: deep / shallow for the same method (target
<= 1.2 for keyset), and endpoint / bare SQL at the same depth. Prints a table and writes
``bench/results/bench_ogc_paging-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_ogc_paging.py [--incidents 100000] [--repeat 15]``
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from bench_tiles import Http
from common import (
    SCALES,
    Result,
    bench_database,
    interleaved,
    live_server,
    median,
    plain_conninfo,
    print_table,
    write_results,
)

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.feature_sql.features import COLLECTIONS
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.synthetic import synthesize

DEPTHS = (0, 10_000, 99_000)


def bare_keyset_page(conn: psycopg.Connection, after: int | None, limit: int) -> list[str]:
    """The SQL a keyset page runs, without the web layer (same statement shape as features.items)."""
    spec = COLLECTIONS["incidents"]
    keyset = "WHERE i.id > %(after)s" if after is not None else ""
    sql = (f"WITH page AS (SELECT i.id AS pid FROM {spec.from_sql} {keyset} ORDER BY i.id LIMIT %(limit)s) "
           f"SELECT {spec.feature_sql()} FROM {spec.from_sql} "
           "WHERE i.id IN (SELECT pid FROM page) ORDER BY i.id")
    return [row[0] for row in conn.execute(sql, {"after": after, "limit": limit})]


@contextmanager
def tipg_server(uvicorn: str | None, conninfo: str) -> Iterator[str | None]:
    """tipg (a peer OGC API server) on a free loopback port, or None without ``--tipg``."""
    if uvicorn is None:
        yield None
        return
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": conninfo, "TIPG_MAX_FEATURES_PER_QUERY": "10000"}
    proc = subprocess.Popen([uvicorn, "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
                             "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("tipg did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--tipg", help="path of the uvicorn of a virtualenv with tipg installed")
    args = parser.parse_args()
    results: list[Result] = []
    with bench_database("ogcpage") as engine:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        synthesize(engine, incidents=args.incidents, seed=11)
        add_user(engine, "bench-analyst", "analyst", "bench-password-123", actor="bench")
        token = create_token(engine, "bench-analyst", actor="bench")[1]
        headers = {"Authorization": f"Bearer {token}"}
        with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
            ids = [row[0] for row in conn.execute("SELECT id FROM incident ORDER BY id")]
            with live_server(engine) as base, tipg_server(args.tipg, plain_conninfo(engine)) as peer:
                http = Http(base)
                peer_http = Http(peer) if peer else None
                path = "/ogc/collections/incidents/items?limit={limit}&{where}"
                runs = {}
                for depth in DEPTHS:
                    after = ids[depth - 1] if depth else None
                    keyset = f"after={after}" if after else "offset=0"
                    runs[f"offset {depth}"] = (lambda d=depth: http.get(
                        path.format(limit=args.limit, where=f"offset={d}"), headers))
                    runs[f"keyset {depth}"] = (lambda k=keyset: http.get(
                        path.format(limit=args.limit, where=k), headers))
                    runs[f"sql {depth}"] = (lambda a=after: bare_keyset_page(conn, a, args.limit))
                    if peer_http is not None:
                        runs[f"tipg {depth}"] = (lambda d=depth: peer_http.get(
                            f"/collections/public.incident/items?limit={args.limit}&offset={d}"))
                for name, run in runs.items():  # every page answers, with the features asked for
                    out = run()
                    assert (len(out) == args.limit) if name.startswith("sql") else out[0] == 200, name
                times = interleaved(runs, args.repeat, warmup=2)
                http.close()
                if peer_http is not None:
                    peer_http.close()
    ms = {name: median(values) * 1000 for name, values in times.items()}
    for depth in DEPTHS:
        for method in ("offset", "keyset"):
            results.append(Result(
                "P", "kabupaten", f"OGC incidents {method} page of {args.limit} at depth {depth:,} "
                                  f"(HTTP, auth, ids + JSON of the page, bounded count)",
                ms[f"{method} {depth}"], "ms", f"{method} page at depth 0", ms[f"{method} 0"],
                ms[f"{method} 0"] / ms[f"{method} {depth}"], "deep within 1.2x of shallow (keyset)"))
        results.append(Result(
            "P", "kabupaten", f"OGC incidents keyset page at depth {depth:,} vs the bare SQL",
            ms[f"keyset {depth}"], "ms", "same keyset statement through psycopg (no HTTP, no count)",
            ms[f"sql {depth}"], ms[f"sql {depth}"] / ms[f"keyset {depth}"], ""))
        if f"tipg {depth}" in ms:
            best = min(ms[f"keyset {depth}"], ms[f"offset {depth}"])
            results.append(Result(
                "P", "kabupaten", f"OGC incidents page of {args.limit} at depth {depth:,}: pks-geo "
                                  "(keyset; HTTP, token auth, bounded count) vs tipg (offset; no auth, "
                                  "numberMatched by count(*))",
                ms[f"keyset {depth}"], "ms", "tipg 1.x, same table, same machine", ms[f"tipg {depth}"],
                ms[f"tipg {depth}"] / ms[f"keyset {depth}"], "pks-geo at most 1.0x tipg's time",
                {"pks_geo_offset_ms": ms[f"offset {depth}"], "best_ms": best}))
    print_table(results)
    path = write_results(results, "bench_ogc_paging", {"incidents": args.incidents, "limit": args.limit,
                                                        "repeat": args.repeat})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
