"""A seeded incident/TPS dataset on the Konawe Selatan boundaries, in a database of its own.

Used by the aggregation, choropleth and OGC tests. Other engineers' tests share the
session's ``loaded`` database, so these tests write into a separate one. The generator
places every located incident strictly inside exactly one desa and one kecamatan polygon,
so a GeoPandas spatial join is an independent check of the SQL that counts by code.

Built once per pytest process (module-level cache), whichever test module asks first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths

ELECTIONS = [("pilgub-sultra-2018", "Pilgub Sultra 2018", "pilgub", date(2018, 6, 27)),
             ("pemilu-2019", "Pemilu 2019", "pemilu", date(2019, 4, 17))]
KATEGORI = ["bentrok", "kerusuhan", "unjuk_rasa", "intimidasi", "politik_uang"]
STAGES = ["kampanye", "masa_tenang", "pemungutan_suara", "rekapitulasi"]
NO_TPS_KECAMATAN = "74.05.01"
"""No TPS in any election: its per_1000_dpt must be no data at both levels."""
MISPLACED_DESA = {"74.05.24.2009", "74.05.18.2006"}
"""Desa whose polygon lies mostly in another kecamatan (see the boundary README): avoided."""


@dataclass
class Dataset:
    url: str
    engine: Engine
    incidents: pd.DataFrame
    tps: pd.DataFrame
    null_dpt_desa: str
    zero_dpt_desa: str
    empty_desa: str
    """A desa with TPS but no incident at all."""


_cache: dict[str, Dataset] = {}


def get_dataset(database_factory, ks_boundary_paths) -> Dataset:  # type: ignore[no-untyped-def]
    if "ds" not in _cache:
        url = database_factory.create()
        engine = get_engine(url)
        schema.upgrade(engine)
        load_boundary_paths(engine, ks_boundary_paths, progress=False)
        _cache["ds"] = _populate(url, engine)
    return _cache["ds"]


def _areas(engine: Engine, level: str) -> gpd.GeoDataFrame:
    return gpd.read_postgis(text("SELECT kode, parent_kode, geom FROM admin_area WHERE level = :l "
                                 "ORDER BY kode"), engine, params={"l": level}, geom_col="geom")


def _random_point(rng: np.random.Generator, polygon, parent: int, desa_tree,  # type: ignore[no-untyped-def]
                  kec_tree) -> shapely.Point | None:
    """A point inside ``polygon``, in no other desa, and inside only its parent kecamatan."""
    minx, miny, maxx, maxy = polygon.bounds
    for _ in range(200):
        point = shapely.Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
        if polygon.contains(point) and len(desa_tree.query(point, "within")) == 1 \
                and list(kec_tree.query(point, "within")) == [parent]:
            return point
    return None


def _populate(url: str, engine: Engine) -> Dataset:
    rng = np.random.default_rng(20181127)
    desa = _areas(engine, "desa")
    kec = _areas(engine, "kecamatan")
    desa_tree, kec_tree = shapely.STRtree(desa.geometry.values), shapely.STRtree(kec.geometry.values)
    kec_index = {kode: i for i, kode in enumerate(kec["kode"])}
    candidates = desa[~desa["kode"].isin(MISPLACED_DESA)].reset_index(drop=True)

    # --- TPS: every desa in both elections, except one kecamatan; odd DPT cases ----------
    with_tps = candidates[~candidates["kode"].str.startswith(NO_TPS_KECAMATAN + ".")]
    null_dpt_desa, zero_dpt_desa = with_tps["kode"].iloc[3], with_tps["kode"].iloc[7]
    tps_rows = []
    for code, _, _, _ in ELECTIONS:
        for kode in with_tps["kode"]:
            for no in range(1, int(rng.integers(1, 4)) + 1):
                dpt: int | None = int(rng.integers(120, 300))
                if kode == null_dpt_desa:
                    dpt = None
                elif kode == zero_dpt_desa:
                    dpt = 0
                tps_rows.append({"election_code": code, "kode_tps": kode.replace(".", "") + f"{no:03d}",
                                 "no_tps": no, "desa_kode": kode, "kecamatan_kode": kode[:8], "dpt": dpt})
    tps = pd.DataFrame(tps_rows)

    # --- incidents ----------------------------------------------------------------------
    empty_desa = with_tps["kode"].iloc[11]
    pickable = candidates[candidates["kode"] != empty_desa].reset_index(drop=True)
    weights = rng.gamma(0.6, 1.0, len(pickable))
    weights /= weights.sum()
    rows = []
    for n in range(700):
        area = pickable.iloc[int(rng.choice(len(pickable), p=weights))]
        point = _random_point(rng, area.geom, kec_index[area.kode[:8]], desa_tree, kec_tree)
        if point is None:
            continue
        day = date(2017, 6, 1) + timedelta(days=int(rng.integers(0, 900)))
        precision = "kecamatan" if n % 25 == 0 else "exact"
        rows.append({
            "source": "uji-a" if n % 3 else "uji-b", "external_id": f"T{n:05d}", "event_date": day,
            "kategori": KATEGORI[n % len(KATEGORI)],
            "meninggal": None if n % 7 == 0 else int(rng.poisson(0.2)),
            "luka": None if n % 5 == 0 else int(rng.poisson(0.8)),
            "location_precision": precision, "lon": point.x, "lat": point.y,
            "desa_kode": None if precision == "kecamatan" else area.kode,
            "kecamatan_kode": area.kode[:8], "counted": n % 40 != 7,
            "election_code": ELECTIONS[0][0] if day < date(2018, 9, 1) else ELECTIONS[1][0],
            "stage": STAGES[n % len(STAGES)], "status": "verified" if n % 2 else "unverified",
        })
    incidents = pd.DataFrame(rows)

    with engine.begin() as conn:
        conn.execute(text("INSERT INTO election (code, name, kind, voting_day) VALUES (:c, :n, :k, :d) "
                          "ON CONFLICT (code) DO NOTHING"),
                     [{"c": c, "n": n, "k": k, "d": d} for c, n, k, d in ELECTIONS])
        conn.execute(text("""
            INSERT INTO polling_site (election_code, kode_tps, no_tps, desa_kode, kecamatan_kode, dpt,
                                      location_precision, source)
            VALUES (:election_code, :kode_tps, :no_tps, :desa_kode, :kecamatan_kode, :dpt, 'desa', 'uji')
        """), tps_rows)
        conn.execute(text("""
            INSERT INTO incident (source, external_id, event_date, kategori, meninggal, luka,
                                  location_precision, geom, desa_kode, kecamatan_kode, counted,
                                  election_code, stage, status)
            VALUES (:source, :external_id, :event_date, :kategori, :meninggal, :luka,
                    :location_precision, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), :desa_kode,
                    :kecamatan_kode, :counted, :election_code, :stage, :status)
        """), rows)
        # one incident outside every area: stored, never aggregated
        conn.execute(text("""
            INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom)
            VALUES ('uji-a', 'OUTSIDE', '2018-05-01', 'bentrok', 'exact',
                    ST_SetSRID(ST_MakePoint(120, -2), 4326))
        """))
    incidents = incidents.where(incidents.notna(), None)
    return Dataset(url, engine, incidents, tps, null_dpt_desa, zero_dpt_desa, empty_desa)


def incidents_frame(dataset: Dataset) -> gpd.GeoDataFrame:
    """The generated incidents as points (for independent GeoPandas checks)."""
    frame = dataset.incidents
    return gpd.GeoDataFrame(frame, geometry=gpd.points_from_xy(frame["lon"], frame["lat"]), crs=4326)


def bearer(dataset: Dataset, role: str) -> dict[str, str]:
    """An ``Authorization`` header for a user of ``role`` in the dataset's database."""
    key = f"token:{role}"
    if key not in _tokens:
        from pks_geo.auth.tokens import create_token
        from pks_geo.auth.users import add_user

        add_user(dataset.engine, f"uji-{role}", role, f"password-{role}", actor="test")
        _tokens[key] = create_token(dataset.engine, f"uji-{role}", actor="test")[1]
    return {"Authorization": f"Bearer {_tokens[key]}"}


_tokens: dict[str, str] = {}
