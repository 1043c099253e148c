"""The benchmark suite in one command: pks-geo against side-by-side references at three scales.

    .venv/bin/python bench/run_all.py [--scale kabupaten|province|national ...] [--repeat N]

Scales: ``kabupaten`` (Konawe Selatan, 351 desa), ``province`` (Sulawesi Tenggara, 2,283
desa), ``national`` (Indonesia, 7,285 kecamatan; no desa). Each scale gets its own database
(created and dropped here; the user's ``pks_geo`` database is never touched), loads its
boundaries, adds synthetic incidents and TPS (``pks-geo synth``) and measures:

- (L) boundary load: ``load_boundary_paths`` vs geopandas ``read_file`` + ``to_postgis``;
- (J) incident locating, rows/s: pks-geo's locating rules alone (``create_locate_table`` +
  ``locate_incidents``) and the whole ACLED file import (``import_incidents`` on
  bench/bench_import.py's file) vs the bare PostGIS join (COPY + ``ST_Covers`` join + INSERT),
  vs ``geopandas.sjoin`` in memory and vs bench_import's read + sjoin + to_postgis pipeline;
- (T) ``/tiles/areas-<level>/z/x/y.pbf`` vs the same ``ST_AsMVT`` statement run bare
  (bench/bench_tiles.py), p50/p95 per tile, warm, tile cache off (cache hits reported too);
- (G) ``/api/v1/choropleth`` computed (response cache off) vs the bare SQL writing the same GeoJSON
  (the app's simplified geometries copied into a table, the same counts) through psycopg;
- (F) OGC ``/ogc/collections/areas/items`` at limit 1, 10, 100, 1000 vs the bare SQL of the same
  features (``json_build_object`` per row, as the endpoint runs it) through psycopg;
- (H) Gi*: pks-geo's statistics (``compute_hotspots``) and its whole request path including the
  aggregate SQL (``hotspots``) vs bare ``esda.G_Local(star=True)`` on the same values and weights,
  with the same inference (the default is analytic, so esda runs with ``permutations=0``);
- (B) province only: the tiled desa map in headless Chromium (first draw, pan, zoom) vs the
  GeoJSON choropleth.

Every ratio is ``pks-geo / reference`` in the row's unit (ms: lower is better; rows/s and
bytes/s: higher is better), medians of ``--repeat`` runs measured alternately in one run.
Prints a table and writes ``bench/results/run_all-<UTC time>.json``.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
from bench_choropleth import BARE_SQL, copy_display_geometries
from bench_export import export_after_change, export_bytes, server_only
from bench_ogc_paging import bare_keyset_page
from bench_tiles import Http, browser_results, tile_results
from common import (
    SCALE_LEVEL,
    SCALES,
    Result,
    bench_database,
    interleaved,
    live_server,
    median,
    plain_conninfo,
    print_table,
    repeat,
    write_results,
)
from sqlalchemy import Engine, text

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.feature_sql.features import COLLECTIONS
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.synthetic import synthesize

SYNTH = {"kabupaten": (20_000, 2_000), "province": (100_000, 10_000), "national": (100_000, 0),
         "million": (1_000_000, 10_000)}
"""Synthetic incidents and TPS per scale (national has no desa, so no TPS; ``million`` is the
province with ten times its incidents, the scale where the cliffs of issue 21 were found)."""
LOCATE_ROWS = {"kabupaten": 20_000, "province": 100_000, "national": 100_000, "million": 100_000}
PAGING_DEPTHS = (0, 10_000, 100_000, 990_000)
"""Incident items pages of the ``million`` scale: shallow, the issue's 10k / 100k, and near the end."""
OGC_LIMITS = (1, 10, 100, 1000)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- (L) boundary loads -------------------------------------------------------------------------

