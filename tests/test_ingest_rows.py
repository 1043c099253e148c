"""The incident rule book (validate_incident), the taxonomy and the elections calendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from pks_geo.ingest.elections import ElectionsError, file_calendar, parse_elections
from pks_geo.ingest.incident_rows import validate_incident
from pks_geo.ingest.taxonomy import TaxonomyError, load_taxonomy, parse_taxonomy

BASE = {"tanggal": "2018-06-20", "kategori": "bentrok", "lat": "-4.33", "lon": "122.50"}


def ok(fields: dict[str, object], **extra: object):  # type: ignore[no-untyped-def]
    record, issues = validate_incident({**BASE, **fields}, 7, **extra)  # type: ignore[arg-type]
    assert record is not None, issues
    return record, issues


def refused(fields: dict[str, object]) -> dict[str, str]:
    record, issues = validate_incident({**BASE, **fields}, 7)
    assert record is None
    assert issues and all(i.row == 7 for i in issues)
    return {i.field: i.reason for i in issues}  # type: ignore[misc]


@pytest.mark.parametrize("text", ["2018-01-14", "14/01/2018", "14-01-2018", "14 January 2018",
                                  "14 Januari 2018", "14-Jan-2018", "2018-01-14 00:00:00"])
def test_accepted_date_spellings(text: str) -> None:
    assert ok({"tanggal": text})[0].event_date == date(2018, 1, 14)


def test_spreadsheet_dates_are_taken_as_they_are() -> None:
    assert ok({"tanggal": datetime(2019, 4, 17, 8, 30)})[0].event_date == date(2019, 4, 17)
    assert ok({"tanggal": date(2019, 4, 17)})[0].event_date == date(2019, 4, 17)


@pytest.mark.parametrize("text", ["31/02/2018", "2018-02-30", "29-02-2019", "32 January 2018"])
def test_impossible_dates_are_refused(text: str) -> None:
    assert "impossible date" in refused({"tanggal": text})["tanggal"]


@pytest.mark.parametrize("text", ["yesterday", "2018/31/01", "01.2018", "14 Smarch 2018"])
def test_unreadable_dates_name_the_accepted_forms(text: str) -> None:
    assert "DD/MM/YYYY" in refused({"tanggal": text})["tanggal"]


def test_missing_and_future_dates_are_refused() -> None:
    assert refused({"tanggal": ""})["tanggal"] == "required"
    future = (date.today() + timedelta(days=3)).isoformat()
    assert "in the future" in refused({"tanggal": future})["tanggal"]


@pytest.mark.parametrize(("text", "code"), [
    ("bentrok", "bentrok"), ("Unjuk rasa", "unjuk_rasa"), ("UNJUK_RASA", "unjuk_rasa"),
    ("Perusakan (termasuk APK)", "perusakan"), ("Politik uang", "politik_uang"),
    ("Vote buying", "politik_uang"), ("hoaks", "ujaran_kebencian"), ("  Lainnya ", "lainnya"),
])
def test_kategori_by_code_or_label(text: str, code: str) -> None:
    assert ok({"kategori": text})[0].kategori == code


def test_unknown_kategori_lists_the_codes() -> None:
    reason = refused({"kategori": "pencurian"})["kategori"]
    assert "unknown kategori 'pencurian'" in reason and "politik_uang" in reason


def test_counts_empty_means_unknown_not_zero() -> None:
    record, _ = ok({"meninggal": "", "luka": "0"})
    assert record.meninggal is None and record.luka == 0
    record, _ = ok({"meninggal": 2.0, "luka": " 3 "})
    assert (record.meninggal, record.luka) == (2, 3)


@pytest.mark.parametrize(("value", "words"), [("-1", "negative count -1"), (-2, "negative count -2"),
                                               ("1,5", "not a whole number"), ("dua", "not a number")])
def test_bad_counts_are_refused(value: object, words: str) -> None:
    assert words in refused({"luka": value})["luka"]


def test_decimal_commas_and_points() -> None:
    record, _ = ok({"lat": "-4,3289", "lon": "122,4988"})
    assert (record.lat, record.lon) == (-4.3289, 122.4988)
    record, _ = ok({"lat": -4.5, "lon": 122})
    assert (record.lat, record.lon) == (-4.5, 122.0)


def test_coordinates_come_in_pairs_and_in_range() -> None:
    assert refused({"lon": ""})["lon"] == "lat and lon must be given together"
    assert "not WGS 84" in refused({"lat": "400", "lon": "122"})["lat"]
    assert "not a decimal degree" in refused({"lat": "4°20'S"})["lat"]
    # latitude beyond 90 with a longitude that could be a latitude: left to the swap check
    record, _ = ok({"lat": "122.5", "lon": "-4.33"})
    assert (record.lat, record.lon) == (122.5, -4.33)


def test_a_location_is_required() -> None:
    reasons = refused({"lat": "", "lon": ""})
    assert "no location" in reasons["lat"]
    record, _ = ok({"lat": "", "lon": "", "kode_desa": "7405192014"})
    assert record.kode_desa == "74.05.19.2014" and record.lat is None
    assert "not a desa code" in refused({"lat": "", "lon": "", "kode_desa": "74.05"})["kode_desa"]
    record, _ = ok({"lat": "", "lon": "", "desa": "Ds. Lambakara", "kecamatan": "Laeya"})
    assert (record.desa_name, record.kecamatan_name) == ("Ds. Lambakara", "Laeya")


def test_election_and_stage_from_the_calendar() -> None:
    assert ok({"tanggal": "2018-06-27"})[0].stage == "pemungutan_suara"
    record, _ = ok({"tanggal": "2019-04-15"})
    assert (record.election_code, record.stage) == ("pemilu-2019", "masa_tenang")
    record, _ = ok({"tanggal": "2018-03-01"})
    assert (record.election_code, record.stage) == ("pilgub-sultra-2018", "kampanye")
    record, _ = ok({"tanggal": "2016-05-01"})
    assert (record.election_code, record.stage) == (None, None)


def test_explicit_tahapan_wins_with_a_warning_when_it_disagrees() -> None:
    record, warnings = ok({"tanggal": "2019-04-15", "tahapan": "Pemungutan suara"})
    assert record.stage == "pemungutan_suara" and record.election_code == "pemilu-2019"
    assert warnings[0].field == "tahapan" and "differs from the calendar" in warnings[0].reason
    assert "unknown tahapan" in refused({"tahapan": "perhitungan ulang"})["tahapan"]
    assert "unknown election" in refused({"election": "pilpres-2099"})["election"]


def test_issues_use_the_callers_field_names() -> None:
    record, issues = validate_incident({"EVENT_DATE": "31/02/2018", "kategori": "x",
                                        "Latitude": "-4.3", "longitude": "122.5"}, None)
    assert record is None
    assert {i.field for i in issues} == {"EVENT_DATE", "kategori"}
    assert all(i.row is None for i in issues)


def test_derived_id_is_stable_and_content_based() -> None:
    first, _ = ok({})
    again, _ = ok({})
    other, _ = ok({"luka": "1"})
    assert first.external_id == again.external_id and first.external_id.startswith("h-")
    assert other.external_id != first.external_id
    assert ok({"id": " T-17 "})[0].external_id == "T-17"
    assert ok({"id": 17.0})[0].external_id == "17"
    assert "longer than 100" in refused({"id": "x" * 101})["id"]


def test_acled_precision_and_counted_flags() -> None:
    record, _ = ok({"location_precision": "kabupaten", "counted": "false"})
    assert record.location_precision == "kabupaten" and record.counted is False
    assert "must be one of" in refused({"location_precision": "village"})["location_precision"]


def test_taxonomy_acled_table_sub_type_wins() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.acled_kategori("Protests", "Peaceful protest") == "unjuk_rasa"
    assert taxonomy.acled_kategori("STRATEGIC DEVELOPMENTS", "Looting/property destruction") == "perusakan"
    assert taxonomy.acled_kategori("Strategic developments", "Arrests") == "lainnya"
    assert taxonomy.acled_kategori("Riots", "Mob violence") == "kerusuhan"
    assert taxonomy.acled_kategori("Violence against civilians", "Abduction") == "kekerasan"
    assert taxonomy.acled_kategori("Alien invasion", "") is None
    assert taxonomy.label("unjuk_rasa", "en") == "Protest"


def test_taxonomy_file_errors_name_the_entry() -> None:
    good = {"kategori": {code: {"id": code} for code in load_taxonomy().labels},
            "acled": [{"event_type": "Protests", "kategori": "unjuk_rasa"}]}
    parse_taxonomy(good)
    with pytest.raises(TaxonomyError, match="unknown"):
        parse_taxonomy({**good, "kategori": {**good["kategori"], "pencurian": {"id": "x"}}})
    with pytest.raises(TaxonomyError, match="acled rule 1"):
        parse_taxonomy({**good, "acled": [{"event_type": "Protests", "kategori": "demo"}]})
    with pytest.raises(TaxonomyError, match="names both"):
        kategori = {**good["kategori"], "lainnya": {"id": "Bentrok"}}
        parse_taxonomy({**good, "kategori": kategori})


def test_elections_file_and_its_errors() -> None:
    calendar = file_calendar()
    assert {"pilkades-2017", "pilgub-sultra-2018", "pemilu-2019", "pilkada-2024"} <= calendar.codes
    voting = {e.code: e.voting_day for e in calendar.elections}
    assert voting["pilgub-sultra-2018"] == date(2018, 6, 27)
    assert voting["pemilu-2019"] == date(2019, 4, 17)
    assert voting["pilkada-2024"] == date(2024, 11, 27)
    assert calendar.stage_for(date(2024, 11, 25)) == ("pilkada-2024", "masa_tenang")
    base = {"code": "x", "name": "X", "kind": "pemilu", "voting_day": date(2020, 1, 10)}
    with pytest.raises(ElectionsError, match="overlap"):
        parse_elections({"election": [{**base, "stages": {
            "kampanye": [date(2020, 1, 1), date(2020, 1, 8)],
            "masa_tenang": [date(2020, 1, 8), date(2020, 1, 9)]}}]})
    with pytest.raises(ElectionsError, match="unknown stage 'hitung'"):
        parse_elections({"election": [{**base, "stages": {"hitung": [date(2020, 1, 1)] * 2}}]})
    with pytest.raises(ElectionsError, match="outside pemungutan_suara"):
        parse_elections({"election": [{**base, "stages": {
            "pemungutan_suara": [date(2020, 1, 11), date(2020, 1, 11)]}}]})
