"""TPS lists: codes, DPT, locating in (and against) the coded desa, and the elections loader."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.ingest.report import ImportFailed
from pks_geo.ingest.tps import import_tps, validate_tps
from tests.conftest import table_fingerprint
from tests.ingest_support import ANDOOLO, LAMBAKARA, ingest_engine_for, point_in, write_csv

ELECTION = "pilkada-2024"
LAMBAKARA_DIGITS = LAMBAKARA.replace(".", "")


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


def stored(engine: Engine, source: str) -> dict[str, dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT *, ST_Y(geom) AS lat, ST_X(geom) AS lon FROM polling_site "
                                 "WHERE source = :s AND election_code = :e"),
                            {"s": source, "e": ELECTION}).mappings().all()
    return {r["kode_tps"]: dict(r) for r in rows}


def test_validate_tps_codes_and_categories() -> None:
    record, _ = validate_tps({"kode_tps": f"{LAMBAKARA_DIGITS}003", "dpt": "250"}, 2)
    assert record is not None and (record.kode_desa, record.no_tps, record.dpt) == (LAMBAKARA, 3, 250)
    record, _ = validate_tps({"kode_desa": LAMBAKARA, "no_tps": "7"}, 2)
    assert record is not None and record.kode_tps == f"{LAMBAKARA_DIGITS}007"
    where = {"kode_desa": LAMBAKARA, "no_tps": 1}
    record, warnings = validate_tps({**where, "kategori_kerawanan": "Rawan II"}, 2)
    assert record is not None and record.kategori_kerawanan == "sangat rawan" and warnings
    record, warnings = validate_tps({**where, "kategori_kerawanan": "SANGAT RAWAN"}, 2)
    assert record is not None and record.kategori_kerawanan == "sangat rawan" and not warnings
    for fields, field in (({"kode_tps": "74051920140"}, "kode_tps"), ({"dpt": "5"}, "kode_tps"),
                          ({"kode_desa": "74.05", "no_tps": "1"}, "kode_desa"),
                          ({"kode_desa": LAMBAKARA, "no_tps": "0"}, "no_tps"),
                          ({"kode_tps": f"{LAMBAKARA_DIGITS}001", "dpt": "-3"}, "dpt"),
                          ({"kode_tps": f"{LAMBAKARA_DIGITS}001", "kategori_kerawanan": "merah"},
                           "kategori_kerawanan")):
        record, issues = validate_tps(fields, 9)
        assert record is None and issues[0].field == field and issues[0].row == 9


def test_tps_import_locates_in_the_coded_desa(ingest_engine: Engine, tmp_path: Path) -> None:
    inside = point_in(ingest_engine, LAMBAKARA)
    elsewhere = point_in(ingest_engine, ANDOOLO)
    header = ["kode_tps", "dpt", "lat", "lon", "alamat", "kategori_kerawanan"]
    path = write_csv(tmp_path / "tps.csv", header, [
        [f"{LAMBAKARA_DIGITS}001", "250", "", "", "Balai desa", "Rawan"],
        [f"{LAMBAKARA_DIGITS}002", "260", str(inside[0]).replace(".", ","), str(inside[1]).replace(".", ","),
         "SD Negeri 1", "kurang rawan"],
        [f"{LAMBAKARA_DIGITS}003", "240", inside[1], inside[0], "swapped", ""],
        [f"{LAMBAKARA_DIGITS}004", "230", elsewhere[0], elsewhere[1], "other desa", ""],
        [f"{LAMBAKARA_DIGITS}005", "220", "1.0", "100.0", "outside", ""],
        ["7405999999001", "100", "", "", "unknown desa", ""],
        [f"{LAMBAKARA_DIGITS}001", "250", "", "", "Balai desa", "Rawan"],
    ], delimiter=";")
    report = import_tps(ingest_engine, path, ELECTION, source="t-tps", progress=False)
    assert report.inserted == 4
    assert {(i.row, i.field) for i in report.rejected} == {(6, "lat"), (7, "kode_tps")}
    assert "outside area" in next(i.reason for i in report.rejected if i.row == 6)
    warnings = {w.row: w.reason for w in report.warnings}
    assert "wrong way round" in warnings[4]
    assert f"lies in desa {ANDOOLO}, outside its coded desa {LAMBAKARA}" in warnings[5]
    assert "exact duplicate of row 2" in warnings[8]
    rows = stored(ingest_engine, "t-tps")
    assert {r["desa_kode"] for r in rows.values()} == {LAMBAKARA}
    assert rows[f"{LAMBAKARA_DIGITS}001"]["location_precision"] == "desa"
    assert rows[f"{LAMBAKARA_DIGITS}002"]["location_precision"] == "exact"
    assert rows[f"{LAMBAKARA_DIGITS}003"]["lat"] == pytest.approx(inside[0])
    assert rows[f"{LAMBAKARA_DIGITS}004"]["lat"] == pytest.approx(elsewhere[0])
    assert rows[f"{LAMBAKARA_DIGITS}001"]["kategori_kerawanan"] == "rawan"
    before = table_fingerprint(ingest_engine, "polling_site")
    again = import_tps(ingest_engine, path, ELECTION, source="t-tps", progress=False)
    assert again.unchanged == 4 and table_fingerprint(ingest_engine, "polling_site") == before
    kept = import_tps(ingest_engine, path, ELECTION, source="t-tps", keep_outside=True, progress=False)
    assert kept.inserted == 1
    assert stored(ingest_engine, "t-tps")[f"{LAMBAKARA_DIGITS}005"]["location_precision"] == "desa"


def test_tps_xlsx_with_kode_desa_and_no_tps(ingest_engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["Kode Desa", "No TPS", "DPT"])
    book.active.append([ANDOOLO, 1, 210])
    book.active.append([int(ANDOOLO.replace(".", "")), 2.0, 190.0])
    path = tmp_path / "tps.xlsx"
    book.save(path)
    report = import_tps(ingest_engine, path, ELECTION, source="t-tps-xlsx", progress=False)
    assert report.inserted == 2, report.rejected
    assert sorted(stored(ingest_engine, "t-tps-xlsx")) == ["7405032001001", "7405032001002"]


def test_tps_cli_errors_change_nothing(ingest_engine: Engine, tmp_path: Path) -> None:
    url = ingest_engine.url.render_as_string(hide_password=False)
    path = write_csv(tmp_path / "t.csv", ["kode_tps", "dpt"], [[f"{LAMBAKARA_DIGITS}009", "200"],
                                                              [f"{LAMBAKARA_DIGITS}010", "abc"]])
    before = table_fingerprint(ingest_engine, "polling_site")
    runner = CliRunner()
    result = runner.invoke(main, ["tps", "import", str(path), "--election", "pilpres-2099"],
                           env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 1 and "unknown election 'pilpres-2099'" in result.output
    result = runner.invoke(main, ["tps", "import", str(path), "--election", ELECTION, "--source", "t-cli",
                                  "--all-or-nothing"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 1 and "row 3, field 'dpt'" in result.output
    result = runner.invoke(main, ["tps", "import", str(path), "--election", ELECTION, "--source", "t-cli",
                                  "--dry-run"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0 and "[dry run]" in result.output and "new 1" in result.output
    assert table_fingerprint(ingest_engine, "polling_site") == before
    no_code = write_csv(tmp_path / "n.csv", ["nama", "dpt"], [["TPS 1", "200"]])
    with pytest.raises(ImportFailed, match="kode_tps or kode_desa"):
        import_tps(ingest_engine, no_code, ELECTION, progress=False)


def test_elections_load_command_is_idempotent(ingest_engine: Engine, tmp_path: Path) -> None:
    url = ingest_engine.url.render_as_string(hide_password=False)
    runner = CliRunner()
    result = runner.invoke(main, ["elections", "load"], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0 and "unchanged 4" in result.output
    custom = tmp_path / "e.toml"
    custom.write_text('[[election]]\ncode = "pilkades-2023"\nname = "Pilkades 2023"\nkind = "pilkades"\n'
                      'voting_day = 2023-10-12\n[election.stages]\n'
                      'pemungutan_suara = [2023-10-12, 2023-10-12]\nkampanye = [2023-10-01, 2023-10-08]\n')
    result = runner.invoke(main, ["elections", "load", str(custom)], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 0 and "new 1" in result.output
    result = runner.invoke(main, ["elections", "list"], env={"PKS_GEO_DATABASE_URL": url})
    assert "pilkades-2023\t2023-10-12" in result.output and "kampanye" in result.output
    custom.write_text('[[election]]\ncode = "x"\nkind = "pemilu"\n')
    result = runner.invoke(main, ["elections", "load", str(custom)], env={"PKS_GEO_DATABASE_URL": url})
    assert result.exit_code == 1 and "'code' and 'name' are required" in result.output