def load_results(engine: Engine, scale: str, reps: int) -> list[Result]:
    paths = SCALES[scale]
    report = None

    def pks_geo() -> None:
        nonlocal report
        with engine.begin() as conn:
            conn.execute(text("DELETE FROM admin_area"))
        report = load_boundary_paths(engine, paths, progress=False)

    def geopandas() -> None:
        for i, path in enumerate(paths):
            gpd.read_file(path, engine="pyogrio").to_postgis(f"bench_load_{i}", engine, if_exists="replace")

    times = interleaved({"pks": pks_geo, "ref": geopandas}, reps, warmup=0)
    assert report is not None
    rows = report.accepted
    repaired = sum(1 for w in report.warnings if w.field == "geometry" and "make_valid" in w.reason)
    with engine.begin() as conn:
        for i in range(len(paths)):
            conn.execute(text(f"DROP TABLE IF EXISTS bench_load_{i}"))  # i is ours, not input
    pks_rate, ref_rate = rows / median(times["pks"]), rows / median(times["ref"])
    return [Result("L", scale, f"boundary load ({rows} areas)", pks_rate, "areas/s",
                   "gpd.read_file + to_postgis", ref_rate, pks_rate / ref_rate, "works",
                   {"seconds": median(times["pks"]), "repaired": repaired, "warnings": len(report.warnings)})]


def prepare_data(engine: Engine, scale: str) -> dict[str, Any]:
    with engine.begin() as conn:
        upsert_elections(conn, read_elections_file(), "data/elections.toml")
    incidents, tps = SYNTH[scale]
    result = synthesize(engine, incidents=incidents, tps=tps, seed=1)
    log(result.summary())
    return {"synth_seconds": result.seconds, "synth_rows_per_s": (incidents + tps) / result.seconds}


# --- (J) locating ------------------------------------------------------------------------------

BARE_JOIN = """
CREATE TEMP TABLE bare_pts (idx integer, lon float8, lat float8) ON COMMIT DROP;
"""
BARE_INSERT = """
INSERT INTO bare_located (idx, kode, parent_kode, geom)
SELECT DISTINCT ON (p.idx) p.idx, a.kode, a.parent_kode, p.geom
FROM (SELECT idx, ST_SetSRID(ST_MakePoint(lon, lat), 4326) AS geom FROM bare_pts) p
JOIN admin_area a ON a.level = %(level)s AND ST_Covers(a.geom, p.geom)
ORDER BY p.idx, a.kode
"""


def bare_join(conninfo: str, lon: np.ndarray, lat: np.ndarray, level: str) -> int:
    """COPY the points, locate them with one ST_Covers join, store the result."""
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS bare_located")
        conn.execute("CREATE TABLE bare_located (idx integer, kode text, parent_kode text, "
                     "geom geometry(Point, 4326))")
        conn.execute("SET jit = off")  # as pks-geo's locator does
        conn.execute(BARE_JOIN)
        with conn.cursor() as cur, cur.copy("COPY bare_pts (idx, lon, lat) FROM STDIN") as copy:
            for row in zip(range(len(lon)), lon.tolist(), lat.tolist(), strict=True):
                copy.write_row(row)
        located = conn.execute(BARE_INSERT, {"level": level}).rowcount
        conn.commit()
    return located


def pks_locate_only(engine: Engine, lon: np.ndarray, lat: np.ndarray) -> int:
    """pks-geo's locating rules alone (COPY into its locate table + every rule), no file reading
    or validation: the part comparable with the bare join."""
    from pks_geo.ingest.locate import create_locate_table, locate_incidents

    rows = ((i, x, y, True, None, None, None, True)
            for i, (x, y) in enumerate(zip(lon.tolist(), lat.tolist(), strict=True)))
    with engine.begin() as conn:
        create_locate_table(conn, "incident_locate", rows)
        locate_incidents(conn, "incident_locate")
        return int(conn.execute(text("SELECT count(*) FROM incident_locate WHERE desa_kode IS NOT NULL"))
                   .scalar())


