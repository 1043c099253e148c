"""Vector tiles beside tipg: the same tables, the same tiles, side by side in one run.

Loads Konawe Selatan, generates ``--incidents`` synthetic incidents (default 100,000) and serves
the real app under waitress in a process of its own (``live_server``, tile cache off) and tipg
1.x (``--tipg PATH/TO/uvicorn``, tipg in a virtualenv of its own, see ``bench_ogc_paging.py``)
on the same database. Per zoom it takes the tiles over the district that hold features and
times, alternately, each tile from

* pks-geo ``/tiles/incidents/z/x/y.pbf`` (analyst token: every incident, or the even sample of
  a 128 x 128 grid above 20,000 per tile) against tipg
  ``/collections/public.incident/tiles/WebMercatorQuad/z/x/y`` (every incident up to its
  ``TIPG_MAX_FEATURES_PER_TILE``, 10,000 by default: the lowest ids);
* pks-geo ``/tiles/areas-desa/z/x/y.pbf`` (desa outlines with the default choropleth's
  values joined in, disclosure applied) against tipg's tiles of ``public.admin_area`` with
  ``filter=level='desa'`` (outlines and the table's columns, no values).

Per-tile medians of ``--repeat`` alternating requests, then p50 and p95 over the tiles of the
zoom. Ratio = tipg's time / pks-geo's (> 1: pks-geo faster). Each row says what both sides
include. Prints a table and writes ``bench/results/bench_tiles_peer-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_tiles_peer.py --tipg /work/tipg-venv/bin/uvicorn``
"""

from __future__ import annotations

import argparse
from urllib.parse import quote

from bench_ogc_paging import tipg_server
from bench_tiles import Http
from common import (
    SCALES,
    Result,
    bench_database,
    interleaved,
    live_server,
    median,
    percentile,
    plain_conninfo,
    print_table,
    tiles_covering,
    write_results,
)
from sqlalchemy import text

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.synthetic import synthesize

ZOOMS = (9, 11, 13)
MAX_TILES = 24
DESA_FILTER = quote("level='desa'")


def _district_bounds(engine) -> tuple[float, float, float, float]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        box = conn.execute(text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                "(SELECT ST_Extent(geom) AS e FROM admin_area WHERE level = 'desa') s")).one()
    return (box[0], box[1], box[2], box[3])


def _non_empty(http: Http, paths: list[str], headers: dict[str, str]) -> list[str]:
    kept = []
    for path in paths:
        status, body, _ = http.get(path, headers)
        assert status in (200, 204), (path, status)
        if status == 200 and body:
            kept.append(path)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tipg", required=True, help="path of the uvicorn of a virtualenv with tipg")
    args = parser.parse_args()
    results: list[Result] = []
    with bench_database("tilepeer") as engine:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        synthesize(engine, incidents=args.incidents, seed=11)
        add_user(engine, "bench-analyst", "analyst", "bench-password-123", actor="bench")
        token = create_token(engine, "bench-analyst", actor="bench")[1]
        auth = {"Authorization": f"Bearer {token}"}
        bounds = _district_bounds(engine)
        with live_server(engine, TILE_CACHE_MB=0) as base, \
                tipg_server(args.tipg, plain_conninfo(engine)) as peer:
            assert peer is not None
            ours, theirs = Http(base), Http(peer)
            for z in ZOOMS:
                for layer, ours_path, peer_path, what in (
                    ("incidents", "/tiles/incidents/{z}/{x}/{y}.pbf",
                     "/collections/public.incident/tiles/WebMercatorQuad/{z}/{x}/{y}",
                     "pks-geo: analyst token, every incident or an even sample above 20,000, 10 fields; "
                     "tipg: no auth, up to 10,000 incidents (lowest ids), every column"),
                    ("desa", "/tiles/areas-desa/{z}/{x}/{y}.pbf",
                     "/collections/public.admin_area/tiles/WebMercatorQuad/{z}/{x}/{y}?filter=" + DESA_FILTER,
                     "pks-geo: outlines + choropleth values (counts per desa, disclosure); "
                     "tipg: outlines + table columns, CQL2 filter level='desa'"),
                ):
                    tiles = tiles_covering(bounds, z)
                    mine_all = [ours_path.format(z=t[0], x=t[1], y=t[2]) for t in tiles]
                    peer_of = dict(zip(mine_all, (peer_path.format(z=t[0], x=t[1], y=t[2]) for t in tiles),
                                       strict=True))
                    pairs = [(m, peer_of[m]) for m in _non_empty(ours, mine_all, auth)]
                    pairs = pairs[:: max(1, len(pairs) // MAX_TILES)][:MAX_TILES]
                    ms_ours, ms_peer, bytes_ours, bytes_peer = [], [], 0, 0
                    for mine, peers in pairs:
                        status, body, _ = theirs.get(peers)
                        assert status in (200, 204), (peers, status, body[:200])
                        bytes_peer += len(body)
                        bytes_ours += len(ours.get(mine, auth)[1])
                        times = interleaved({"ours": lambda m=mine: ours.get(m, auth),
                                             "peer": lambda p=peers: theirs.get(p)}, args.repeat, warmup=1)
                        ms_ours.append(median(times["ours"]) * 1000)
                        ms_peer.append(median(times["peer"]) * 1000)
                    for q, label in ((50, "p50"), (95, "p95")):
                        mine_q, peer_q = percentile(ms_ours, q), percentile(ms_peer, q)
                        results.append(Result(
                            "TP", "kabupaten", f"{layer} tile z{z} {label} over {len(pairs)} tiles (HTTP)",
                            mine_q, "ms", "tipg 1.x, same table, same tiles, same machine", peer_q,
                            peer_q / mine_q, "pks-geo at most 1.0x tipg's time",
                            {"includes": what, "bytes_pks_geo": bytes_ours, "bytes_tipg": bytes_peer,
                             "tiles": len(pairs)}))
            ours.close()
            theirs.close()
    print_table(results)
    for r in results:
        print(f"{r.name}: bytes pks-geo {r.extra['bytes_pks_geo']:,} tipg {r.extra['bytes_tipg']:,}")
    path = write_results(results, "bench_tiles_peer", {"incidents": args.incidents, "repeat": args.repeat,
                                                        "zooms": ZOOMS})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
