"""The example files and the sheet template in data/examples/ import cleanly.

They are what a new district team starts from, so a rejected row in them would teach the
wrong thing; each is imported (dry run) into the Konawe Selatan test database and must be
accepted whole, and the template must be the one the code writes, with its explanation sheet.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from sqlalchemy import Engine

from pks_geo.cli import main
from pks_geo.config import PROJECT_ROOT
from pks_geo.ingest.incident_load import import_incidents
from pks_geo.ingest.sheet_template import COLUMNS, DATA_SHEET, HELP_SHEET, KATEGORI_SHEET
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.ingest.tps import import_tps
from tests.ingest_support import ingest_engine_for

EXAMPLES = PROJECT_ROOT / "data" / "examples"


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


@pytest.mark.parametrize(("name", "fmt", "rows"), [
    ("contoh-insiden.csv", "sheet", 4),
    ("contoh-acled.csv", "acled", 3),
    ("templat-insiden.xlsx", "sheet", 1),
])
def test_incident_examples_import_cleanly(ingest_engine: Engine, name: str, fmt: str, rows: int) -> None:
    report = import_incidents(ingest_engine, EXAMPLES / name, fmt=fmt, source=f"contoh-{fmt}",
                              dry_run=True, progress=False)
    assert report.rejected == []
    assert report.read == rows
    assert report.inserted == rows
    located = [w for w in report.warnings if "outside" in w.reason or "swap" in w.reason]
    assert located == []


def test_tps_example_imports_cleanly(ingest_engine: Engine) -> None:
    report = import_tps(ingest_engine, EXAMPLES / "contoh-tps.csv", "pilkada-2024", dry_run=True,
                        progress=False)
    assert report.rejected == []
    assert report.inserted == 4


def test_template_is_what_the_code_writes_and_explains_every_column(tmp_path: Path) -> None:
    written = tmp_path / "templat.xlsx"
    result = CliRunner().invoke(main, ["incidents", "template", "-o", str(written)])
    assert result.exit_code == 0, result.output
    for path in (written, EXAMPLES / "templat-insiden.xlsx"):
        book = load_workbook(path)
        assert book.sheetnames == [DATA_SHEET, HELP_SHEET, KATEGORI_SHEET]
        header, example = ([c.value for c in row] for row in book[DATA_SHEET].iter_rows(max_row=2))
        assert header == [c.name for c in COLUMNS]
        assert example == [c.example for c in COLUMNS]
        explained = {row[0].value: row[2].value for row in book[HELP_SHEET].iter_rows(min_row=4)}
        assert set(explained) == set(header) and all(explained.values())
        labels = [row[0].value for row in book[KATEGORI_SHEET].iter_rows(min_row=2)]
        assert labels == [v["id"] for v in load_taxonomy().labels.values()]
        validations = book[DATA_SHEET].data_validations.dataValidation
        assert len(validations) == 1 and KATEGORI_SHEET in validations[0].formula1
