"""Read boundary files (GeoJSON, GeoPackage, Shapefile, ...) into a normalised frame.

Reading is separated from storing (:mod:`pks_geo.ingest.boundary_store`) so that the
upstream SQL-dump reader (:mod:`pks_geo.ingest.wilayah`) feeds the same loader.
The normalised frame has columns kode, nama, level, parent_kode, jenis, geometry (EPSG:4326,
valid MultiPolygons, exteriors counter-clockwise) plus ``feature`` (1-based position).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from pks_geo.ingest import boundary_fields as bf
from pks_geo.ingest.codes import SEGMENTS_BY_LEVEL, jenis_of, level_of, normalize_kode, parent_of
from pks_geo.ingest.report import ImportFailed, ImportReport

NORMALISED_COLUMNS = ["feature", "kode", "nama", "level", "parent_kode", "jenis", "geometry"]


def read_boundary_file(path: Path, crs: str | None = None) -> gpd.GeoDataFrame:
    """Read any OGR vector file; raise :class:`ImportFailed` naming the file on failure."""
    if not path.exists():
        raise ImportFailed(f"{path}: file not found")
    try:
        frame = pyogrio.read_dataframe(path)
    except Exception as exc:  # pyogrio raises several DataSource/Field error types
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ImportFailed(f"{path}: cannot be read as a vector file ({first})") from exc
    if frame.geometry is None or len(frame) == 0:
        raise ImportFailed(f"{path}: contains no features with geometry")
    if frame.crs is None:
        if crs is None:
            raise ImportFailed(
                f"{path}: has no coordinate reference system (for a Shapefile the .prj file "
                "is missing); pass --crs, e.g. --crs EPSG:4326"
            )
        frame = frame.set_crs(crs)
    elif crs is not None:
        frame = frame.set_crs(crs, allow_override=True)
    return frame


def to_multipolygon(geom: BaseGeometry | None) -> MultiPolygon | None:
    """Keep only the areal parts; a valid MultiPolygon with CCW exteriors, or None if empty."""
    if geom is None or geom.is_empty:
        return None
    parts: list[Polygon]
    if isinstance(geom, Polygon):
        parts = [geom]
    elif isinstance(geom, MultiPolygon):
        parts = list(geom.geoms)
    else:
        areal = [g for g in shapely.get_parts(geom) if isinstance(g, Polygon | MultiPolygon)]
        parts = [p for g in areal for p in (g.geoms if isinstance(g, MultiPolygon) else [g])]
    parts = [p for p in parts if not p.is_empty and p.area > 0]
    if not parts:
        return None
    return shapely.orient_polygons(MultiPolygon(parts), exterior_cw=False)


def normalise_frame(raw: gpd.GeoDataFrame, label: str, report: ImportReport,
                    level: str | None = None) -> gpd.GeoDataFrame:
    """Map property names, derive missing level/parent/jenis, repair geometries.

    Problems that make the file unusable raise :class:`ImportFailed` with every offending
    feature listed; repairs are recorded as warnings in ``report``.
    """
    columns = [c for c in raw.columns if c != raw.geometry.name]
    found = bf.pick_kode(columns)
    if found is None:
        raise ImportFailed(
            f"{label}: no area-code field found (looked for kode, KDEPUM, KDCPUM, KDPKAB, ...; "
            f"the file has: {', '.join(columns) or 'no properties'})"
        )
    kode_col, implied_level = found
    if level is not None and level not in SEGMENTS_BY_LEVEL:
        raise ImportFailed(f"{label}: unknown level {level!r} (use one of "
                           f"{', '.join(SEGMENTS_BY_LEVEL)})")
    nama_col = bf.pick(columns, bf.NAMA_FIELDS.get(implied_level, []) + bf.NAMA_FIELDS[None])
    if nama_col is None:
        raise ImportFailed(f"{label}: no name field found (looked for nama, name, WADMKD, ...)")
    level_col = bf.pick(columns, bf.LEVEL_FIELDS)
    parent_col = bf.pick(columns, bf.PARENT_FIELDS.get(implied_level, []) + bf.PARENT_FIELDS[None])
    jenis_col = bf.pick(columns, bf.JENIS_FIELDS)

    frame = raw.to_crs(4326) if raw.crs and raw.crs.to_epsg() != 4326 else raw
    errors: list[str] = []
    records: list[dict[str, object]] = []
    for pos, (_, row) in enumerate(frame.iterrows(), start=1):
        ref = f"{label} feature {pos}"
        kode = normalize_kode(row[kode_col])
        if kode is None:
            errors.append(f"{ref}: field {kode_col!r} value {row[kode_col]!r} is not a "
                          "Kemendagri code like 74.05.01.2001")
            continue
        row_level = level or implied_level
        if level_col is not None and pd.notna(row[level_col]) and str(row[level_col]).strip():
            given = str(row[level_col]).strip().lower()
            if given not in bf.LEVEL_ALIASES:
                errors.append(f"{ref} ({kode}): field {level_col!r} has unknown level {given!r} "
                              f"(expected one of {', '.join(SEGMENTS_BY_LEVEL)})")
                continue
            row_level = bf.LEVEL_ALIASES[given]
        code_level = level_of(kode)
        if row_level is not None and row_level != code_level:
            errors.append(f"{ref} ({kode}): level {row_level!r} does not match the code, "
                          f"which is a {code_level} code")
            continue
        nama = row[nama_col]
        if nama is None or (isinstance(nama, float) and pd.isna(nama)) or not str(nama).strip():
            errors.append(f"{ref} ({kode}): field {nama_col!r} is empty")
            continue
        parent = parent_of(kode)
        if parent_col is not None and pd.notna(row[parent_col]):
            given_parent = normalize_kode(row[parent_col])
            if given_parent and given_parent != parent:
                report.warn(pos, parent_col, f"parent {given_parent} differs from the code's "
                            f"prefix {parent}; the code prefix is used", kode)
        jenis = jenis_of(kode)
        if jenis_col is not None and pd.notna(row[jenis_col]) and str(row[jenis_col]).strip():
            jenis = str(row[jenis_col]).strip().lower()
        geom = row.geometry
        if geom is not None and not geom.is_valid:
            reason = shapely.is_valid_reason(geom)
            geom = shapely.make_valid(geom)
            report.warn(pos, "geometry", f"invalid geometry ({reason}) repaired with make_valid",
                        kode)
        multi = to_multipolygon(geom)
        if multi is None:
            errors.append(f"{ref} ({kode}): geometry is empty or not a polygon")
            continue
        records.append({"feature": pos, "kode": kode, "nama": str(nama).strip(),
                        "level": code_level, "parent_kode": parent, "jenis": jenis,
                        "geometry": multi})
    dupes = pd.Series([r["kode"] for r in records]).value_counts()
    for kode in dupes[dupes > 1].index:
        positions = [str(r["feature"]) for r in records if r["kode"] == kode]
        errors.append(f"{label}: duplicate code {kode} in features {', '.join(positions)}")
    if errors:
        shown = "\n  ".join(errors[:50])
        more = f"\n  ... and {len(errors) - 50} more" if len(errors) > 50 else ""
        raise ImportFailed(f"{label}: {len(errors)} problem(s), nothing was loaded:\n  {shown}{more}")
    return gpd.GeoDataFrame(records, columns=NORMALISED_COLUMNS, geometry="geometry", crs=4326)
