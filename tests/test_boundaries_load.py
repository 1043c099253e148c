"""Loading the shared Konawe Selatan boundaries into a real PostGIS."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, text

from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.manifest import load_manifest
from tests.conftest import table_fingerprint


def _counts(engine: Engine) -> dict[tuple[str, str], int]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT level, jenis, count(*) FROM admin_area GROUP BY 1, 2"))
        return {(level, jenis): n for level, jenis, n in rows}


def test_konawe_selatan_has_25_kecamatan_and_351_desa(loaded: Engine) -> None:
    counts = _counts(loaded)
    assert counts[("kabupaten", "kabupaten")] == 1
    assert counts[("kecamatan", "kecamatan")] == 25
    assert counts[("desa", "desa")] == 336
    assert counts[("desa", "kelurahan")] == 15


def test_every_kecamatan_matches_the_manifest(loaded: Engine) -> None:
    manifest = load_manifest()
    with loaded.connect() as conn:
        rows = {k: n for k, n in conn.execute(text(
            "SELECT kode, nama FROM admin_area WHERE level = 'kecamatan'"))}
    assert rows == manifest.expected_kecamatan


def test_parents_follow_the_code_prefix(loaded: Engine) -> None:
    with loaded.connect() as conn:
        bad = conn.execute(text("""
            SELECT d.kode FROM admin_area d LEFT JOIN admin_area p ON p.kode = d.parent_kode
            WHERE d.level IN ('kecamatan', 'desa')
              AND (p.kode IS NULL OR d.kode NOT LIKE p.kode || '.%')
        """)).scalars().all()
        per_kec = {k: n for k, n in conn.execute(text(
            "SELECT parent_kode, count(*) FROM admin_area WHERE level = 'desa' GROUP BY 1"))}
    assert bad == []
    assert per_kec["74.05.01"] == 24  # Tinanggea
    assert per_kec["74.05.18"] == 7  # Wolasi
    assert sum(per_kec.values()) == 351


def test_geometries_are_valid_multipolygons_with_metric_area(loaded: Engine) -> None:
    with loaded.connect() as conn:
        invalid, non_multi, srids = conn.execute(text("""
            SELECT count(*) FILTER (WHERE NOT ST_IsValid(geom)),
                   count(*) FILTER (WHERE GeometryType(geom) <> 'MULTIPOLYGON'),
                   array_agg(DISTINCT ST_SRID(geom)) FROM admin_area
        """)).one()
        laeya = conn.execute(text("SELECT area_km2 FROM admin_area WHERE kode = '74.05.19'")).scalar()
        desa_total = conn.execute(text(
            "SELECT sum(area_km2) FROM admin_area WHERE level = 'desa'")).scalar()
    assert (invalid, non_multi, srids) == (0, 0, [4326])
    assert abs(laeya - 272.6) < 0.5  # shared README: 272.596 km2 after make_valid
    assert 4200 < desa_total < 4260


def test_reloading_changes_nothing(loaded: Engine, ks_boundary_paths: list[Path]) -> None:
    before = table_fingerprint(loaded)
    report = load_boundary_paths(loaded, ks_boundary_paths, progress=False)
    assert (report.inserted, report.updated, report.unchanged) == (0, 0, 377)
    assert table_fingerprint(loaded) == before


def test_report_lists_repairs_and_misplaced_desa(empty_engine: Engine,
                                                 ks_boundary_paths: list[Path]) -> None:
    report = load_boundary_paths(empty_engine, ks_boundary_paths, progress=False)
    assert report.inserted == 377 and not report.rejected
    repaired = sorted(w.ref for w in report.warnings if "make_valid" in w.reason)
    assert repaired == ["74.05", "74.05.19"]
    misplaced = {w.ref: w.reason for w in report.warnings if "kept under" in w.reason}
    assert set(misplaced) == {"74.05.18.2006", "74.05.24.2009"}
    assert "74.05.07" in misplaced["74.05.18.2006"]  # lies mostly in Konda
    assert "74.05.05" in misplaced["74.05.24.2009"]  # lies mostly in Landono
    with empty_engine.connect() as conn:
        parent = conn.execute(text(
            "SELECT parent_kode FROM admin_area WHERE kode = '74.05.24.2009'")).scalar()
    assert parent == "74.05.24"  # kept by its code
