"""ACLED exports: current and old layouts, header case, geo_precision, the type mapping."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from pks_geo.ingest import incident_load
from pks_geo.ingest.incident_load import detect_format, import_incidents
from pks_geo.ingest.report import ImportFailed
from tests.conftest import table_fingerprint
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
    with pytest.raises(ImportFailed, match="missing column.*latitude"):
        import_incidents(ingest_engine, path, fmt="acled", progress=False)


def _many(count: int, lat: float, lon: float) -> list[list[object]]:
    return [event(CURRENT, event_id_cnty=f"IDN7{i:04d}", event_date="2019-02-01", event_type="Protests",
                  sub_event_type="Peaceful protest", latitude=lat, longitude=lon) for i in range(count)]


def test_single_pass_conflict_starts_over_and_refuses_both_rows(
        ingest_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ACLED CSV is stored while it is read; an id that comes back with other content after
    its first row was already stored rolls that pass back and the file is imported again with
    the repeated ids held back: the same result as a file read up front."""
    monkeypatch.setattr(incident_load, "BATCH_ROWS", 40)
    monkeypatch.setattr(incident_load, "FIRST_BATCH_ROWS", 7)
    passes: list[bool] = []
    original = incident_load.validated_batches

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        passes.append(kwargs.get("held_ids") is None)
        return original(*args, **kwargs)

    monkeypatch.setattr(incident_load, "validated_batches", counting)
    lat, lon = LAMBAKARA_POINT
    rows = _many(300, lat, lon)
    rows[250] = list(rows[3])                                   # exact repeat: counted once
    rows[260] = event(CURRENT, event_id_cnty="IDN70005", event_date="2019-02-02", event_type="Riots",
                      sub_event_type="Mob violence", latitude=lat, longitude=lon)  # conflicts with row 7
    path = write(tmp_path / "conflict.csv", CURRENT, rows)
    report = import_incidents(ingest_engine, path, source="acled-conflict", progress=False)
    assert passes == [True, False]
    assert report.read == 300 and report.inserted == 297
    assert sorted((i.row, i.field) for i in report.rejected) == [(7, "event_id_cnty"), (262, "event_id_cnty")]
    assert [w.row for w in report.warnings if "exact duplicate" in w.reason] == [252]
    stored = source_rows(ingest_engine, "acled-conflict")
    assert len(stored) == 297 and "IDN70005" not in stored and "IDN70003" in stored


def test_single_pass_exact_repeats_need_no_second_pass(
        ingest_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incident_load, "BATCH_ROWS", 40)
    monkeypatch.setattr(incident_load, "FIRST_BATCH_ROWS", 7)
    lat, lon = LAMBAKARA_POINT
    rows = _many(120, lat, lon)
    rows[100] = list(rows[1])
    rows.insert(50, ["1,2,3"] * (len(CURRENT) + 3))  # a malformed row in the middle (too many values)
    path = write(tmp_path / "repeats.csv", CURRENT, rows)
    report = import_incidents(ingest_engine, path, source="acled-repeats", progress=False)
    assert report.read == 121 and report.inserted == 119
    assert [(i.row, "values but the header has" in i.reason) for i in report.rejected] == [(52, True)]
    assert [w.row for w in report.warnings if "exact duplicate of row 3" in w.reason] == [103]
    assert len(source_rows(ingest_engine, "acled-repeats")) == 119


def test_csv_error_after_stored_batches_changes_nothing(
        ingest_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row the CSV parser cannot read, met after earlier batches were stored: the import
    fails naming the line, and the stored batches are rolled back."""
    monkeypatch.setattr(incident_load, "BATCH_ROWS", 40)
    monkeypatch.setattr(incident_load, "FIRST_BATCH_ROWS", 7)
    lat, lon = LAMBAKARA_POINT
    path = write(tmp_path / "broken.csv", CURRENT, _many(200, lat, lon))
    with path.open("a", encoding="utf-8") as handle:
        handle.write("IDN79999,2019-02-01," + "x" * 200_000 + "\n")  # beyond the csv field limit
    before = table_fingerprint(ingest_engine, "incident")
    with pytest.raises(ImportFailed, match=r"line 202: unreadable CSV"):
        import_incidents(ingest_engine, path, source="acled-broken", progress=False)
    assert table_fingerprint(ingest_engine, "incident") == before