def sample_points(engine: Engine, level: str, n: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    areas = gpd.read_postgis(text("SELECT kode, geom FROM admin_area WHERE level = :l ORDER BY kode"),
                             engine, geom_col="geom", params={"l": level})
    weights = areas.to_crs(32751).area.to_numpy()
    counts = np.random.default_rng(seed).multinomial(n, weights / weights.sum())
    points = areas.geometry.sample_points(size=counts, rng=seed).explode(index_parts=False)
    points = points[~points.is_empty]
    return points.x.to_numpy(), points.y.to_numpy()


def locate_results(engine: Engine, scale: str, reps: int) -> list[Result]:
    import bench_import

    from pks_geo.ingest.incident_load import import_incidents

    level = SCALE_LEVEL[scale]
    n = LOCATE_ROWS[scale]
    conninfo = plain_conninfo(engine)
    areas = gpd.read_postgis(text("SELECT kode, parent_kode, geom FROM admin_area WHERE level = :l"),
                             engine, geom_col="geom", params={"l": level})
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        fns: dict[str, Any] = {}
        path = Path(tmp) / "acled.csv"
        if level == "desa":
            bench_import.write_acled(path, n, engine)
            frame = pd.read_csv(path, usecols=["longitude", "latitude"])
            lon, lat = frame["longitude"].to_numpy(), frame["latitude"].to_numpy()

            runs = iter(range(1_000))

            def pks_geo() -> None:  # a new source each time: a first import, nothing to clear
                source = f"bench-locate-{next(runs)}"
                report = import_incidents(engine, path, fmt="acled", source=source, progress=False)
                assert report.inserted == len(lon), report.summary()

            fns["pks"] = pks_geo
            fns["locate"] = lambda: pks_locate_only(engine, lon, lat)
            fns["pipeline"] = lambda: bench_import.reference(path, engine)
        else:
            lon, lat = sample_points(engine, level, n)
        points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(lon, lat), crs=4326)
        fns["bare"] = lambda: bare_join(conninfo, lon, lat, level)
        fns["sjoin"] = lambda: gpd.sjoin(points, areas, how="inner", predicate="within")
        times = interleaved(fns, reps)
    rows = len(lon)
    rate = {k: rows / median(v) for k, v in times.items()}
    if "pks" in rate:
        for ref, label in (("bare", "bare PostGIS join SQL"), ("sjoin", "geopandas.sjoin (in memory)")):
            results.append(Result("J", scale, f"locate only ({rows} points)", rate["locate"], "rows/s",
                                  label, rate[ref], rate["locate"] / rate[ref],
                                  ">= 50,000 rows/s (province)"))
        for ref, label in (("bare", "bare PostGIS join SQL"), ("pipeline", "read_file + sjoin + to_postgis")):
            results.append(Result("J", scale, f"ACLED file import ({rows} rows)", rate["pks"], "rows/s",
                                  label, rate[ref], rate["pks"] / rate[ref], ""))
    else:
        results.append(Result("J", scale, f"bare PostGIS join ({rows} rows, kecamatan)", rate["bare"],
                              "rows/s", "geopandas.sjoin (in memory)", rate["sjoin"],
                              rate["bare"] / rate["sjoin"], "pks-geo locates in desa: n/a"))
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("DELETE FROM incident WHERE source LIKE 'bench-locate-%'")
        conn.execute("DROP TABLE IF EXISTS bare_located")
        conn.execute("DROP TABLE IF EXISTS bench_reference")
    return results


# --- (G) choropleth GeoJSON -----------------------------------------------------------------------

def choropleth_results(engine: Engine, base_url: str, scale: str, reps: int) -> list[Result]:
    level = SCALE_LEVEL[scale]
    client = Http(base_url)
    path = f"/api/v1/choropleth?level={level}&metric=count"
    status, body, _ = client.get(path)
    assert status == 200, body[:300]
    copy_display_geometries(engine, level)
    bare = BARE_SQL.format(geometry_table="bench_display_geom", level=level)
    sizes: dict[str, int] = {"pks": len(body)}
    with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
        sizes["db"] = len(conn.execute(bare).fetchone()[0].encode())
        times = interleaved({
            "pks": lambda: client.get(path),
            "db": lambda: conn.execute(bare).fetchone(),
        }, reps)
    client.close()
    ms = {k: median(v) * 1000 for k, v in times.items()}
    extra = {"bytes": sizes, "ms": ms}
    return [
        Result("G", scale, f"choropleth {level} computed, HTTP, response cache off ({sizes['pks']:,} B)",
               ms["pks"], "ms", "bare SQL of the same GeoJSON (same simplified geometries, same counts)",
               ms["db"], ms["pks"] / ms["db"], "<= 1.5", extra),
    ]


# --- (F) OGC API items --------------------------------------------------------------------------

