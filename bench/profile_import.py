"""Where an incident import spends its time: CPU of Python and of the PostgreSQL backend, per SQL step.

Not a benchmark (no reference, no ratios): a breakdown to decide what to optimise. In a bench
database of its own (like ``bench_import.py``: Konawe Selatan desa, the elections calendar,
N seeded ACLED rows) it runs ``import_incidents`` ``--repeat`` times from an empty ``incident``
table and reports, as medians:

* wall time, the Python process's CPU time, and the PostgreSQL backend's CPU time (read from
  ``/proc/<backend pid>/stat``, so the server must run on this machine);
* the wall time of every SQL statement the import sends (grouped by its first words), which is
  time the worker thread spends waiting for the server;
* with ``--cprofile``, the functions of the importing (main) thread by cumulative time.

Usage: ``.venv/bin/python bench/profile_import.py [--rows 100000] [--repeat 3] [--scale kabupaten|province]
[--timeline] [--cprofile] [--reimport]``
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import os
import pstats
import re
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench_import import empty_incident_table, write_acled
from common import SCALES, bench_database
from sqlalchemy import Engine, event, text

from pks_geo.config import Settings
from pks_geo.ingest import copy_rows, incident_load, incident_store
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.incident_load import import_incidents
from pks_geo.manifest import load_manifest

TICKS = os.sysconf("SC_CLK_TCK")


def backend_cpu(pids: set[int]) -> float:
    """utime + stime (seconds) of the given server processes."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


class StatementTimer:
    """Wall time per statement kind on ``engine`` (COPY timed through ``copy_into``)."""

    def __init__(self, engine: Engine) -> None:
        self.times: dict[str, float] = defaultdict(float)
        self.pids: set[int] = set()
        self._start: dict[int, float] = {}
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        original = copy_rows.copy_into

        def timed_copy(conn, table, columns, data):  # type: ignore[no-untyped-def]
            start = time.perf_counter()
            original(conn, table, columns, data)
            self.times[f"COPY {table}"] += time.perf_counter() - start

        for module in ("pks_geo.ingest.incident_store", "pks_geo.ingest.locate"):
            importlib.import_module(module).copy_into = timed_copy  # type: ignore[attr-defined]

    def _before(self, conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        self.pids.add(cursor.connection.info.backend_pid)
        self._start[threading.get_ident()] = time.perf_counter()

    def _after(self, conn, cursor, statement, *args) -> None:  # type: ignore[no-untyped-def]
        elapsed = time.perf_counter() - self._start.pop(threading.get_ident())
        words = re.sub(r"\s+", " ", statement).strip()
        key = " ".join(words.split(" ")[:6])[:70]
        self.times[key] += elapsed


class Timeline:
    """Moments of one import: file read, and each batch submitted / started / stored."""

    def __init__(self) -> None:
        self.t0 = 0.0
        self.marks: list[tuple[float, str]] = []
        reader = incident_load.READERS["acled"]

        def timed_reader(path):  # type: ignore[no-untyped-def]
            table = reader(path)
            self.mark("file read")
            return table

        incident_load.READERS["acled"] = timed_reader
        submit, store = incident_store.BatchStore.submit, incident_store.BatchStore._store

        def timed_submit(this, records):  # type: ignore[no-untyped-def]
            self.mark(f"submit {len(records)} rows")
            submit(this, records)

        def timed_store(this, batch):  # type: ignore[no-untyped-def]
            self.mark(f"  worker: start {len(batch.rows)} rows")
            store(this, batch)
            self.mark(f"  worker: stored {len(batch.rows)} rows")

        incident_store.BatchStore.submit = timed_submit  # type: ignore[method-assign]
        incident_store.BatchStore._store = timed_store  # type: ignore[method-assign]

    def start(self, t0: float) -> None:
        self.t0, self.marks = t0, []

    def mark(self, label: str) -> None:
        self.marks.append((time.perf_counter() - self.t0, label))

    def show(self) -> None:
        for moment, label in sorted(self.marks):
            print(f"    {moment:6.3f} s  {label}")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cprofile", action="store_true", help="profile the main thread (slower)")
    parser.add_argument("--reimport", action="store_true", help="profile re-imports (unchanged rows)")
    parser.add_argument("--scale", choices=("kabupaten", "province"), default="kabupaten",
                        help="desa to locate in: Konawe Selatan (351) or Sulawesi Tenggara (2,283)")
    parser.add_argument("--timeline", action="store_true",
                        help="print when the file was read and each batch submitted, started, stored")
    args = parser.parse_args()
    with bench_database("profile") as engine, tempfile.TemporaryDirectory() as tmp:
        paths = (SCALES[args.scale] if args.scale != "kabupaten"
                 else load_manifest().boundary_paths(Settings().boundaries_dir))
        load_boundary_paths(engine, paths, progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "elections")
        path = Path(tmp) / "acled.csv"
        write_acled(path, args.rows, engine)
        timer = StatementTimer(engine)
        with engine.connect() as conn:  # the pool's connection: its backend is the import's
            conn.execute(text("SELECT 1"))
        runs: list[dict[str, float]] = []
        events = Timeline() if args.timeline else None
        profile = cProfile.Profile()
        for i in range(args.repeat + 1):
            if not args.reimport or i == 0:
                empty_incident_table(engine)
            timer.times.clear()
            cpu0, server0, wall0 = time.process_time(), backend_cpu(timer.pids), time.perf_counter()
            if events is not None:
                events.start(wall0)
            if args.cprofile and i > 0:
                profile.enable()
            report = import_incidents(engine, path, fmt="acled", source="bench", progress=False)
            profile.disable()
            wall = time.perf_counter() - wall0
            run = {"wall": wall, "python cpu": time.process_time() - cpu0,
                   "server cpu": backend_cpu(timer.pids) - server0, **timer.times}
            if i > 0:  # the first run warms caches
                runs.append(run)
            print(f"run {i}: wall {wall:.2f} s, python {run['python cpu']:.2f} s, "
                  f"server {run['server cpu']:.2f} s; {report.summary()}")
            if events is not None:
                events.show()
    keys = list(dict.fromkeys(k for r in runs for k in r))
    print(f"\nmedians of {len(runs)} runs, seconds per {args.rows:,} rows "
          f"(load average {os.getloadavg()[0]:.1f}):")
    for key in keys:
        print(f"  {statistics.median(r.get(key, 0.0) for r in runs):7.3f}  {key}")
    if args.cprofile:
        pstats.Stats(profile).sort_stats("cumulative").print_stats(35)


if __name__ == "__main__":
    main()
