"""Province and national boundary files load through the ordinary loader and command.

Sulawesi Tenggara has 2,283 desa; Indonesia 7,285 kecamatan, of which 275 have invalid
source geometries that must be repaired, listed, and stored valid (shared README)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.ingest.boundary_load import load_boundary_paths
from tests.conftest import SHARED_BOUNDARIES

NATIONAL = SHARED_BOUNDARIES / "indonesia_kecamatan.geojson"
PROVINCE_DESA = SHARED_BOUNDARIES / "sulawesi_tenggara_desa.geojson"


def test_national_kecamatan_load_through_the_command(empty_engine: Engine, tmp_path: Path) -> None:
    url = empty_engine.url.render_as_string(hide_password=False)
    report_path = tmp_path / "report.json"
    result = CliRunner().invoke(main, ["boundaries", "load", str(NATIONAL), "--report", str(report_path)],
                                env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0, result.output[-2000:]
    assert "read 7285, accepted 7285 (new 7285" in result.output
    report = json.loads(report_path.read_text())
    repaired = [w for w in report["warnings"] if w["field"] == "geometry" and "make_valid" in w["reason"]]
    assert len(repaired) == 275
    assert {"92.02.34", "72.06.20", "92.02.33", "74.05.19"} <= {w["ref"] for w in repaired}
    with empty_engine.connect() as conn:
        row = conn.execute(text(
            "SELECT count(*), count(*) FILTER (WHERE ST_IsValid(geom)), "
            "count(*) FILTER (WHERE geom_3857 IS NOT NULL AND geom_3857_lo IS NOT NULL), "
            "count(DISTINCT left(kode, 2)) FROM admin_area WHERE level = 'kecamatan'")).one()
    assert tuple(row) == (7285, 7285, 7285, 38)


def test_province_desa_load(empty_engine: Engine) -> None:
    report = load_boundary_paths(empty_engine, [SHARED_BOUNDARIES / "sulawesi_tenggara_kecamatan.geojson",
                                                PROVINCE_DESA], progress=False)
    assert report.inserted == 221 + 2283 and not report.rejected
    repaired = [w for w in report.warnings if w.field == "geometry" and "make_valid" in w.reason]
    assert len(repaired) == 11  # all Sultra kecamatan with "Nested shells"; every desa is valid
    with empty_engine.connect() as conn:
        counts = dict(conn.execute(text("SELECT jenis, count(*) FROM admin_area WHERE level = 'desa' "
                                        "GROUP BY jenis")).all())
    assert counts == {"desa": 1908, "kelurahan": 375}
    again = load_boundary_paths(empty_engine, [PROVINCE_DESA], progress=False)
    assert again.unchanged == 2283 and again.inserted == again.updated == 0
