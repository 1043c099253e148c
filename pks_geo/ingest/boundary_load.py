"""Boundary loading use-cases shared by the CLI, ``pks-geo demo`` and tests.

Several files load as one unit: all are read and validated first, then stored in one
transaction ordered from kabupaten down to desa, so parents exist before children are
checked and a bad file leaves the database untouched.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from pks_geo.ingest.boundaries import normalise_frame, read_boundary_file
from pks_geo.ingest.boundary_store import store_boundaries
from pks_geo.ingest.report import ImportFailed, ImportReport
from pks_geo.ingest.table_statistics import analyze_tables
from pks_geo.ingest.wilayah import WilayahSource, fetch_region

LEVEL_ORDER = {"provinsi": 0, "kabupaten": 1, "kecamatan": 2, "desa": 3}


def _store(engine: Engine, frames: list[tuple[str, gpd.GeoDataFrame]], report: ImportReport,
           progress: bool) -> ImportReport:
    combined = pd.concat([f.assign(_file=label) for label, f in frames], ignore_index=True)
    dupes = combined[combined.duplicated("kode", keep=False)]
    if not dupes.empty:
        listed = ", ".join(f"{k} ({', '.join(sorted(set(g['_file'])))})"
                           for k, g in dupes.groupby("kode"))
        raise ImportFailed(f"duplicate codes across the given files, nothing was loaded: {listed}")
    combined["_order"] = combined["level"].map(LEVEL_ORDER)
    with engine.begin() as conn:
        for _, part in combined.sort_values(["_order", "kode"]).groupby("_order", sort=True):
            for label, chunk in part.groupby("_file", sort=False):
                gdf = gpd.GeoDataFrame(chunk.drop(columns=["_file", "_order"]),
                                       geometry="geometry", crs=4326)
                store_boundaries(conn, gdf, str(label), report, progress=progress)
    analyze_tables(engine, "admin_area")
    return report


def load_boundary_paths(engine: Engine, paths: list[Path], crs: str | None = None,
                        level: str | None = None, progress: bool = True) -> ImportReport:
    """Read, validate and store boundary files; raises ImportFailed and changes nothing on error."""
    report = ImportReport(source=", ".join(str(p) for p in paths))
    frames = []
    for path in paths:
        raw = read_boundary_file(path, crs=crs)
        frames.append((str(path), normalise_frame(raw, str(path), report, level=level)))
    return _store(engine, frames, report, progress)


def fetch_and_load(engine: Engine, kode: str, source: str, progress: bool = True) -> ImportReport:
    """Convert and load a province or kabupaten from the upstream wilayah_boundaries layout."""
    src = WilayahSource(source)
    raw = fetch_region(kode, src)
    label = f"wilayah_boundaries:{kode}"
    report = ImportReport(source=f"{label} from {source}")
    frame = normalise_frame(raw, label, report)
    return _store(engine, [(f"{source} ({kode})", frame)], report, progress)
