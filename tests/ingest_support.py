"""Shared set-up for the ingest tests (tests/test_ingest_*.py, tests/test_demo_data.py).

The ingest tests write incidents and TPS, while other test files count incidents in the
session's ``loaded`` database. So they work in a database of their own: created once per
session with the Konawe Selatan boundaries and the elections calendar, and shared by the
ingest test modules, which keep out of each other's way by using their own ``source``.
Fixture files are written small, inside each test's ``tmp_path``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections

_ENGINES: dict[int, Engine] = {}

# Real desa of Konawe Selatan used across the tests.
LAMBAKARA = "74.05.19.2014"  # Laeya
LAMBAKARA_POINT = (-4.328901469499954, 122.49885044389424)  # (lat, lon) inside it
ANDOOLO = "74.05.03.2001"  # kecamatan Andoolo
LAMBANDIA = ("74.05.12.2004", "74.05.21.2005")  # the same name in Lalembuu and Basala


def ingest_engine_for(database_factory, ks_boundary_paths: list[Path]) -> Engine:  # type: ignore[no-untyped-def]
    """The shared ingest database (created on first use in this session)."""
    key = id(database_factory)
    if key not in _ENGINES:
        engine = get_engine(database_factory.create())
        schema.upgrade(engine)
        load_boundary_paths(engine, ks_boundary_paths, progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "elections")
        _ENGINES[key] = engine
    return _ENGINES[key]


def point_in(engine: Engine, kode: str) -> tuple[float, float]:
    """(lat, lon) of a point inside the desa ``kode``."""
    with engine.connect() as conn:
        lon, lat = conn.execute(text(
            "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_area "
            "WHERE kode = :k) s"), {"k": kode}).one()
    return lat, lon


def write_csv(path: Path, header: list[str], rows: list[list[object]], *, delimiter: str = ",",
              encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def source_rows(engine: Engine, source: str) -> dict[str, dict[str, object]]:
    """external_id -> stored incident columns (with lat/lon) of one source."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT *, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM incident WHERE source = :s"),
            {"s": source}).mappings().all()
    return {r["external_id"]: dict(r) for r in rows}
