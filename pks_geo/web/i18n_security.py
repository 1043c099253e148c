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
    "sec_map_no_plan": {"id": "Tanpa rencana patroli (parameter ditolak)",
                        "en": "No patrol plan (parameters refused)"},
    "sec_stop_order": {"id": "urutan", "en": "stop"},
    "sec_show_map": {"id": "Peta", "en": "Map"},
    "sec_legend": {"id": "Keterangan", "en": "Legend"},
}
