"""``pks-geo boundaries load|fetch`` from the command line: good files load, bad files fail
with one clear message and leave the database exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo.cli import main
from tests.conftest import SHARED_BOUNDARIES, table_fingerprint

KEC_FILE = SHARED_BOUNDARIES / "konawe_selatan_kecamatan.geojson"
MIRROR = SHARED_BOUNDARIES / "source"


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def run(engine: Engine, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": _url(engine)})
    return result.exit_code, result.output


def _feature_collection(features: list[dict]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": features})


def _square(props: dict) -> dict:
    ring = [[122.0, -4.2], [122.01, -4.2], [122.01, -4.19], [122.0, -4.19], [122.0, -4.2]]
    return {"type": "Feature", "properties": props, "geometry": {"type": "Polygon", "coordinates": [ring]}}


@pytest.fixture
def bad_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    truncated = tmp_path / "truncated.geojson"
    truncated.write_text(KEC_FILE.read_text()[:20000])
    files["truncated"] = truncated
    not_json = tmp_path / "not_json.geojson"
    not_json.write_text("kode;nama\n74.05.01;Tinanggea\n")
    files["not_json"] = not_json
    no_kode = tmp_path / "no_kode.geojson"
    no_kode.write_text(_feature_collection([_square({"nama": "Tanpa Kode"})]))
    files["no_kode"] = no_kode
    bad_level = tmp_path / "bad_level.geojson"
    bad_level.write_text(_feature_collection([
        _square({"kode": "74.05.01", "nama": "Tinanggea", "level": "kecamatan"}),
        _square({"kode": "74.05.02", "nama": "Angata", "level": "dusun"}),
    ]))
    files["bad_level"] = bad_level
    gdf = gpd.read_file(KEC_FILE).head(3)[["kode", "nama", "level", "geometry"]]
    shp = tmp_path / "no_prj.shp"
    gdf.to_file(shp)
    shp.with_suffix(".prj").unlink()
    files["no_prj"] = shp
    return files


@pytest.mark.parametrize("name,needle", [
    ("truncated", "cannot be read"),
    ("not_json", "cannot be read"),
    ("no_kode", "no area-code field"),
    ("bad_level", "unknown level 'dusun'"),
    ("no_prj", "no coordinate reference system"),
])
def test_bad_input_fails_cleanly_and_changes_nothing(loaded: Engine, bad_files: dict[str, Path],
                                                     name: str, needle: str) -> None:
    before = table_fingerprint(loaded)
    # a good file first on the command line: it must not be stored either
    code, output = run(loaded, "boundaries", "load", str(KEC_FILE), str(bad_files[name]))
    assert code == 1
    assert needle in output
    assert bad_files[name].name in output
    assert output.count("Error:") == 1
    assert table_fingerprint(loaded) == before


def test_unknown_level_names_the_feature(loaded: Engine, bad_files: dict[str, Path]) -> None:
    code, output = run(loaded, "boundaries", "load", str(bad_files["bad_level"]))
    assert code == 1 and "feature 2 (74.05.02)" in output and "'level'" in output


def test_unreachable_database_gives_one_clear_message() -> None:
    result = CliRunner().invoke(main, ["boundaries", "load", str(KEC_FILE)],
                                env={"PKS_GEO_DATABASE_URL": "postgresql://x:y@127.0.0.1:9/none"})
    assert result.exit_code == 1
    assert "cannot connect to the database at 127.0.0.1:9/none" in result.output
    assert "Traceback" not in result.output


def test_invalid_setting_names_the_variable() -> None:
    result = CliRunner().invoke(main, ["db", "status"], env={"PKS_GEO_DATABASE_URL": "sqlite:///x.db"})
    assert result.exit_code == 1 and "PKS_GEO_DATABASE_URL must point to PostgreSQL" in result.output


def test_shapefile_with_crs_option_and_geopackage_in_utm(empty_engine: Engine, bad_files: dict[str, Path],
                                                         tmp_path: Path) -> None:
    code, output = run(empty_engine, "boundaries", "load", "--crs", "EPSG:4326", str(bad_files["no_prj"]))
    assert code == 0, output
    gdf = gpd.read_file(KEC_FILE).iloc[3:6].to_crs(32751)
    gpkg = tmp_path / "utm.gpkg"
    gdf.to_file(gpkg, driver="GPKG")
    code, output = run(empty_engine, "boundaries", "load", str(gpkg))
    assert code == 0, output
    with empty_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT kode, ST_X(ST_Centroid(geom)), area_km2 FROM admin_area ORDER BY kode")).all()
    assert [r.kode for r in rows] == [f"74.05.0{i}" for i in range(1, 7)]
    assert all(121.8 < r[1] < 123.0 for r in rows)  # reprojected back to lon/lat


def test_big_field_names_are_understood(empty_engine: Engine, tmp_path: Path) -> None:
    big = tmp_path / "big_desa.geojson"
    big.write_text(_feature_collection([
        _square({"KDEPUM": "74.05.01.2001", "WADMKD": "Desa Uji", "KDCPUM": "74.05.01",
                 "WADMKC": "Tinanggea", "KDPKAB": "74.05"}),
        _square({"KDEPUM": "7405011001", "WADMKD": "Kel. Uji", "KDCPUM": "74.05.01"}),
    ]))
    code, output = run(empty_engine, "boundaries", "load", str(big))
    assert code == 0, output
    assert "parent area 74.05.01 is not loaded" in output
    with empty_engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT kode, nama, level, jenis, parent_kode FROM admin_area ORDER BY 1")).all()
    assert [tuple(r) for r in rows] == [
        ("74.05.01.1001", "Kel. Uji", "desa", "kelurahan", "74.05.01"),
        ("74.05.01.2001", "Desa Uji", "desa", "desa", "74.05.01"),
    ]


def test_report_json_is_written(empty_engine: Engine, tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    code, _ = run(empty_engine, "boundaries", "load", "--report", str(report), str(KEC_FILE))
    assert code == 0
    data = json.loads(report.read_text())
    assert data["inserted"] == 25 and data["accepted"] == 25
    assert any(w["ref"] == "74.05.19" and w["field"] == "geometry" for w in data["warnings"])
    parents = [w["reason"] for w in data["warnings"] if w["field"] == "parent_kode"]
    assert parents == ["parent area 74.05 is not loaded (25 area(s): 74.05.01, 74.05.02, 74.05.03 "
                       "and 22 more)"]  # one warning per missing parent, not one per area


def test_fetch_kabupaten_from_upstream_layout(empty_engine: Engine) -> None:
    code, output = run(empty_engine, "boundaries", "fetch", "74.05", "--source", str(MIRROR))
    assert code == 0, output
    with empty_engine.connect() as conn:
        counts = {(lvl, jenis): n for lvl, jenis, n in conn.execute(text(
            "SELECT level, jenis, count(*) FROM admin_area GROUP BY 1, 2"))}
        fetched = {k: a for k, a in conn.execute(text(
            "SELECT kode, area_km2 FROM admin_area WHERE level = 'desa'"))}
    assert counts == {("kabupaten", "kabupaten"): 1, ("kecamatan", "kecamatan"): 25,
                      ("desa", "desa"): 336, ("desa", "kelurahan"): 15}
    reference = gpd.read_file(SHARED_BOUNDARIES / "konawe_selatan_desa.geojson").to_crs(32751)
    ref_area = dict(zip(reference["kode"], reference.area / 1e6, strict=True))
    assert set(fetched) == set(ref_area)
    assert max(abs(fetched[k] - ref_area[k]) for k in fetched) < 0.01  # same polygons, lat/lng swapped right
    assert "74.05.24.2009" in output  # the misplaced desa is reported


def test_fetch_another_kabupaten_and_bad_sources(empty_engine: Engine) -> None:
    code, output = run(empty_engine, "boundaries", "fetch", "74.71", "--source", str(MIRROR))
    assert code == 0, output
    with empty_engine.connect() as conn:
        kota = conn.execute(text("SELECT nama, jenis FROM admin_area WHERE kode = '74.71'")).one()
        n_kec = conn.execute(text("SELECT count(*) FROM admin_area WHERE parent_kode = '74.71'")).scalar()
    assert kota.jenis == "kota" and "Kendari" in kota.nama and n_kec > 5
    code, output = run(empty_engine, "boundaries", "fetch", "74.05.01", "--source", str(MIRROR))
    assert code == 1 and "must be a province (74) or kabupaten/kota (74.05) code" in output
    code, output = run(empty_engine, "boundaries", "fetch", "74.05", "--source", "http://127.0.0.1:9/")
    assert code == 1 and "cannot be reached" in output
