"""Store normalised boundaries in PostGIS: idempotent upsert by kode, then checks.

All statements of one load run on one connection inside one transaction: a failure
anywhere leaves the table exactly as it was. Geometries travel as WKB into a temporary
staging table so that the upsert, the area computation (EPSG:32751) and the
consistency checks run as set-based SQL inside PostGIS.
"""

from __future__ import annotations

import geopandas as gpd
import shapely
from sqlalchemy import Connection, text
from tqdm import tqdm

from pks_geo.ingest.report import ImportReport
from pks_geo.models import METRIC_SRID

STAGE_DDL = """
CREATE TEMP TABLE boundary_stage (
    kode text PRIMARY KEY, nama text, level text, jenis text, parent_kode text,
    feature int, geom geometry(MultiPolygon, 4326)
) ON COMMIT DROP
"""
STAGE_INSERT = text("""
INSERT INTO boundary_stage (kode, nama, level, jenis, parent_kode, feature, geom)
VALUES (:kode, :nama, :level, :jenis, :parent_kode, :feature,
        ST_SetSRID(ST_GeomFromWKB(:wkb), 4326))
""")
UPSERT = text(f"""
INSERT INTO admin_area (kode, nama, level, jenis, parent_kode, geom, area_km2, source)
SELECT kode, nama, level, jenis, parent_kode, geom,
       ST_Area(ST_Transform(geom, {METRIC_SRID})) / 1e6, :source
FROM boundary_stage
ON CONFLICT (kode) DO UPDATE SET
    nama = EXCLUDED.nama, level = EXCLUDED.level, jenis = EXCLUDED.jenis,
    parent_kode = EXCLUDED.parent_kode, geom = EXCLUDED.geom, area_km2 = EXCLUDED.area_km2,
    source = EXCLUDED.source, loaded_at = now()
WHERE admin_area.nama IS DISTINCT FROM EXCLUDED.nama
   OR admin_area.level IS DISTINCT FROM EXCLUDED.level
   OR admin_area.jenis IS DISTINCT FROM EXCLUDED.jenis
   OR admin_area.parent_kode IS DISTINCT FROM EXCLUDED.parent_kode
   OR ST_AsEWKB(admin_area.geom) IS DISTINCT FROM ST_AsEWKB(EXCLUDED.geom)
RETURNING (xmax = 0) AS inserted
""")
# One row per missing parent (a national kecamatan file alone would otherwise give 7,285 warnings).
MISSING_PARENTS = text("""
SELECT min(s.feature), s.parent_kode, count(*), (array_agg(s.kode ORDER BY s.kode))[1:3]
FROM boundary_stage s
WHERE s.parent_kode IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM admin_area a WHERE a.kode = s.parent_kode)
GROUP BY s.parent_kode ORDER BY s.parent_kode
""")
# A desa whose polygon lies mostly (> half its area) in a kecamatan other than its parent.
MISPLACED_DESA = text(f"""
WITH desa AS (
    SELECT a.kode, a.parent_kode, a.geom, s.feature
    FROM admin_area a JOIN boundary_stage s USING (kode) WHERE a.level = 'desa'
), shares AS (
    SELECT d.kode, d.parent_kode, d.feature, k.kode AS kec_kode, k.nama AS kec_nama,
           ST_Area(ST_Transform(ST_Intersection(d.geom, k.geom), {METRIC_SRID}))
             / NULLIF(ST_Area(ST_Transform(d.geom, {METRIC_SRID})), 0) AS share,
           row_number() OVER (PARTITION BY d.kode ORDER BY
             ST_Area(ST_Intersection(d.geom, k.geom)) DESC) AS rank
    FROM desa d JOIN admin_area k
      ON k.level = 'kecamatan' AND ST_Intersects(d.geom, k.geom)
)
SELECT kode, parent_kode, feature, kec_kode, kec_nama, share FROM shares
WHERE rank = 1 AND kec_kode <> parent_kode AND share > 0.5
  AND EXISTS (SELECT 1 FROM admin_area p WHERE p.kode = shares.parent_kode)
ORDER BY kode
""")


def store_boundaries(conn: Connection, frame: gpd.GeoDataFrame, source: str,
                     report: ImportReport, progress: bool = True) -> ImportReport:
    """Upsert ``frame`` (see :func:`normalise_frame`) and record counts and warnings."""
    report.read += len(frame)
    conn.execute(text(STAGE_DDL))
    wkbs = shapely.to_wkb(frame.geometry.values, output_dimension=2)
    rows = [
        {"kode": r.kode, "nama": r.nama, "level": r.level, "jenis": r.jenis,
         "parent_kode": r.parent_kode, "feature": int(r.feature), "wkb": wkb}
        for r, wkb in zip(frame.itertuples(index=False), wkbs, strict=True)
    ]
    batch = 500
    with tqdm(total=len(rows), desc=f"loading {source}", unit="area", disable=not progress,
              leave=False) as bar:
        for start in range(0, len(rows), batch):
            chunk = rows[start:start + batch]
            conn.execute(STAGE_INSERT, chunk)
            bar.update(len(chunk))
    changed = conn.execute(UPSERT, {"source": source}).scalars().all()
    report.inserted += sum(1 for flag in changed if flag)
    report.updated += sum(1 for flag in changed if not flag)
    report.unchanged += len(rows) - len(changed)
    for feature, parent, children, sample in conn.execute(MISSING_PARENTS):
        more = f" and {children - len(sample)} more" if children > len(sample) else ""
        report.warn(feature, "parent_kode", f"parent area {parent} is not loaded "
                    f"({children} area(s): {', '.join(sample)}{more})", sample[0])
    for kode, parent, feature, kec_kode, kec_nama, share in conn.execute(MISPLACED_DESA):
        report.warn(feature, "geometry",
                    f"{share:.0%} of this desa's polygon lies in kecamatan {kec_kode} {kec_nama}, "
                    f"not in {parent} as its code says; kept under {parent} by its code", kode)
    conn.execute(text("DROP TABLE IF EXISTS boundary_stage"))
    return report
