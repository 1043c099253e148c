"""Importing incident files: sheets (CSV/XLSX), GeoJSON, and the rules every import keeps."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner
from openpyxl import Workbook
from sqlalchemy import Engine, text

from pks_geo.cli import main
from pks_geo.ingest import incident_load
from pks_geo.ingest.incident_load import RefusedImport, import_incidents
from pks_geo.ingest.report import ImportFailed
from tests.conftest import table_fingerprint
from tests.ingest_support import (
    ANDOOLO,
    LAMBAKARA,
    LAMBAKARA_POINT,
    ingest_engine_for,
    point_in,
    source_rows,
    write_csv,
)

SHEET = ["id", "tanggal", "kategori", "deskripsi", "lat", "lon", "kode_desa", "desa", "kecamatan",
         "meninggal", "luka", "sumber", "tahapan"]


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


def cli(engine: Engine, *args: str) -> tuple[int, str]:
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(main, list(args), env={"PKS_GEO_DATABASE_URL": url})
    return result.exit_code, result.output


def comma(value: float) -> str:
    return str(value).replace(".", ",")


def test_semicolons_decimal_commas_cp1252_and_named_desa(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = write_csv(tmp_path / "laporan.csv", SHEET, [
        ["K-1", "20/06/2018", "Unjuk rasa", "Massa – 200 orang, café ditutup", comma(lat), comma(lon),
         "", "", "", "", "2", "Polsek Laeya", ""],
        ["K-2", "15-04-2019", "politik uang", "“serangan fajar”", "", "", "", "Ds. Lambakara", "Laeya",
         "0", "", "warga", ""],
        ["K-3", "2019-04-17", "BENTROK", "", "", "", "7405032001", "", "", "1", "3", "media", ""],
    ], delimiter=";", encoding="cp1252")
    report = import_incidents(ingest_engine, path, source="t-cp1252", progress=False)
    assert (report.read, report.inserted, len(report.rejected)) == (3, 3, 0)
    rows = source_rows(ingest_engine, "t-cp1252")
    assert rows["K-1"]["description"] == "Massa – 200 orang, café ditutup"
    assert (rows["K-1"]["lat"], rows["K-1"]["lon"]) == pytest.approx((lat, lon))
    assert rows["K-1"]["desa_kode"] == LAMBAKARA and rows["K-1"]["location_precision"] == "exact"
    assert (rows["K-1"]["meninggal"], rows["K-1"]["luka"]) == (None, 2)
    assert (rows["K-1"]["election_code"], rows["K-1"]["stage"]) == ("pilgub-sultra-2018", "kampanye")
    assert rows["K-2"]["description"] == "“serangan fajar”"
    assert rows["K-2"]["desa_kode"] == LAMBAKARA and rows["K-2"]["location_precision"] == "desa"
    assert rows["K-2"]["kategori"] == "politik_uang" and rows["K-2"]["stage"] == "masa_tenang"
    assert rows["K-3"]["desa_kode"] == ANDOOLO and rows["K-3"]["kecamatan_kode"] == "74.05.03"
    assert rows["K-3"]["stage"] == "pemungutan_suara"
    assert all(r["status"] == "unverified" and r["created_by"].startswith("import:") for r in rows.values())


def test_utf8_bom_comma_separated(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufeffID,Tanggal,Kategori,Lat,Lon,Deskripsi\n".encode()
                     + f"B-1,2019-01-05,kekerasan,{lat},{lon},Pemukulan di pasar\n".encode())
    report = import_incidents(ingest_engine, path, source="t-bom", progress=False)
    assert report.inserted == 1, report.rejected
    assert source_rows(ingest_engine, "t-bom")["B-1"]["kategori"] == "kekerasan"


def test_multi_line_cells_keep_their_text_and_line_numbers(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = tmp_path / "multi.csv"
    text_cell = '"baris satu\nbaris dua\tdengan tab \\ garis miring"'
    path.write_text(f"id,tanggal,kategori,deskripsi,lat,lon\n"
                    f"L-1,2019-01-05,intimidasi,{text_cell},{lat},{lon}\n"
                    f"L-2,2019-01-06,lainnya,ok,{lat}\n", encoding="utf-8")
    report = import_incidents(ingest_engine, path, source="t-multi", progress=False)
    assert report.inserted == 1
    assert [(i.row, i.field) for i in report.rejected] == [(4, "lon")]  # L-2 starts on line 4
    stored = source_rows(ingest_engine, "t-multi")["L-1"]["description"]
    assert stored == "baris satu\nbaris dua\tdengan tab \\ garis miring"


def test_xlsx_sheet(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = point_in(ingest_engine, ANDOOLO)
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Tanggal", "Kategori", "Lat", "Lon", "Kode Desa", "Desa", "Kecamatan", "Luka"])
    sheet.append([101, datetime(2018, 6, 27), "bentrok", lat, lon, None, None, None, 4])
    sheet.append([102, "27/06/2018", "intimidasi", None, None, 7405192014, None, None, None])
    sheet.append([103, "2018-06-27", "intimidasi", None, None, None, "KEL. ANDOOLO", "andoolo", None])
    sheet.append([104, "30/02/2018", "intimidasi", lat, lon, None, None, None, -1])
    path = tmp_path / "insiden.xlsx"
    book.save(path)
    report = import_incidents(ingest_engine, path, source="t-xlsx", progress=False)
    assert report.inserted == 3
    assert [(i.row, i.field) for i in report.rejected] == [(5, "tanggal, luka")]
    rows = source_rows(ingest_engine, "t-xlsx")
    assert set(rows) == {"101", "102", "103"}
    assert rows["101"]["event_date"] == date(2018, 6, 27) and rows["101"]["luka"] == 4
    assert rows["101"]["desa_kode"] == ANDOOLO
    assert rows["102"]["desa_kode"] == LAMBAKARA and rows["103"]["desa_kode"] == ANDOOLO


def test_geojson_points(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    features = [
        {"type": "Feature", "id": "g1", "geometry": {"type": "Point", "coordinates": [lon, lat]},
         "properties": {"tanggal": "2019-03-01", "kategori": "perusakan", "Deskripsi": "APK dirusak"}},
        {"type": "Feature", "geometry": None,
         "properties": {"id": "g2", "tanggal": "2019-03-02", "kategori": "lainnya", "kode_desa": ANDOOLO}},
        {"type": "Feature",
         "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [0, 1], [0, 0]]]},
         "properties": {"id": "g3", "tanggal": "2019-03-02", "kategori": "lainnya"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [lat, lon]},
         "properties": {"id": "g4", "tanggal": "2019-03-03", "kategori": "lainnya"}},
    ]
    path = tmp_path / "titik.geojson"
    path.write_bytes(orjson.dumps({"type": "FeatureCollection", "features": features}))
    report = import_incidents(ingest_engine, path, source="t-geojson", progress=False)
    assert report.inserted == 3
    assert [(i.row, i.field) for i in report.rejected] == [(3, "geometry")]
    assert [(w.row, w.field) for w in report.warnings] == [(4, "geometry")]  # swapped back
    rows = source_rows(ingest_engine, "t-geojson")
    assert rows["g1"]["description"] == "APK dirusak" and rows["g1"]["desa_kode"] == LAMBAKARA
    assert rows["g2"]["location_precision"] == "desa" and rows["g4"]["desa_kode"] == LAMBAKARA
    (tmp_path / "bad.geojson").write_text('{"type": "FeatureCollection", "features": [')
    with pytest.raises(ImportFailed, match="not valid JSON"):
        import_incidents(ingest_engine, tmp_path / "bad.geojson", source="t-geojson", progress=False)


def test_half_garbage_file_keeps_good_rows_and_lists_the_rest(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    good = [f"G-{i},2019-02-0{i},intimidasi,{lat},{lon}" for i in range(1, 5)]
    lines = ["id,tanggal,kategori,lat,lon", good[0], "\x1b[2J%%%% ;;;; ~~~~", good[1],
             "G-9,2019-13-45,??,abc,def", "G-10,2019-02-10,bentrok,1,2,3,4,5", good[2],
             "ÿþ garbage line", good[3], "G-11,2019-02-11,lainnya,,"]
    path = tmp_path / "rusak.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report_path = tmp_path / "report.json"
    code, output = cli(ingest_engine, "incidents", "import", str(path), "--source", "t-garbage",
                       "--report", str(report_path))
    assert code == 0, output
    assert set(source_rows(ingest_engine, "t-garbage")) == {"G-1", "G-2", "G-3", "G-4"}
    data = json.loads(report_path.read_text())
    assert data["inserted"] == 4 and data["read"] == 9
    rejected = {r["row"]: r for r in data["rejected"]}
    assert sorted(rejected) == [3, 5, 6, 8, 10]
    assert rejected[6]["reason"] == "8 values but the header has 5 columns"
    assert "tanggal" in rejected[5]["field"] and "kategori" in rejected[5]["field"]
    assert rejected[10]["reason"].startswith("no location")
    assert "rejected 5" in output and "new 4" in output


def test_dry_run_changes_nothing(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = write_csv(tmp_path / "dry.csv", ["id", "tanggal", "kategori", "lat", "lon"],
                     [[f"D-{i}", "2019-01-01", "lainnya", lat, lon] for i in range(5)])
    before = table_fingerprint(ingest_engine, "incident")
    report = import_incidents(ingest_engine, path, source="t-dry", dry_run=True, progress=False)
    assert report.dry_run and report.inserted == 5
    assert table_fingerprint(ingest_engine, "incident") == before
    code, output = cli(ingest_engine, "incidents", "import", str(path), "--source", "t-dry", "--dry-run")
    assert code == 0 and "[dry run]" in output and "new 5" in output
    assert table_fingerprint(ingest_engine, "incident") == before


def test_reimport_changes_nothing_and_changed_rows_update(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    rows = [[f"R-{i}", "2018-05-0" + str(i), "intimidasi", lat, lon, ""] for i in range(1, 6)]
    rows.append(["", "2018-05-09", "lainnya", lat, lon, ""])  # no id: derived from the content
    header = ["id", "tanggal", "kategori", "lat", "lon", "luka"]
    path = write_csv(tmp_path / "re.csv", header, rows)
    first = import_incidents(ingest_engine, path, source="t-reimport", progress=False)
    assert first.inserted == 6
    before = table_fingerprint(ingest_engine, "incident")
    again = import_incidents(ingest_engine, path, source="t-reimport", progress=False)
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6)
    assert table_fingerprint(ingest_engine, "incident") == before
    with ingest_engine.begin() as conn:
        conn.execute(text("UPDATE incident SET status = 'verified' WHERE source = 't-reimport' "
                          "AND external_id = 'R-2'"))
    rows[1][5] = "3"
    write_csv(path, header, rows)
    changed = import_incidents(ingest_engine, path, source="t-reimport", progress=False)
    assert (changed.inserted, changed.updated, changed.unchanged) == (0, 1, 5)
    stored = source_rows(ingest_engine, "t-reimport")
    assert stored["R-2"]["luka"] == 3 and stored["R-2"]["status"] == "verified"
    assert len(stored) == 6


def test_duplicate_rows_and_conflicting_ids(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = write_csv(tmp_path / "dup.csv", ["id", "tanggal", "kategori", "lat", "lon"], [
        ["U-1", "2019-01-01", "lainnya", lat, lon],
        ["U-1", "2019-01-01", "lainnya", lat, lon],    # exact duplicate: counted once
        ["U-2", "2019-01-02", "lainnya", lat, lon],
        ["U-2", "2019-01-03", "bentrok", lat, lon],    # same id, other content: both refused
        ["", "2019-01-04", "lainnya", lat, lon],
        ["", "2019-01-04", "lainnya", lat, lon],       # the same content without id
    ])
    report = import_incidents(ingest_engine, path, source="t-dup", progress=False)
    assert report.inserted == 2 and report.read == 6
    assert [(i.row, i.field) for i in report.rejected] == [(4, "id"), (5, "id")]
    assert "appears in rows 4, 5 with different content" in report.rejected[0].reason
    assert sorted(w.row for w in report.warnings if "duplicate" in w.reason) == [3, 7]
    assert len(source_rows(ingest_engine, "t-dup")) == 2


def test_batches_keep_the_rules(ingest_engine: Engine, tmp_path: Path,
                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small batches (located and stored while later ones are validated) give the same result."""
    monkeypatch.setattr(incident_load, "BATCH_ROWS", 40)
    monkeypatch.setattr(incident_load, "FIRST_BATCH_ROWS", 7)
    lat, lon = LAMBAKARA_POINT
    rows = [[f"M-{i}", "2019-02-01", "lainnya", lat, lon] for i in range(300)]
    rows[250] = ["M-3", "2019-02-01", "lainnya", lat, lon]      # duplicate of a row 247 rows earlier
    rows[260] = ["M-5", "2019-02-02", "bentrok", lat, lon]      # conflicts with a row 255 rows earlier
    rows[270] = ["M-270", "2019-02-01", "lainnya", "-3.97", "122.51"]  # outside
    path = write_csv(tmp_path / "many.csv", ["id", "tanggal", "kategori", "lat", "lon"], rows)
    report = import_incidents(ingest_engine, path, source="t-batches", progress=False)
    assert report.inserted == 296  # 298 distinct ids, minus the conflicting M-5 and the outside M-270
    assert sorted(i.row for i in report.rejected) == [7, 262, 272]
    stored = source_rows(ingest_engine, "t-batches")
    assert "M-5" not in stored and "M-3" in stored and len(stored) == report.inserted


