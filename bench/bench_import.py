"""Incident import throughput: pks-geo vs. a plain GeoPandas pipeline, side by side.

Generates N ACLED-layout rows (default 100,000) with points inside the Konawe Selatan desa
(seeded), then times, alternately in one run, in a throwaway database on the same server:

* ``pks-geo``: ``import_incidents`` (read, validate every row, de-duplicate, COPY to staging,
  locate with ST_Covers in PostGIS, upsert into ``incident``), into an empty table;
* ``pks-geo re-import``: the same file again (everything unchanged, nothing written);
* ``reference``: ``geopandas.read_file`` (pyogrio, CSV with X/Y columns) + ``read_postgis`` of
  the desa + ``sjoin(predicate="within")`` + ``to_postgis`` into a new table (no validation);
* ``reference -> incident``: the same, but ``to_postgis`` appends to the real ``incident``
  table (its indexes and foreign keys), i.e. the same end state as pks-geo.

Medians of ``--repeat`` runs; prints rows/s and ratios and writes
``bench/results/bench_import-<UTC time>.json``. Usage:
``.venv/bin/python bench/bench_import.py [--rows 100000] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from datetime import date, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
from common import Result, bench_database, interleaved, median, print_table, write_results
from sqlalchemy import Engine, text

from pks_geo.config import Settings
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.ingest.elections import read_elections_file, upsert_elections
from pks_geo.ingest.incident_load import import_incidents
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.manifest import load_manifest

ACLED_COLUMNS = [
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
    "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
    "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2", "admin3",
    "location", "latitude", "longitude", "geo_precision", "source", "source_scale", "notes",
    "fatalities", "tags", "timestamp",
]
TYPES = [("Protests", "Peaceful protest"), ("Riots", "Mob violence"), ("Riots", "Violent demonstration"),
         ("Violence against civilians", "Attack"), ("Battles", "Armed clash"),
         ("Strategic developments", "Looting/property destruction")]
RESULTS = Path(__file__).parent / "results"


def write_acled(path: Path, rows: int, engine: Engine) -> None:
    """``rows`` ACLED events with points inside the loaded desa (seeded, area-weighted)."""
    desa = gpd.read_postgis("SELECT kode, nama, geom FROM admin_area WHERE level = 'desa' ORDER BY kode",
                            engine, geom_col="geom")
    rng = np.random.default_rng(20240917)
    weights = desa.to_crs(32751).area.to_numpy()
    counts = rng.multinomial(rows, weights / weights.sum())
    points = desa.geometry.sample_points(size=counts, rng=rng).explode(index_parts=False)
    points = points[~points.is_empty]
    names = desa.loc[points.index, "nama"].to_numpy()
    start = date(2017, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACLED_COLUMNS)
        for i, (point, nama) in enumerate(zip(points.to_numpy(), names, strict=True)):
            event_type, sub_type = TYPES[i % len(TYPES)]
            day = start + timedelta(days=int(rng.integers(0, 1095)))
            values = {
                "event_id_cnty": f"IDN{i + 1:06d}", "event_date": day.isoformat(), "year": day.year,
                "time_precision": 1, "disorder_type": "Political violence", "event_type": event_type,
                "sub_event_type": sub_type, "actor1": "Rioters (Indonesia)", "iso": 360,
                "region": "Southeast Asia", "country": "Indonesia", "admin1": "Southeast Sulawesi",
                "admin2": "South Konawe", "location": nama, "latitude": repr(point.y),
                "longitude": repr(point.x), "geo_precision": 1 if i % 10 else 2,
                "source": "Synthetic", "notes": f"synthetic benchmark event {i}",
                "fatalities": int(rng.integers(0, 2)), "timestamp": 1700000000,
            }
            writer.writerow([values.get(c, "") for c in ACLED_COLUMNS])


def empty_incident_table(engine: Engine) -> None:
    """Each first-import candidate starts from an empty, fresh ``incident`` table."""
    with engine.begin() as conn:
        conn.execute(text("TRUNCATE incident"))


def _located(path: Path, engine: Engine) -> gpd.GeoDataFrame:
    points = gpd.read_file(path, engine="pyogrio", X_POSSIBLE_NAMES="longitude",
                           Y_POSSIBLE_NAMES="latitude", KEEP_GEOM_COLUMNS="NO")
    points = points.set_crs(4326, allow_override=True)
    desa = gpd.read_postgis("SELECT kode AS desa_kode, parent_kode AS kecamatan_kode, geom "
                            "FROM admin_area WHERE level = 'desa'", engine, geom_col="geom")
    return gpd.sjoin(points, desa, how="inner", predicate="within").drop(columns="index_right")


def reference(path: Path, engine: Engine) -> int:
    """read_file + sjoin + to_postgis into a new table ``bench_reference``."""
    joined = _located(path, engine)
    joined.to_postgis("bench_reference", engine, if_exists="replace", index=False)
    return len(joined)


def reference_to_incident(path: Path, engine: Engine) -> int:
    """The same pipeline appending to ``incident`` (source ``bench-ref``), the pks-geo end state."""
    joined = _located(path, engine)
    joined = joined[~joined.index.duplicated()]  # a point on a shared border matches two desa
    acled = load_taxonomy().acled
    kategori = [acled.get((e.lower(), s.lower())) or acled.get((e.lower(), "*")) or "lainnya"
                for e, s in zip(joined["event_type"], joined["sub_event_type"], strict=True)]
    frame = gpd.GeoDataFrame({
        "source": "bench-ref", "external_id": joined["event_id_cnty"],
        "event_date": joined["event_date"].astype("datetime64[ns]").dt.date, "kategori": kategori,
        "original_type": joined["event_type"], "sub_type": joined["sub_event_type"],
        "location_precision": "exact", "desa_kode": joined["desa_kode"],
        "kecamatan_kode": joined["kecamatan_kode"], "counted": True,
    }, geometry=joined.geometry.values, crs=4326).rename_geometry("geom")
    empty_incident_table(engine)
    frame.to_postgis("incident", engine, if_exists="append", index=False)
    return len(frame)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with bench_database("import") as engine, tempfile.TemporaryDirectory() as tmp:
        load_boundary_paths(engine, load_manifest().boundary_paths(Settings().boundaries_dir),
                            progress=False)
        with engine.begin() as conn:
            upsert_elections(conn, read_elections_file(), "elections")
        path = Path(tmp) / "acled_bench.csv"
        write_acled(path, args.rows, engine)
        reports = []

        def pks_geo() -> None:
            empty_incident_table(engine)
            reports.append(import_incidents(engine, path, fmt="acled", source="bench", progress=False))

        def pks_geo_again() -> None:
            reports.append(import_incidents(engine, path, fmt="acled", source="bench", progress=False))

        times = interleaved({"pks-geo": pks_geo, "pks-geo re-import": pks_geo_again,
                             "reference": lambda: reference(path, engine),
                             "reference -> incident": lambda: reference_to_incident(path, engine)},
                            args.repeat)
        first, again = reports[-2], reports[-1]
        assert first.inserted == args.rows and not first.rejected, first.summary()
        assert again.unchanged == args.rows, again.summary()
    rate = {name: args.rows / median(values) for name, values in times.items()}
    results = [
        Result("J", "kabupaten", f"incident import+locate ({args.rows} ACLED rows)", rate["pks-geo"],
               "rows/s", label, rate[ref], rate["pks-geo"] / rate[ref], ">= 20,000 rows/s and >= 1")
        for ref, label in (("reference", "read_file+sjoin+to_postgis (new table)"),
                           ("reference -> incident", "read_file+sjoin+to_postgis (append incident)"))
    ]
    results.append(Result("J", "kabupaten", f"re-import, unchanged ({args.rows} rows)",
                          rate["pks-geo re-import"], "rows/s", "first import", rate["pks-geo"],
                          rate["pks-geo re-import"] / rate["pks-geo"]))
    print_table(results)
    print("written to", write_results(results, "bench_import", {
        "rows": args.rows, "repeat": args.repeat,
        "seconds": {k: [round(x, 3) for x in v] for k, v in times.items()}}))


if __name__ == "__main__":
    main()