def ogc_results(engine: Engine, base_url: str, scale: str, reps: int) -> list[Result]:
    level = SCALE_LEVEL[scale]
    client = Http(base_url)
    results = []
    spec = COLLECTIONS["areas"]
    bare = (f"SELECT {spec.feature_sql()} FROM {spec.from_sql} WHERE a.level = %(level)s "
            f"ORDER BY {spec.id_sql} LIMIT %(limit)s")  # the same features, without HTTP or paging
    health = median(repeat(lambda: client.get("/healthz"), 50, warmup=5)) * 1000
    with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
        for limit in OGC_LIMITS:
            path = f"/ogc/collections/areas/items?level={level}&limit={limit}"
            status, body, _ = client.get(path)
            assert status == 200, body[:300]
            times = interleaved({
                "api": lambda path=path: client.get(path),
                "sql": lambda limit=limit: conn.execute(bare, {"level": level, "limit": limit}).fetchall(),
            }, max(reps, 5))
            ms, ref = median(times["api"]) * 1000, median(times["sql"]) * 1000
            results.append(Result("F", scale, f"OGC areas/items limit={limit} (HTTP, count, links)", ms, "ms",
                                  "the same features' SQL via psycopg (no HTTP)", ref, ms / ref, "",
                                  {"bytes": len(body), "healthz_ms": health}))
    client.close()
    return results


def incident_paging_results(engine: Engine, base_url: str, scale: str, reps: int) -> list[Result]:
    """(P) OGC incident pages by keyset (what ``next`` links carry) at growing depth, each against
    the bare SQL of the same page through psycopg."""
    client = Http(base_url)
    results = []
    user = "bench-analyst"
    add_user(engine, user, "analyst", secrets.token_urlsafe(16), actor="bench")
    headers = {"Authorization": f"Bearer {create_token(engine, user, actor='bench')[1]}"}
    with psycopg.connect(plain_conninfo(engine), autocommit=True) as conn:
        ids = [None] + [conn.execute("SELECT id FROM incident ORDER BY id OFFSET %s LIMIT 1",
                                     (depth - 1,)).fetchone()[0] for depth in PAGING_DEPTHS[1:]]
        for depth, after in zip(PAGING_DEPTHS, ids, strict=True):
            path = "/ogc/collections/incidents/items?limit=10" + (f"&after={after}" if after else "")
            status, body, _ = client.get(path, headers)
            assert status == 200, body[:300]
            times = interleaved({"api": lambda path=path: client.get(path, headers),
                                 "sql": lambda after=after: bare_keyset_page(conn, after, 10)}, max(reps, 7))
            ms, ref = median(times["api"]) * 1000, median(times["sql"]) * 1000
            results.append(Result("P", scale, f"OGC incidents/items limit=10 at depth {depth:,} (keyset)", ms,
                                  "ms", "the same page's SQL via psycopg (no HTTP)", ref, ms / ref, "",
                                  {"bytes": len(body)}))
    client.close()
    return results


def export_results(engine: Engine, scale: str) -> list[Result]:
    """(E) The incidents GeoJSON export, first after a data change (feature cache rebuilt) and
    again, against PostgreSQL producing the same feature texts without sending them."""
    cold = interleaved({"cold": lambda: export_after_change(engine)}, 1, warmup=0)["cold"]
    times = interleaved({"warm": lambda: export_bytes(engine, {}), "server": lambda: server_only(engine)}, 3)
    size = export_bytes(engine, {})
    return [Result("E", scale, f"incidents GeoJSON export, first after a change ({size:,} B)", median(cold),
                   "s", "PostGIS making the same texts, not sent", median(times["server"]),
                   median(cold) / median(times["server"]), ""),
            Result("E", scale, "incidents GeoJSON export, feature cache current", median(times["warm"]), "s",
                   "PostGIS making the same texts, not sent", median(times["server"]),
                   median(times["warm"]) / median(times["server"]), "")]


# --- (H) Gi* ---------------------------------------------------------------------------------------

