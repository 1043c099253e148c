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
    # --- printable sector sheets (pks_geo/maps/patrol_sheet.py) -----------------------------
    "sec_sheets": {"id": "Cetak lembar sektor patroli per Polsek (PDF: peta sektor, urutan TPS, "
                         "alamat, jarak dan waktu)",
                   "en": "Print the patrol-sector sheets of a Polsek (PDF: sector map, TPS in order, "
                         "addresses, distances and times)"},
    "sec_sheet_link": {"id": "{polsek} (PDF)", "en": "{polsek} (PDF)"},
    "sheet_title": {"id": "Lembar Sektor Patroli \u2014 {polsek}",
                    "en": "Patrol-sector sheet \u2014 {polsek}"},
    "sheet_sector_line": {"id": "Sektor {sector} ({n} dari {total}) \u00b7 {tps} TPS \u00b7 \u00b1{km} km "
                                "jalan \u00b7 \u00b1{minutes} menit",
                          "en": "Sector {sector} ({n} of {total}) \u00b7 {tps} TPS \u00b7 ~{km} km by road "
                                "\u00b7 ~{minutes} minutes"},
    "sheet_continued": {"id": "(lanjutan)", "en": "(continued)"},
    "sheet_params_line": {"id": "{election} \u00b7 berangkat dari {start} \u00b7 kecepatan {speed} km/jam "
                                "\u00b7 singgah {stop} menit per TPS \u00b7 {distance}",
                          "en": "{election} \u00b7 starts at {start} \u00b7 speed {speed} km/h \u00b7 "
                                "{stop} minutes at each TPS \u00b7 {distance}"},
    "sheet_distance_line": {"id": "jarak jalan \u2248 garis rute \u00d7 {detour}",
                            "en": "road distance \u2248 route line \u00d7 {detour}"},
    "sheet_distance_road": {"id": "rute mengikuti jaringan jalan yang dimuat",
                            "en": "routes follow the loaded road network"},
    "sheet_depart": {"id": "Berangkat: {start}", "en": "Leave: {start}"},
    "sheet_return": {"id": "Kembali ke pos", "en": "Back to the post"},
    "sheet_col_tps": {"id": "Kode TPS", "en": "TPS code"},
    "sheet_col_desa": {"id": "TPS / desa", "en": "TPS / desa"},
    "sheet_col_address": {"id": "Alamat", "en": "Address"},
    "sheet_col_leg": {"id": "Jarak km", "en": "Leg km"},
    "sheet_col_total": {"id": "Total km", "en": "Total km"},
    "sheet_col_minutes": {"id": "Tiba (mnt)", "en": "Arrive (min)"},
    "sheet_note": {"id": "Jarak diukur di peta (garis lurus, memutar teluk lewat darat; tanpa jaringan "
                         "jalan) \u2014 periksa rute di lapangan. Tiba = menit setelah berangkat dari pos. "
                         "Data operasional: hanya untuk petugas yang berwenang.",
                   "en": "Distances are measured on the map (straight lines, round bays over land; no road "
                         "network) \u2014 check the route on the ground. Arrive = minutes after leaving "
                         "the post. Operational data: for authorised officers only."},
    "sheet_note_road": {"id": "Jarak diukur sepanjang jaringan jalan yang dimuat (TPS jauh dari jalan: "
                              "garis lurus \u00d7 faktor memutar) \u2014 periksa rute di lapangan. Tiba = "
                              "menit setelah berangkat dari pos. Data operasional: hanya untuk petugas yang "
                              "berwenang.",
                        "en": "Distances are measured along the loaded road network (TPS far from a road: "
                              "straight line \u00d7 detour factor) \u2014 check the route on the ground. "
                              "Arrive = minutes after leaving the post. Operational data: for authorised "
                              "officers only."},
    "sec_dl_working": {"id": "Menyiapkan {file}\u2026 {s} detik", "en": "Preparing {file}\u2026 {s} s"},
    "sec_dl_done": {"id": "Selesai diunduh: {file}", "en": "Downloaded: {file}"},
    "sec_dl_failed": {"id": "Berkas tidak dapat dibuat; periksa parameter lalu coba lagi. Keterangan server:",
                      "en": "The file could not be made; check the parameters and try again. Server said:"},
    # --- the patrol plan's notes (security_messages.plan_notes) -------------------------------
    "sec_note_unlocated": {"id": "{n} TPS tanpa lokasi sama sekali tidak masuk rencana: {codes}",
                           "en": "{n} TPS without any location are left out: {codes}"},
    "sec_note_unassigned": {"id": "{n} TPS berada di kecamatan yang tidak dibagikan ke Polsek mana pun "
                                  "dan tidak masuk rencana",
                            "en": "{n} TPS are in kecamatan assigned to no Polsek and are left out"},
    "sec_note_no_post": {"id": "{unit} tidak punya pos di posts.csv: rutenya berangkat dari sebuah TPS",
                         "en": "{unit} has no post in posts.csv: its routes start at a TPS"},
    "sec_note_off_road": {"id": "{n} titik berjarak lebih dari {m} m dari jalan mana pun dirutekan "
                                "{how}: {codes}",
                          "en": "{n} points farther than {m} m from any road are routed {how}: {codes}"},
    "sec_note_how_land": {"id": "lewat darat", "en": "over land"},
    "sec_note_how_straight": {"id": "dengan garis lurus", "en": "in straight lines"},
}
