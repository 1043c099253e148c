"""UI text of the shared page layout and the planners' cockpit part 1 (Rencana Pengamanan,
Insiden, Impor), kept beside the main catalogue and merged into it by :mod:`pks_geo.web.i18n`."""

from __future__ import annotations

PAGES: dict[str, dict[str, str]] = {
    # --- header and navigation (web/templates/_header.html) ----------------------------
    "app_name": {"id": "pks-geo", "en": "pks-geo"},
    "app_tagline": {"id": "Peta Kerawanan Konflik Sosial", "en": "Social Conflict Risk Map"},
    "nav_label": {"id": "Navigasi utama", "en": "Main navigation"},
    "nav_menu": {"id": "Menu", "en": "Menu"},
    "nav_incidents": {"id": "Insiden", "en": "Incidents"},
    "nav_security": {"id": "Rencana Pengamanan", "en": "Security plan"},
    # --- Rencana Pengamanan (web/templates/security.html) -------------------------------
    "sec_no_tps": {"id": "Belum ada TPS yang dimuat; impor daftar TPS dulu.",
                   "en": "No TPS loaded yet; import a TPS list first."},
    "sec_election": {"id": "Pemilihan", "en": "Election"},
    "sec_show": {"id": "Tampilkan", "en": "Show"},
    "sec_risk": {"id": "Kerawanan TPS", "en": "TPS risk"},
    "sec_category": {"id": "Kategori", "en": "Category"},
    "sec_source": {"id": "Sumber kategori", "en": "Category source"},
    "sec_score": {"id": "Skor", "en": "Score"},
    "sec_factors": {"id": "Faktor", "en": "Factors"},
    "sec_downloads": {"id": "Unduh untuk patroli", "en": "Downloads for patrols"},
    "sec_patrol_plan": {"id": "Rencana patroli (sektor, rute, urutan TPS)",
                        "en": "Patrol plan (sectors, routes, TPS order)"},
    "sec_fmt_gpx": {"id": "GPX (GPS genggam, OsmAnd)", "en": "GPX (handheld GPS, OsmAnd)"},
    "sec_fmt_kml": {"id": "KML (Google Earth)", "en": "KML (Google Earth)"},
    "sec_fmt_roster": {"id": "CSV daftar kunjungan", "en": "CSV roster"},
    "sec_tps_list": {"id": "TPS dengan kerawanan", "en": "TPS with risk"},
    "sec_downloads_hint": {"id": "Data operasional: bagikan hanya kepada petugas yang berwenang.",
                           "en": "Operational data: share it only with authorised officers."},
    "sec_profile": {"id": "Profil operasi", "en": "Operation profile"},
    "sec_personnel": {"id": "Kebutuhan personel per Polres dan Polsek",
                      "en": "Personnel per Polres and Polsek"},
    "sec_unit": {"id": "Satuan", "en": "Unit"},
    "sec_required": {"id": "Dibutuhkan", "en": "Required"},
    "sec_available": {"id": "Tersedia", "en": "Available"},
    "sec_reserve": {"id": "Cadangan", "en": "Reserve"},
    "sec_deployable": {"id": "Dapat dikerahkan", "en": "Deployable"},
    "sec_shortfall": {"id": "Kekurangan", "en": "Shortfall"},
    "nav_briefing": {"id": "Briefing", "en": "Briefings"},
    "nav_import": {"id": "Impor", "en": "Import"},
}
