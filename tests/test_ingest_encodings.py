"""Files as they really arrive: stale XLSX dimensions, UTF-16, broken UTF-8, absurd widths.

Each case either imports every row or is refused with a message that says what is wrong;
none may lose rows silently or change stored data (issue 13)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

from pks_geo.ingest.incident_load import import_incidents
from pks_geo.ingest.report import ImportFailed
from tests.conftest import table_fingerprint
from tests.ingest_support import LAMBAKARA, ingest_engine_for, point_in

HEADER = ["id", "tanggal", "kategori", "lat", "lon", "deskripsi"]


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


def _rows(engine: Engine, n: int, text: str = "Kericuhan di Lambakara") -> list[list[object]]:
    lat, lon = point_in(engine, LAMBAKARA)
    return [[f"ENC-{k}", "2019-04-10", "bentrok", lat, lon, text] for k in range(1, n + 1)]


def test_xlsx_with_a_stale_dimension_imports_every_row(ingest_engine: Engine, tmp_path: Path) -> None:
    """Many tools write <dimension ref="A1:F2"/> and never update it; openpyxl's read-only mode
    then stops after row 2. Five data rows must come in as five."""
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in _rows(ingest_engine, 5):
        sheet.append(row)
    fresh = tmp_path / "fresh.xlsx"
    book.save(fresh)
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(fresh) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data, n = re.subn(rb'<dimension ref="[^"]+"\s*/>', b'<dimension ref="A1:F2"/>', data)
                assert n == 1
            dst.writestr(item, data)
    report = import_incidents(ingest_engine, stale, source="enc-stale", dry_run=True, progress=False)
    assert report.read == 5 and report.inserted == 5 and report.rejected == []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be"])
def test_utf16_with_a_byte_order_mark_is_read(ingest_engine: Engine, tmp_path: Path, encoding: str) -> None:
    rows = _rows(ingest_engine, 3, "Warga Désa menolak hasil")
    text = "\r\n".join(",".join(str(v) for v in line) for line in [HEADER, *rows]) + "\r\n"
    path = tmp_path / "unicode.csv"
    bom = b"\xff\xfe" if encoding == "utf-16" else b"\xfe\xff"
    path.write_bytes(bom + text.encode("utf-16-le" if encoding == "utf-16" else "utf-16-be"))
    report = import_incidents(ingest_engine, path, source=f"enc-{encoding}", progress=False)
    assert report.inserted == 3 and report.rejected == []


def test_utf16_without_a_mark_is_refused_saying_so(ingest_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "nobom.csv"
    path.write_bytes(",".join(HEADER).encode("utf-16-le"))
    with pytest.raises(ImportFailed, match="UTF-16"):
        import_incidents(ingest_engine, path, source="enc-nobom", progress=False)


def test_broken_utf8_is_refused_with_its_line(ingest_engine: Engine, tmp_path: Path) -> None:
    rows = _rows(ingest_engine, 3, "Désa")
    lines = [",".join(HEADER).encode(), *(",".join(str(v) for v in r).encode("utf-8") for r in rows)]
    lines[2] = lines[2].replace("Désa".encode(), b"D\xe9sa")  # one Windows-1252 byte in a UTF-8 file
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"\n".join(lines) + b"\n")
    before = table_fingerprint(ingest_engine, "incident")
    with pytest.raises(ImportFailed, match=r"line 3: invalid UTF-8"):
        import_incidents(ingest_engine, path, source="enc-mixed", progress=False)
    assert table_fingerprint(ingest_engine, "incident") == before


def test_windows_1252_is_read_and_the_report_says_so(ingest_engine: Engine, tmp_path: Path) -> None:
    rows = _rows(ingest_engine, 2, "Désa Lambakara")
    path = tmp_path / "cp1252.csv"
    path.write_bytes("\n".join(",".join(str(v) for v in r) for r in [HEADER, *rows]).encode("cp1252"))
    report = import_incidents(ingest_engine, path, source="enc-cp1252", dry_run=True, progress=False)
    assert report.inserted == 2
    assert any("Windows-1252" in w.reason for w in report.warnings)


def test_a_hundred_thousand_columns_are_refused_at_once(ingest_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{k}" for k in range(100_000)) + "\n" + ",".join("1" * 100_000) + "\n")
    with pytest.raises(ImportFailed, match="100,000 columns; a sheet may have at most 500"):
        import_incidents(ingest_engine, path, source="enc-wide", progress=False)
