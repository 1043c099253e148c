"""Locating single records in PostGIS (the rules every import and the API share)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from pks_geo.ingest.desa_names import DesaIndex
from pks_geo.ingest.elections import calendar_from_db
from pks_geo.ingest.incident_rows import IncidentRecord, validate_incident
from pks_geo.ingest.locate import locate_record
from pks_geo.ingest.report import Issue
from tests.ingest_support import ANDOOLO, LAMBAKARA, LAMBAKARA_POINT, LAMBANDIA, ingest_engine_for


@pytest.fixture(scope="module")
def ingest_engine(database_factory, ks_boundary_paths) -> Engine:  # type: ignore[no-untyped-def]
    return ingest_engine_for(database_factory, ks_boundary_paths)


def locate(engine: Engine, keep_outside: bool = False, **fields: object
           ) -> tuple[IncidentRecord | None, list[Issue]]:
    with engine.begin() as conn:
        record, issues = validate_incident({"tanggal": "2019-04-10", "kategori": "intimidasi", **fields},
                                           3, calendar=calendar_from_db(conn))
        assert record is not None, issues
        return locate_record(conn, record, keep_outside=keep_outside)


def test_point_inside_a_desa_gets_desa_and_kecamatan(ingest_engine: Engine) -> None:
    lat, lon = LAMBAKARA_POINT
    record, warnings = locate(ingest_engine, lat=lat, lon=lon)
    assert record is not None and warnings == []
    assert (record.desa_kode, record.kecamatan_kode) == (LAMBAKARA, "74.05.19")
    assert record.location_precision == "exact" and record.counted
    assert (record.lat, record.lon) == (lat, lon)


def test_swapped_coordinates_are_swapped_back_with_a_warning(ingest_engine: Engine) -> None:
    lat, lon = LAMBAKARA_POINT
    record, warnings = locate(ingest_engine, lat=lon, lon=lat)
    assert record is not None and record.desa_kode == LAMBAKARA
    assert (record.lat, record.lon) == (lat, lon)
    assert [(w.row, w.field) for w in warnings] == [(3, "lat")]
    assert "wrong way round" in warnings[0].reason


def test_point_outside_every_boundary_is_refused_or_kept(ingest_engine: Engine) -> None:
    record, issues = locate(ingest_engine, lat="-3.97", lon="122.51")  # Kota Kendari
    assert record is None
    assert issues[0].field == "lat" and issues[0].reason.startswith("outside area")
    record, warnings = locate(ingest_engine, keep_outside=True, lat="-3.97", lon="122.51")
    assert record is not None
    assert record.desa_kode is None and record.kecamatan_kode is None and record.counted is False
    assert "--keep-outside" in warnings[0].reason


@pytest.mark.parametrize("kode", [LAMBAKARA, LAMBAKARA.replace(".", "")])
def test_without_coordinates_by_desa_code_at_desa_precision(ingest_engine: Engine, kode: str) -> None:
    record, _ = locate(ingest_engine, kode_desa=kode)
    assert record is not None and record.desa_kode == LAMBAKARA
    assert record.location_precision == "desa" and record.lat is not None
    again, _ = locate(ingest_engine, lat=record.lat, lon=record.lon)
    assert again is not None and again.desa_kode == LAMBAKARA  # ST_PointOnSurface lies inside


def test_unknown_desa_code_is_refused(ingest_engine: Engine) -> None:
    record, issues = locate(ingest_engine, kode_desa="74.05.19.2999")
    assert record is None
    assert issues[0].field == "kode_desa" and "unknown desa code 74.05.19.2999" in issues[0].reason


@pytest.mark.parametrize(("desa", "kecamatan"), [
    ("Ds. Lambakara", "Laeya"), ("Desa LAMBAKARA", "Kec. Laeya"), ("lambakara", None),
    ("Lambakra", "laeya"), ("Desa Lambakara", "Kecamatan Laeia"),
])
def test_by_name_tolerates_prefixes_case_and_typos(ingest_engine: Engine, desa: str,
                                                   kecamatan: str | None) -> None:
    record, warnings = locate(ingest_engine, desa=desa, kecamatan=kecamatan)
    assert record is not None and record.desa_kode == LAMBAKARA
    assert record.location_precision == "desa"
    typo = "kra" in desa or (kecamatan or "").endswith("Laeia")
    assert bool(warnings) == typo and all("read as" in w.reason for w in warnings)


def test_kelurahan_prefix(ingest_engine: Engine) -> None:
    record, _ = locate(ingest_engine, desa="Kel. Andoolo", kecamatan="Andoolo")
    assert record is not None and record.desa_kode == ANDOOLO


def test_unknown_or_ambiguous_names_are_refused_with_a_reason(ingest_engine: Engine) -> None:
    record, issues = locate(ingest_engine, desa="Ds. Sukamaju", kecamatan="Laeya")
    assert record is None
    assert (issues[0].row, issues[0].field) == (3, "desa")
    assert issues[0].reason == "unknown desa 'Ds. Sukamaju' in kecamatan Laeya"
    record, issues = locate(ingest_engine, desa="Lambakara", kecamatan="Atlantis")
    assert record is None and issues[0].field == "kecamatan"
    record, issues = locate(ingest_engine, desa="Lambandia")
    assert record is None and "several places" in issues[0].reason
    assert all(kode in issues[0].reason for kode in LAMBANDIA)
    record, _ = locate(ingest_engine, desa="Lambandia", kecamatan="Basala")
    assert record is not None and record.desa_kode == LAMBANDIA[1]


def test_region_level_events_are_stored_but_not_counted(ingest_engine: Engine) -> None:
    lat, lon = LAMBAKARA_POINT
    record, _ = locate(ingest_engine, lat=lat, lon=lon, location_precision="kabupaten")
    assert record is not None and record.counted is False
    assert record.desa_kode is None and record.kecamatan_kode is None
    record, _ = locate(ingest_engine, lat=lat, lon=lon, location_precision="kecamatan")
    assert record is not None and record.counted is True
    assert record.desa_kode is None and record.kecamatan_kode == "74.05.19"
    record, _ = locate(ingest_engine, lat=lat, lon=lon, location_precision="near")
    assert record is not None and record.desa_kode == LAMBAKARA and record.location_precision == "near"


def test_point_and_code_that_disagree(ingest_engine: Engine) -> None:
    lat, lon = LAMBAKARA_POINT
    record, warnings = locate(ingest_engine, lat=lat, lon=lon, kode_desa=ANDOOLO)
    assert record is not None and record.desa_kode == LAMBAKARA
    assert warnings[0].field == "kode_desa" and "located by the point" in warnings[0].reason


def test_desa_index_reads_every_loaded_desa(ingest_engine: Engine) -> None:
    with ingest_engine.connect() as conn:
        index = DesaIndex.from_db(conn)
    assert len(index.names) == 351 and len(index.kecamatan_names) == 25
