"""Planted and null incident datasets for the hot-spot tests, in databases of their own.

Other test modules share the session's ``loaded`` database, so every hot-spot test module
that writes incidents gets a fresh database with the Konawe Selatan boundaries (well under
a second to build). Points are generated inside the desa polygons by PostGIS
(``ST_GeneratePoints`` with a seed), so every incident is located by construction.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.config import Settings
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.stats.weights import AreaWeights, build_weights, frame_from_geojson

KS_DESA = Settings().boundaries_dir / "konawe_selatan_desa.geojson"
_ids = itertools.count(1)

INSERT_IN_DESA = text("""
INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom,
                      desa_kode, kecamatan_kode, election_code, stage)
SELECT :source, :prefix || '-' || row_number() OVER (), :day, :kategori, 'exact', s.g, s.kode, s.parent_kode,
       :election, :stage
FROM (
    SELECT a.kode, a.parent_kode, (ST_Dump(ST_GeneratePoints(a.geom, r.n, :seed))).geom AS g
    FROM unnest(CAST(:kodes AS text[]), CAST(:ns AS int[])) AS r(kode, n)
    JOIN admin_area a ON a.kode = r.kode
    WHERE r.n > 0
) s
""")

INSERT_XY = text("""
INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom,
                      desa_kode, kecamatan_kode)
SELECT 'synthetic', :external_id, :day, :kategori, :precision, p.g, a.kode, a.parent_kode
FROM (SELECT ST_Transform(ST_SetSRID(ST_MakePoint(:x, :y), 32751), 4326) AS g) p
LEFT JOIN admin_area a ON a.level = 'desa' AND ST_Covers(a.geom, p.g)
""")


def fresh_ks_engine(database_factory, boundary_paths: list[Path]) -> Engine:  # type: ignore[no-untyped-def]
    """A new migrated database with the Konawe Selatan boundaries and nothing else."""
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, boundary_paths, progress=False)
    return engine


def insert_counts(engine: Engine, counts: Mapping[str, int], day: date, *, kategori: str = "bentrok",
                  election: str | None = None, stage: str | None = None, seed: int = 1,
                  source: str = "synthetic") -> int:
    """Insert ``counts[kode]`` incidents at random points inside each desa; returns how many."""
    kodes = [k for k, n in counts.items() if n > 0]
    with engine.begin() as conn:
        result = conn.execute(INSERT_IN_DESA, {
            "source": source, "prefix": f"n{next(_ids)}", "day": day, "kategori": kategori,
            "election": election, "stage": stage, "seed": seed,
            "kodes": kodes, "ns": [int(counts[k]) for k in kodes]})
    return result.rowcount


def insert_xy(engine: Engine, points: list[tuple[float, float]], day: date, kategori: str = "bentrok",
              precision: str = "exact") -> None:
    """Insert incidents at metric (EPSG:32751) coordinates, located in their desa."""
    with engine.begin() as conn:
        conn.execute(INSERT_XY, [{"external_id": f"xy{next(_ids)}", "day": day, "kategori": kategori,
                                  "precision": precision, "x": x, "y": y} for x, y in points])


def clear_incidents(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM incident"))


@lru_cache(maxsize=1)
def ks_desa_weights() -> AreaWeights:
    """Queen weights of the 351 Konawe Selatan desa, built from the shared file."""
    return build_weights(frame_from_geojson(str(KS_DESA)).geometry)


def compact_cluster(weights: AreaWeights, seed_kode: str, rings: int = 2, share: float = 0.5,
                    at_least: int = 3) -> set[str]:
    """A contiguous planted cluster around ``seed_kode``: the desa within ``rings`` steps,
    pruned until every member has at least ``share`` of its neighbours, and ``at_least`` of
    them, in the cluster (each planted desa is surrounded mostly by planted desa, as in a
    real hot spot; a desa touching the cluster at one corner is not a hot spot's member)."""
    members = {seed_kode}
    for _ in range(rings):
        members |= {n for m in members for n in weights.neighbors[m]}
    while True:
        weak = {m for m in members
                if sum(n in members for n in weights.neighbors[m])
                < max(at_least, share * len(weights.neighbors[m]))}
        if not weak:
            return members
        members -= weak


def far_from(weights: AreaWeights, members: set[str], metres: float) -> set[str]:
    """Areas whose polygon lies more than ``metres`` from every member."""
    geoms = weights.geoms
    union = geoms.loc[list(members)].union_all()
    return {k for k, g in geoms.items() if g.distance(union) > metres}
