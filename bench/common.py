"""Helpers shared by the benchmark scripts: bench databases, data sets per scale, timing, output.

Benchmarks never touch the user's ``pks_geo`` database: every run creates its own
databases (``pks_geo_bench_<scale>_<pid>``) on the same server as the tests (the local
cluster, or ``PKS_GEO_TEST_DATABASE_URL``) and drops them at the end.

Timings are reported as ratios against a reference measured side by side in the same run
(same data, same machine state), each the median of several repetitions, because absolute
milliseconds on a shared 2-core machine mean little on their own.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import platform
import secrets
import socket
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from pks_geo import schema
from pks_geo.config import PROJECT_ROOT, Settings
from pks_geo.db import get_engine

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"
SHARED = PROJECT_ROOT.parent / "shared" / "boundaries"
"""Boundary files beside the project's checkouts: Konawe Selatan and the province and national
scale files (the last two are not shipped in data/boundaries)."""

SCALES: dict[str, list[Path]] = {
    "kabupaten": [SHARED / "konawe_selatan_kabupaten.geojson", SHARED / "konawe_selatan_kecamatan.geojson",
                  SHARED / "konawe_selatan_desa.geojson"],
    "province": [SHARED / "sulawesi_tenggara_kecamatan.geojson", SHARED / "sulawesi_tenggara_desa.geojson"],
    "national": [SHARED / "indonesia_kecamatan.geojson"],
    "million": [SHARED / "sulawesi_tenggara_kecamatan.geojson", SHARED / "sulawesi_tenggara_desa.geojson"],
}
"""Boundary files per scale: Konawe Selatan (351 desa), Sulawesi Tenggara (2,283 desa),
Indonesia (7,285 kecamatan, no desa)."""
SCALE_LEVEL = {"kabupaten": "desa", "province": "desa", "national": "kecamatan", "million": "desa"}
"""The finest level loaded at each scale (what incidents are located in and maps draw)."""


def admin_url() -> str:
    """A superuser URL on the bench server (may create and drop databases)."""
    url = os.environ.get("PKS_GEO_TEST_DATABASE_URL")
    if url:
        return url
    from pks_geo.localpg import LocalCluster

    return LocalCluster.from_settings(Settings.from_env()).up()


@contextmanager
def bench_database(tag: str) -> Iterator[Engine]:
    """A fresh migrated database, dropped afterwards (even on failure)."""
    admin = make_url(admin_url()).set(drivername="postgresql+psycopg")
    name = f"pks_geo_bench_{tag}_{os.getpid()}_{secrets.token_hex(3)}"
    conninfo = admin.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')  # name generated above
    url = admin.set(database=name).render_as_string(hide_password=False)
    engine = get_engine(url)
    try:
        schema.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        get_engine.cache_clear()
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plain_conninfo(engine: Engine) -> str:
    """libpq conninfo of an engine's database, for bare psycopg reference runs."""
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)


# --- timing -------------------------------------------------------------------------------------

def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def repeat(fn: Callable[[], Any], repetitions: int, warmup: int = 1) -> list[float]:
    """Seconds of each of ``repetitions`` runs after ``warmup`` unmeasured runs."""
    for _ in range(warmup):
        fn()
    return [timed(fn)[0] for _ in range(repetitions)]


def median(values: list[float]) -> float:
    return statistics.median(values) if values else math.nan


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def interleaved(fns: dict[str, Callable[[], Any]], repetitions: int,
                warmup: int = 1) -> dict[str, list[float]]:
    """Time several candidates alternately (A B C A B C ...), so drift hits them all alike."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repetitions):
        for name, fn in fns.items():
            out[name].append(timed(fn)[0])
    return out


# --- web mercator tiles -------------------------------------------------------------------------

def lonlat_to_tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2 ** z
    x = int((lon + 180.0) / 360.0 * n)
    lat_r = math.radians(lat)
    y = int((1.0 - math.asinh(math.tan(lat_r)) / math.pi) / 2.0 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def tiles_covering(bounds: tuple[float, float, float, float], z: int) -> list[tuple[int, int, int]]:
    """All tiles at zoom ``z`` that intersect the lon/lat box (minx, miny, maxx, maxy)."""
    x0, y0 = lonlat_to_tile(bounds[0], bounds[3], z)
    x1, y1 = lonlat_to_tile(bounds[2], bounds[1], z)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


# --- a live server --------------------------------------------------------------------------------

def _serve(url: str, config: dict[str, Any], port: int, ready: Any) -> None:
    """Child process: the app under waitress (what ``pks-geo serve`` runs)."""
    from waitress.server import create_server

    from pks_geo.web import create_app

    app = create_app({"DATABASE_URL": url, "TESTING": True, **config})
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    ready.set()
    server.run()


def _serve_bytes(body: bytes, content_type: str, port: int, ready: Any) -> None:
    """Child process: waitress answering every request with ``body`` (a cache-hit reference)."""
    from waitress.server import create_server

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
        return [body]

    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    ready.set()
    server.run()


@contextmanager
def bytes_server(body: bytes, content_type: str = "application/geo+json") -> Iterator[str]:
    """The same WSGI server as the app's, serving ``body`` from memory for every request: what a
    cached response costs with no application at all, the fair reference for a cache hit."""
    with _spawned(_serve_bytes, (body, content_type)) as url:
        yield url


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _spawned(target: Any, args: tuple[Any, ...]) -> Iterator[str]:
    port = free_port()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    process = context.Process(target=target, args=(*args, port, ready), daemon=True)
    process.start()
    try:
        if not ready.wait(120):
            raise RuntimeError("the bench server did not start within 120 s")
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or not process.is_alive():
                    raise
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.join(10)


@contextmanager
def live_server(engine: Engine, **config: Any) -> Iterator[str]:
    """The real app under waitress on a free loopback port, in a process of its own.

    Like a deployment (``pks-geo serve``): the server does not share an interpreter (and its
    lock) with the benchmark's client and reference measurements, which would slow whichever
    side happens to wait for it."""
    url = engine.url.render_as_string(hide_password=False)
    with _spawned(_serve, (url, config)) as base:
        yield base


# --- results ------------------------------------------------------------------------------------

@dataclass
class Result:
    """One measured comparison: pks-geo against a reference, as a ratio of medians."""

    group: str
    scale: str
    name: str
    value: float
    unit: str
    reference: str = ""
    reference_value: float = math.nan
    ratio: float = math.nan
    """``value / reference_value`` for rates, ``reference_value / value`` for times (> 1 = pks-geo faster)."""
    target: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def fmt(value: float, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}g}"


def print_table(results: list[Result]) -> None:
    header = ("group", "scale", "measurement", "pks-geo", "unit", "reference", "ref value", "ratio", "target")
    rows = [header] + [(r.group, r.scale, r.name, fmt(r.value), r.unit, r.reference, fmt(r.reference_value),
                        fmt(r.ratio), r.target) for r in results]
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(header))]
    for i, row in enumerate(rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
        if i == 0:
            print("  ".join("-" * width for width in widths))


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()}


def write_results(results: list[Result], name: str, meta: dict[str, Any]) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS_DIR / f"{name}-{stamp}.json"
    payload = {"created": stamp, "machine": machine(), **meta,
               "results": [r.__dict__ for r in results]}
    path.write_text(json.dumps(payload, indent=2, default=str, allow_nan=True))
    return path
