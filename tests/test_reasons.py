"""Validators give reason codes (issue 18): the English text of reports and the API is derived from
the code, and the incident form shows the catalogue's text for the code, not a translation of the
English words."""

from __future__ import annotations

import pickle
from datetime import date, timedelta

import orjson

from pks_geo.ingest.incident_edit import issues_to_errors
from pks_geo.ingest.incident_rows import validate_incident
from pks_geo.ingest.reasons import ENGLISH, LOCATOR_PREFIXES, Reason, as_reason, joined, reason
from pks_geo.ingest.tps import validate_tps
from pks_geo.web.i18n import translations
from pks_geo.web.incident_form import _translate

BASE = {"tanggal": "2018-06-20", "kategori": "bentrok", "lat": "-4.33", "lon": "122.50"}


def _refused(fields: dict[str, object]) -> dict[str, Reason]:
    record, issues = validate_incident({**BASE, **fields}, 3)
    assert record is None
    return {str(i.field): i.reason for i in issues}  # type: ignore[misc]


def test_incident_refusals_carry_codes_and_the_same_english_text() -> None:
    future = (date.today() + timedelta(days=3)).isoformat()
    reasons = _refused({"tanggal": future, "kategori": None, "luka": "-2", "meninggal": "1.5"})
    assert reasons["tanggal"].code == "date_in_future" and reasons["tanggal"].params == {"date": future}
    assert str(reasons["tanggal"]) == f"date {future} is in the future"
    assert (reasons["kategori"].code, str(reasons["kategori"])) == ("required", "required")
    assert reasons["luka"].code == "negative_count"
    assert str(reasons["luka"]) == "negative count -2 (leave empty when unknown)"
    assert reasons["meninggal"].code == "not_whole"
    assert str(reasons["meninggal"]) == "'1.5' is not a whole number"
    assert _refused({"tanggal": "31/02/2018"})["tanggal"].code == "date_impossible"
    assert _refused({"tanggal": "kemarin"})["tanggal"].code == "date_unreadable"
    assert _refused({"lon": None})["lon"].code == "lat_lon_together"


def test_tps_refusals_carry_codes() -> None:
    record, issues = validate_tps({"kode_tps": "7405012001001", "dpt": "-5"}, 2)
    assert record is None
    assert [(i.field, i.reason.code) for i in issues] == [("dpt", "negative_count")]  # type: ignore[attr-defined]
    record, issues = validate_tps({"kode_tps": "74050120", "kategori_kerawanan": "gawat"}, 3)
    assert record is None
    coded = {i.field: (i.reason.code, str(i.reason)) for i in issues}  # type: ignore[attr-defined]
    assert coded["kode_tps"] == ("tps_code_digits", "'74050120' is not 13 digits (desa code + TPS number)")


def test_reasons_survive_joining_pickling_and_json() -> None:
    both = joined([reason("required"), "outside area: point (lat 1, lon 2) lies in no loaded desa"])
    assert str(both) == "required; outside area: point (lat 1, lon 2) lies in no loaded desa"
    assert [p.code for p in both.parts] == ["required", "outside_area"]
    again = pickle.loads(pickle.dumps(both))
    assert str(again) == str(both) and [p.code for p in again.parts] == ["required", "outside_area"]
    assert orjson.loads(orjson.dumps({"x": both})) == {"x": str(both)}
    assert as_reason("lat|x").code is None  # an uncoded text stays text


def test_form_shows_the_catalogue_text_of_each_code() -> None:
    texts_id, texts_en = translations("id"), translations("en")
    errors = issues_to_errors(validate_incident({**BASE, "kategori": None, "luka": "-2"}, None)[1])
    assert _translate(errors["kategori"], texts_id, "id") == "Wajib diisi."
    assert _translate(errors["luka"], texts_id, "id").startswith("Jumlah tidak boleh negatif")
    assert _translate(errors["luka"], texts_en, "en") == "negative count -2 (leave empty when unknown)"
    both = joined([reason("date_in_future", date="2099-01-01"),
                   "outside area: point (lat 1, lon 2) lies in no loaded desa"])
    assert _translate(both, texts_id, "id") == ("Tanggal tidak boleh di masa depan. Di luar wilayah: "
                                                "titik ini tidak berada di desa mana pun yang dimuat.")
    # a code without a form sentence takes the import report's catalogue text
    assert _translate(reason("date_before_1900", date="1800-01-01"), texts_id, "id") == \
        "tanggal 1800-01-01 sebelum tahun 1900"
    assert _translate(Reason("free text"), texts_id, "id") == "free text"  # uncoded: as given


def test_every_reason_key_of_the_catalogue_names_a_code() -> None:
    codes = set(ENGLISH) | {code for _, code in LOCATOR_PREFIXES}
    for lang in ("id", "en"):
        keys = {k.removeprefix("reason_") for k in translations(lang) if k.startswith("reason_")}
        assert keys and keys <= codes, keys - codes


def test_every_code_has_a_catalogue_text_in_both_languages_with_its_values() -> None:
    """A code added to pks_geo.ingest.reasons without an Indonesian text fails here, and so does a
    text that asks for a value the code does not carry."""
    import string

    codes = {**ENGLISH, **{code: "" for _, code in LOCATOR_PREFIXES}}
    for lang in ("id", "en"):
        texts = translations(lang)
        for code, english in codes.items():
            key = f"imp_reason_{code}"
            assert key in texts, f"{key} missing in {lang}"
            fields = {name for _, name, _, _ in string.Formatter().parse(english) if name}
            texts[key].format(**{name: "x" for name in fields})  # KeyError: a value the code lacks
