"""The Rencana Pengamanan page's words for what the analysis says in English (issue 14, item 1):
plan notes and refused parameters in Bahasa Indonesia, English with ?lang=en. No database."""

from __future__ import annotations

from pks_geo.queries.filters import ParameterError
from pks_geo.web.i18n import translations
from pks_geo.web.security_messages import parameter_message, plan_notes

NOTES = [  # as pks_geo.planning.patrol.plan_sectors writes them
    "2 TPS without any location are left out: 7405011001001, 7405011001002",
    "3 TPS are in kecamatan assigned to no Polsek and are left out",
    "Polsek Laonti has no post in posts.csv: its routes start at a TPS",
    "routes go round bays and straits over land (no road network is loaded): lengths are lower bounds of the "
    "road distance",
    "routes follow the loaded road network (pgRouting); 4 points farther than 500 m from any road are routed "
    "over land: 7405011001003",
    "something new the page does not know yet",
]


def test_plan_notes_in_bahasa_indonesia_and_english() -> None:
    shown = plan_notes(NOTES, translations("id"))
    assert shown == [
        "2 TPS tanpa lokasi sama sekali tidak masuk rencana: 7405011001001, 7405011001002",
        "3 TPS berada di kecamatan yang tidak dibagikan ke Polsek mana pun dan tidak masuk rencana",
        "Polsek Laonti tidak punya pos di posts.csv: rutenya berangkat dari sebuah TPS",
        "4 titik berjarak lebih dari 500 m dari jalan mana pun dirutekan lewat darat: 7405011001003",
        "something new the page does not know yet",  # shown as is rather than lost
    ]  # the routing note is dropped: the page's routing line says it in the page's language
    english = plan_notes(NOTES, translations("en"))
    assert english[:3] == NOTES[:3] and english[3].startswith("4 points farther than 500 m")


def test_refused_parameters_name_the_field() -> None:
    texts = translations("id")
    message = parameter_message(ParameterError("max_km", "expected a number between 0.1 and 200, got '0'"),
                                {"max_km": "0"}, texts, "id")
    assert message.startswith("Bentang sektor (maks. km) harus berupa angka antara 0,1 dan 200")
    message = parameter_message(ParameterError("profile", "unknown profile 'x'"), {}, texts, "id")
    assert message == "Profil operasi tidak dikenal. Pilih dari daftar lalu tekan Tampilkan."
