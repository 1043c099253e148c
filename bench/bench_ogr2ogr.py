"""GDAL reading a whole collection: ``ogr2ogr`` of every incident from ``/ogc`` to a GeoPackage.

What GIS staff do with GDAL 3.6 (Debian 12's ``gdal-bin``): copy the ``incidents`` collection
(``--incidents``, default 5,000 synthetic incidents) over HTTP with an API token as HTTP Basic.
GDAL 3.6 asks for ``limit=10`` and then follows the ``next`` links, which ask for pages of
at least 1,000 (GDAL >= 3.8 reads the limit's maximum from ``/ogc/api`` instead). Reference,
side by side in the same run: the same copy with the page size forced to 1,000
(``-oo PAGE_SIZE=1000``), the best GDAL can do whatever the server says. Ratio target
<= 1.1 (the default read is as fast as the forced one). Writes
``bench/results/bench_ogr2ogr-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_ogr2ogr.py [--incidents 5000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time

from common import SCALES, Result, bench_database, live_server, median, print_table, write_results

from pks_geo.auth.tokens import create_token
from pks_geo.auth.users import add_user
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.synthetic import synthesize


def ogr2ogr(base: str, auth: str, *options: str) -> tuple[float, str]:
    """Seconds for one complete copy of ``incidents`` into a fresh GeoPackage."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "insiden.gpkg")
        env = {**os.environ, "GDAL_HTTP_AUTH": "BASIC", "GDAL_HTTP_USERPWD": auth}
        start = time.perf_counter()
        subprocess.run(["ogr2ogr", "-f", "GPKG", out, f"OAPIF:{base}/ogc", "incidents", *options],
                       env=env, check=True, capture_output=True)
        elapsed = time.perf_counter() - start
        count = subprocess.run(["ogrinfo", "-ro", "-so", out, "incidents"], capture_output=True,
                               text=True, check=True).stdout
        return elapsed, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with bench_database("ogr2ogr") as engine:
        load_boundary_paths(engine, SCALES["kabupaten"], progress=False)
        synthesize(engine, incidents=args.incidents, seed=11)
        add_user(engine, "bench-analyst", "analyst", "bench-password-123", actor="bench")
        auth = "bench-analyst:" + create_token(engine, "bench-analyst", actor="bench")[1]
        times: dict[str, list[float]] = {"default": [], "forced": []}
        with live_server(engine) as base:
            for _ in range(args.repeat):  # alternate, so load on the machine hits both alike
                for name, options in (("default", ()), ("forced", ("-oo", "PAGE_SIZE=1000"))):
                    seconds, info = ogr2ogr(base, auth, *options)
                    assert f"Feature Count: {args.incidents}" in info, info
                    times[name].append(seconds)
    default, forced = median(times["default"]), median(times["forced"])
    results = [Result("G", "kabupaten", f"ogr2ogr of {args.incidents:,} incidents from /ogc (GDAL "
                                        "3.6, Basic auth, GDAL's own page size)",
                      default, "s", "same copy with -oo PAGE_SIZE=1000", forced, forced / default,
                      "default within 1.1x of forced")]
    print_table(results)
    print(f"all runs: {times}")
    path = write_results(results, "bench_ogr2ogr", {"incidents": args.incidents, "repeat": args.repeat})
    print(f"written to {path}")


if __name__ == "__main__":
    main()
