"""UI text added to the Rencana Pengamanan page for its map, the factor names and the printable
patrol-sector sheets, merged into the catalogue by :mod:`pks_geo.web.i18n` (kept apart from
:mod:`pks_geo.web.i18n_pages` so the pages' helpers do not edit one file)."""

from __future__ import annotations

SECURITY: dict[str, dict[str, str]] = {
    # --- the map ---------------------------------------------------------------------------
    "sec_map": {"id": "Peta rencana patroli", "en": "Patrol plan map"},
    "sec_map_label": {"id": "Peta TPS menurut kerawanan dengan sektor dan rute patroli",
                      "en": "Map of the TPS by risk with the patrol sectors and routes"},
    "sec_map_hint": {"id": "Angka pada TPS = urutan kunjungan dalam sektornya; garis berwarna = rute "
                           "sektor; P = pos keberangkatan.",
                     "en": "The number on a TPS is its place in its sector's route; coloured lines are "
                           "the sectors' routes; P is the post they start from."},
    "sec_stop_order": {"id": "urutan", "en": "stop"},
    "sec_show_map": {"id": "Peta", "en": "Map"},
    "sec_legend": {"id": "Keterangan", "en": "Legend"},
    # --- messages and names (pks_geo/web/security_messages.py) --------------------------------
    "sec_bad_number": {"id": "{label} harus berupa angka antara {low} dan {high} "
                             "(isian: \u201c{value}\u201d). "
                             "Perbaiki isian lalu tekan Tampilkan.",
                       "en": "{label} must be a number between {low} and {high} "
                             "(entered: \u201c{value}\u201d). "
                             "Correct it and press Show."},
    "sec_bad_choice": {"id": "{label} tidak dikenal. Pilih dari daftar lalu tekan Tampilkan.",
                       "en": "{label} is not known. Choose one from the list and press Show."},
    "sec_factor_incidents": {"id": "Kejadian di sekitar", "en": "Incidents nearby"},
    "sec_factor_hotspot": {"id": "Titik panas", "en": "Hot spot"},
    "sec_factor_previous_election": {"id": "Pemilihan sebelumnya", "en": "Previous election"},
    "sec_factor_dpt": {"id": "Jumlah DPT", "en": "Voters (DPT)"},
    "sec_factor_post_distance": {"id": "Jarak ke pos polisi", "en": "Distance to the police post"},
    "sec_points": {"id": "poin", "en": "points"},
    "sec_source_override": {"id": "manual", "en": "manual"},
    "sec_source_official": {"id": "resmi (daftar TPS)", "en": "official (TPS list)"},
    "sec_source_computed": {"id": "dihitung", "en": "computed"},
}