def test_unreadable_files_exit_nonzero_and_change_nothing(ingest_engine: Engine, tmp_path: Path) -> None:
    before = table_fingerprint(ingest_engine, "incident")
    binary = tmp_path / "foto.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    empty = tmp_path / "kosong.csv"
    empty.write_text("\n\n")
    no_columns = write_csv(tmp_path / "kolom.csv", ["nomor", "waktu", "jenis"], [["1", "2", "3"]])
    for path, words in ((binary, "not a text file"), (empty, "empty"), (no_columns, "missing column")):
        code, output = cli(ingest_engine, "incidents", "import", str(path), "--source", "t-unreadable")
        assert code == 1 and words in output, output
    code, output = cli(ingest_engine, "incidents", "import", str(tmp_path / "nowhere.csv"))
    assert code != 0 and "does not exist" in output
    assert table_fingerprint(ingest_engine, "incident") == before


def test_all_or_nothing_refuses_the_whole_file(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = write_csv(tmp_path / "aon.csv", ["id", "tanggal", "kategori", "lat", "lon"], [
        ["A-1", "2019-01-01", "lainnya", lat, lon], ["A-2", "2019-01-01", "lainnya", "1.0", "100.0"]])
    before = table_fingerprint(ingest_engine, "incident")
    with pytest.raises(RefusedImport) as refused:
        import_incidents(ingest_engine, path, source="t-aon", all_or_nothing=True, progress=False)
    assert [(i.row, i.field) for i in refused.value.report.rejected] == [(3, "lat")]
    report_path = tmp_path / "aon.json"
    code, output = cli(ingest_engine, "incidents", "import", str(path), "--source", "t-aon",
                       "--all-or-nothing", "--report", str(report_path))
    assert code == 1 and "nothing was imported" in output
    assert json.loads(report_path.read_text())["rejected"][0]["reason"].startswith("outside area")
    assert table_fingerprint(ingest_engine, "incident") == before


def test_keep_outside(ingest_engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "out.csv", ["id", "tanggal", "kategori", "lat", "lon"],
                     [["O-1", "2019-01-01", "unjuk_rasa", "-3.97", "122.51"]])
    assert import_incidents(ingest_engine, path, source="t-outside", progress=False).inserted == 0
    report = import_incidents(ingest_engine, path, source="t-outside", keep_outside=True, progress=False)
    assert report.inserted == 1 and "--keep-outside" in report.warnings[0].reason
    row = source_rows(ingest_engine, "t-outside")["O-1"]
    assert row["desa_kode"] is None and row["counted"] is False and row["lat"] == pytest.approx(-3.97)


def test_reserved_sources_and_formats(ingest_engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "x.csv", ["id", "tanggal", "kategori", "kode_desa"],
                     [["X", "2019-01-01", "lainnya", ANDOOLO]])
    for source in ("contoh", "synthetic-scale"):
        with pytest.raises(ImportFailed, match="reserved"):
            import_incidents(ingest_engine, path, source=source, progress=False)
    (tmp_path / "x.pdf").write_text("x")
    with pytest.raises(ImportFailed, match="--format"):
        import_incidents(ingest_engine, tmp_path / "x.pdf", progress=False)
    report = import_incidents(ingest_engine, path, fmt="sheet", progress=False)
    assert report.inserted == 1 and "source sheet" in report.source


def test_quick_handover_restores_the_switch_interval_after_overlapping_stores() -> None:
    """Two stores overlapping in one process: the interval stays short until the last ends."""
    import sys

    from pks_geo.ingest.incident_store import HANDOVER_SECONDS, quick_handover

    before = sys.getswitchinterval()
    first, second = quick_handover(), quick_handover()
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(min(before, HANDOVER_SECONDS))
    second.__exit__(None, None, None)
    assert sys.getswitchinterval() == pytest.approx(before)
