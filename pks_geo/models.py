"""The domain's fixed vocabularies and spatial reference systems, shared by every layer.

The schema itself is owned by the Alembic migrations (``pks_geo/migrations``); queries are SQL
through SQLAlchemy Core. There are no ORM classes: nothing used them, and a second description of
the tables drifted from the migrations (issue 18).
"""

from __future__ import annotations

STORAGE_SRID = 4326
METRIC_SRID = 32751
"""WGS 84 / UTM zone 51S, which covers Konawe Selatan (areas, distances, densities)."""

KATEGORI = ("bentrok", "kerusuhan", "unjuk_rasa", "kekerasan", "intimidasi", "perusakan",
            "politik_uang", "ujaran_kebencian", "sengketa_lahan", "netralitas", "lainnya")
"""Incident taxonomy codes (FORMATS.md); labels live in data/taxonomy.toml."""
LOCATION_PRECISION = ("exact", "near", "desa", "kecamatan", "kabupaten")
INCIDENT_STATUS = ("unverified", "verified")
STAGES = ("pendaftaran", "kampanye", "masa_tenang", "pemungutan_suara", "rekapitulasi", "pasca")
KERAWANAN = ("kurang rawan", "rawan", "sangat rawan")
ROLES = ("viewer", "analyst", "editor", "admin")
"""Ordered: each role can do everything the roles before it can."""