def hotspot_results(engine: Engine, scale: str, reps: int) -> list[Result]:
    from esda.getisord import G_Local

    from pks_geo.queries.filters import parse_filters
    from pks_geo.stats.aggregate import aggregate
    from pks_geo.stats.hotspots import HotspotOptions, compute_hotspots, hotspots
    from pks_geo.stats.weights import area_weights

    level = SCALE_LEVEL[scale]
    filters = parse_filters({"level": level}, engine)
    options = HotspotOptions()
    weights = area_weights(engine, level)
    frame_all = aggregate(engine, level, "count", filters)
    y = frame_all.set_index("kode").loc[list(weights.w.id_order), "value"].to_numpy(dtype=float)
    w = weights.fresh_w()
    w.transform = "B"

    # like with like: the default analytic inference against esda without permutations
    permutations = 0 if options.inference == "analytic" else options.permutations

    def bare() -> None:
        G_Local(y, w, transform="B", permutations=permutations, star=True, n_jobs=1, seed=options.seed)

    times = interleaved({"whole": lambda: hotspots(engine, level, "count", filters, options),
                         "stats": lambda: compute_hotspots(frame_all, weights, options), "esda": bare}, reps)
    ms = {k: median(v) * 1000 for k, v in times.items()}
    name = f"Gi* {level} ({len(y)} areas, {options.inference}, {permutations} perm.)"
    ref = f"bare esda.G_Local(star=True, permutations={permutations})"
    return [Result("H", scale, f"{name}, statistics", ms["stats"], "ms", ref, ms["esda"],
                   ms["stats"] / ms["esda"], ""),
            Result("H", scale, f"{name}, incl. aggregate SQL", ms["whole"], "ms", ref, ms["esda"],
                   ms["whole"] / ms["esda"], "")]


# --- the run -------------------------------------------------------------------------------------

def run_scale(scale: str, reps: int, browser: bool) -> tuple[list[Result], dict[str, Any]]:
    results: list[Result] = []
    with bench_database(scale) as engine:
        log(f"{scale}: loading boundaries")
        results += load_results(engine, scale, reps=3)
        log(f"{scale}: locating incidents (J)")
        results += locate_results(engine, scale, reps=3)
        meta = prepare_data(engine, scale)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        level = SCALE_LEVEL[scale]
        # MIN_CELL=1: the bare references compute exact counts, so the anonymous requests must get
        # the same document (the default minimum cell of 3 suppresses small counts below analyst)
        exact = {"MIN_CELL": 1}
        with live_server(engine, TILE_CACHE_MB=0, RESPONSE_CACHE_MB=0, **exact) as base, \
                live_server(engine, **exact) as cached:
            log(f"{scale}: tiles (T)")
            results += tile_results(engine, base, cached, scale, level, repetitions=3)
            log(f"{scale}: choropleth (G)")
            results += choropleth_results(engine, base, scale, reps)
            log(f"{scale}: OGC items (F)")
            results += ogc_results(engine, base, scale, reps)
            if scale == "million":
                log(f"{scale}: OGC incident paging (P)")
                results += incident_paging_results(engine, cached, scale, reps)
            if browser:
                log(f"{scale}: browser (B)")
                with engine.connect() as conn:
                    box = conn.execute(text("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM "
                                            "(SELECT ST_Extent(geom) e FROM admin_area WHERE level = :l) s"),
                                       {"l": level}).one()
                results += browser_results(base, tuple(box), scale, level)
        if scale == "million":
            log(f"{scale}: export (E)")
            results += export_results(engine, scale)
        log(f"{scale}: hot spots (H)")
        results += hotspot_results(engine, scale, reps=3)
    return results, meta


def main() -> None:
    parser = argparse.ArgumentParser(description="pks-geo benchmark suite (see bench/README.md)")
    parser.add_argument("--scale", choices=list(SCALES), action="append",
                        help="scale(s) to run; default kabupaten, province and national (million: "
                        "the province with 1,000,000 incidents, about 40 min)")
    parser.add_argument("--repeat", type=int, default=5, help="repetitions per light measurement")
    parser.add_argument("--no-browser", action="store_true", help="skip the headless Chromium map")
    args = parser.parse_args()
    scales = args.scale or [scale for scale in SCALES if scale != "million"]
    results: list[Result] = []
    meta: dict[str, Any] = {}
    for scale in scales:
        scale_results, scale_meta = run_scale(scale, args.repeat, browser=scale == "province"
                                              and not args.no_browser)
        results += scale_results
        meta[scale] = scale_meta
        print_table(scale_results)
        print()
    print_table(results)
    path = write_results(results, "run_all", {"scales": scales, "repeat": args.repeat, "data": meta})
    print(f"\nresults written to {path}")


if __name__ == "__main__":
    main()
