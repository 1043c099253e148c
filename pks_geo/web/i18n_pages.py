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
    "nav_briefing": {"id": "Briefing", "en": "Briefings"},
    "nav_import": {"id": "Impor", "en": "Import"},
}
