"""UI text in Bahasa Indonesia (default) and English.

A small catalogue keyed by message id keeps both languages side by side, so a missing
translation is visible in review and in the test that compares the two key sets.
Language is chosen by ``?lang=`` (remembered in a cookie), else the configured default.
"""

from __future__ import annotations

from flask import request

LANGUAGES = ("id", "en")

CATALOGUE: dict[str, dict[str, str]] = {
    "app_title": {"id": "pks-geo — Peta Kerawanan Konflik Sosial",
                  "en": "pks-geo — Social Conflict Risk Map"},
    "region": {"id": "Kabupaten Konawe Selatan", "en": "Konawe Selatan Regency"},
    "layer_kecamatan": {"id": "Batas kecamatan", "en": "Kecamatan boundaries"},
    "layer_desa": {"id": "Batas desa/kelurahan", "en": "Desa/kelurahan boundaries"},
    "layer_basemap": {"id": "Peta dasar", "en": "Basemap"},
    "loading": {"id": "Memuat data…", "en": "Loading data…"},
    "load_failed": {"id": "Gagal memuat data peta", "en": "Could not load map data"},
    "language": {"id": "Bahasa", "en": "Language"},
    "area_km2": {"id": "Luas (km²)", "en": "Area (km²)"},
    "kode": {"id": "Kode", "en": "Code"},
    "jenis": {"id": "Jenis", "en": "Type"},
    "kecamatan": {"id": "Kecamatan", "en": "Kecamatan"},
    "desa": {"id": "Desa/Kelurahan", "en": "Desa/Kelurahan"},
    "no_boundaries": {"id": "Belum ada batas wilayah. Jalankan: pks-geo demo",
                      "en": "No boundaries loaded yet. Run: pks-geo demo"},
}


def current_language(default: str = "id") -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or default
    return lang if lang in LANGUAGES else default


def translations(lang: str) -> dict[str, str]:
    return {key: texts[lang] for key, texts in CATALOGUE.items()}
