"""Which property names mean kode / nama / level / parent_kode / jenis in boundary files.

This is the documented, editable table of docs/data.md ("Boundary field names"). Candidates are tried
in order, case-insensitively; the first present wins. BIG (Badan Informasi Geospasial)
"Batas Wilayah Kelurahan/Desa" layers carry the Kemendagri codes in KDEPUM (desa),
KDCPUM (kecamatan), KDPKAB (kabupaten) and KDPPUM (provinsi), and the names in WADMKD,
WADMKC, WADMKK and WADMPR. BPS codes (kddesa, iddesa) use a different numbering and are
deliberately *not* mapped: joining them by code would silently misplace desa.
"""

from __future__ import annotations

# Per target field: (candidate property, level implied by that property or None).
KODE_FIELDS: list[tuple[str, str | None]] = [
    ("kode", None), ("kode_wilayah", None), ("kd_wilayah", None), ("kode_kemendagri", None),
    ("kdepum", "desa"), ("kode_desa", "desa"), ("kdcpum", "kecamatan"),
    ("kode_kec", "kecamatan"), ("kdpkab", "kabupaten"), ("kode_kab", "kabupaten"),
    ("kdppum", "provinsi"), ("kode_prov", "provinsi"),
]
NAMA_FIELDS: dict[str | None, list[str]] = {
    None: ["nama", "name", "namobj", "nama_wilayah"],
    "desa": ["wadmkd", "nama_desa", "desa"],
    "kecamatan": ["wadmkc", "nama_kec", "kecamatan"],
    "kabupaten": ["wadmkk", "nama_kab", "kabupaten"],
    "provinsi": ["wadmpr", "nama_prov", "provinsi"],
}
LEVEL_FIELDS = ["level", "tingkat"]
PARENT_FIELDS: dict[str | None, list[str]] = {
    None: ["parent_kode", "kode_induk"],
    "desa": ["kdcpum"],
    "kecamatan": ["kdpkab"],
    "kabupaten": ["kdppum"],
}
JENIS_FIELDS = ["jenis"]

LEVEL_ALIASES = {
    "provinsi": "provinsi", "province": "provinsi", "prov": "provinsi",
    "kabupaten": "kabupaten", "kota": "kabupaten", "kab": "kabupaten", "regency": "kabupaten",
    "kecamatan": "kecamatan", "kec": "kecamatan", "district": "kecamatan",
    "desa": "desa", "kelurahan": "desa", "kel": "desa", "village": "desa",
}


def pick(columns: list[str], candidates: list[str]) -> str | None:
    """Return the actual column name for the first candidate present (case-insensitive)."""
    lowered = {c.strip().lower(): c for c in columns}
    for cand in candidates:
        if cand in lowered:
            return lowered[cand]
    return None


def pick_kode(columns: list[str]) -> tuple[str, str | None] | None:
    """The code column and the level it implies (BIG layers carry several code columns)."""
    lowered = {c.strip().lower(): c for c in columns}
    for cand, level in KODE_FIELDS:
        if cand in lowered:
            return lowered[cand], level
    return None
