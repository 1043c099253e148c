"""ACLED exports: current and old layouts, header case, geo_precision, the type mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pks_geo.ingest.incident_load import detect_format, import_incidents
from pks_geo.ingest.report import ImportError_
from tests.ingest_support import ANDOOLO, LAMBAKARA, LAMBAKARA_POINT, ingest_engine_for, point_in, source_rows

CURRENT = ["event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type",
           "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2",
           "interaction", "civilian_targeting", "iso", "region", "country", "admin1", "admin2",
           "admin3", "location", "latitude", "longitude", "geo_precision", "source", "source_scale",
           "notes", "fatalities", "tags", "timestamp"]
OLD = ["data_id"] + [c for c in CURRENT if c not in ("disorder_type", "civilian_targeting", "tags")]


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


def event(columns: list[str], **values: object) -> list[object]:
    base = {"data_id": 9001, "year": 2018, "time_precision": 1, "disorder_type": "Demonstrations",
            "actor1": "Protesters (Indonesia)", "inter1": 6, "interaction": 60, "iso": 360,
            "region": "Southeast Asia", "country": "Indonesia", "admin1": "Southeast Sulawesi",
            "admin2": "South Konawe", "admin3": "Laeya", "location": "Lambakara",
            "geo_precision": 1, "source": "Kendari Pos", "source_scale": "Subnational",
            "fatalities": 0, "timestamp": 1618446000}
    merged = {**base, **values}
    return [merged.get(c, "") for c in columns]


def write(path: Path, header: list[str], rows: list[list[object]]) -> Path:
    lines = [",".join(header)] + [",".join(f'"{v}"' if "," in str(v) else str(v) for v in row)
                                  for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_current_layout_with_upper_case_headers(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    alat, alon = point_in(ingest_engine, ANDOOLO)
    path = write(tmp_path / "acled.csv", [c.upper() for c in CURRENT], [
        event(CURRENT, event_id_cnty="IDN1001", event_date="2019-04-14", event_type="Protests",
              sub_event_type="Peaceful protest", latitude=lat, longitude=lon, notes="On 14 April, ..."),
        event(CURRENT, event_id_cnty="IDN1002", event_date="2019-04-17", event_type="Riots",
              sub_event_type="Mob violence", latitude=alat, longitude=alon, geo_precision=2, fatalities=1),
        event(CURRENT, event_id_cnty="IDN1003", event_date="2018-06-27",
              event_type="Strategic developments", sub_event_type="Looting/property destruction",
              latitude=lat, longitude=lon, geo_precision=3, location="South Konawe"),
        event(CURRENT, event_id_cnty="IDN1004", event_date="2018-06-28", event_type="Battles",
              sub_event_type="Armed clash", latitude=lat, longitude=lon, geo_precision=5),
    ])
    assert detect_format(path) == "acled"
    report = import_incidents(ingest_engine, path, progress=False)
    assert report.inserted == 3
    assert [(i.row, i.field) for i in report.rejected] == [(5, "geo_precision")]
    rows = source_rows(ingest_engine, "acled")
    first, second, third = rows["IDN1001"], rows["IDN1002"], rows["IDN1003"]
    assert (first["kategori"], first["original_type"], first["sub_type"]) == (
        "unjuk_rasa", "Protests", "Peaceful protest")
    assert first["desa_kode"] == LAMBAKARA and first["location_precision"] == "exact"
    assert first["place_name"] == "Lambakara" and first["description"] == "On 14 April, ..."
    assert (first["stage"], first["meninggal"], first["luka"]) == ("masa_tenang", 0, None)
    assert second["kategori"] == "kerusuhan" and second["location_precision"] == "near"
    assert second["desa_kode"] == ANDOOLO and second["meninggal"] == 1 and second["counted"]
    assert third["kategori"] == "perusakan" and third["location_precision"] == "kabupaten"
    assert third["counted"] is False and third["desa_kode"] is None and third["kecamatan_kode"] is None
    assert third["lat"] == pytest.approx(lat)


def test_old_layout_with_data_id_and_long_dates(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    path = write(tmp_path / "acled_2018.csv", OLD, [
        event(OLD, event_id_cnty="IDN2001", event_date="14 January 2018",
              event_type="Violence against civilians", sub_event_type="Attack", latitude=lat,
              longitude=lon, time_precision=2),
        event(OLD, event_id_cnty="IDN2002", event_date="31 February 2018", event_type="Protests",
              sub_event_type="Peaceful protest", latitude=lat, longitude=lon),
        event(OLD, event_id_cnty="IDN2003", event_date="2 March 2018", event_type="Headhunting",
              sub_event_type="", latitude=lon, longitude=lat),
    ])
    report = import_incidents(ingest_engine, path, source="acled-2018", progress=False)
    assert report.inserted == 2
    assert [(i.row, i.field) for i in report.rejected] == [(3, "event_date")]
    assert "impossible date" in report.rejected[0].reason
    warned = {(w.row, w.field) for w in report.warnings}
    assert warned == {(4, "event_type"), (4, "latitude")}  # unmapped type, swapped coordinates
    rows = source_rows(ingest_engine, "acled-2018")
    assert rows["IDN2001"]["kategori"] == "kekerasan" and rows["IDN2001"]["date_precision"] == 2
    assert str(rows["IDN2001"]["event_date"]) == "2018-01-14"
    assert rows["IDN2003"]["kategori"] == "lainnya" and rows["IDN2003"]["original_type"] == "Headhunting"
    assert rows["IDN2003"]["desa_kode"] == LAMBAKARA


def test_reimport_updates_a_changed_event_by_its_id(ingest_engine: Engine, tmp_path: Path) -> None:
    lat, lon = LAMBAKARA_POINT
    rows = [event(CURRENT, event_id_cnty="IDN3001", event_date="2019-01-01", event_type="Protests",
                  sub_event_type="Peaceful protest", latitude=lat, longitude=lon, fatalities=0)]
    path = write(tmp_path / "a.csv", CURRENT, rows)
    assert import_incidents(ingest_engine, path, source="acled-re", progress=False).inserted == 1
    assert import_incidents(ingest_engine, path, source="acled-re", progress=False).unchanged == 1
    rows[0] = event(CURRENT, event_id_cnty="IDN3001", event_date="2019-01-01", event_type="Riots",
                    sub_event_type="Violent demonstration", latitude=lat, longitude=lon, fatalities=2)
    write(path, CURRENT, rows)
    report = import_incidents(ingest_engine, path, source="acled-re", progress=False)
    assert (report.inserted, report.updated) == (0, 1)
    stored = source_rows(ingest_engine, "acled-re")["IDN3001"]
    assert (stored["kategori"], stored["meninggal"]) == ("kerusuhan", 2)


def test_acled_file_without_its_columns_is_refused(ingest_engine: Engine, tmp_path: Path) -> None:
    path = write(tmp_path / "b.csv", ["event_id_cnty", "event_type", "event_date"], [["IDN1", "Riots", "x"]])
    with pytest.raises(ImportError_, match="missing column.*latitude"):
        import_incidents(ingest_engine, path, fmt="acled", progress=False)
