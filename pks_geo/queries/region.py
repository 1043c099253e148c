"""Which region this installation serves, named from the loaded boundaries.

pks-geo works for any kabupaten/kota: the name on every page, export and print comes from
the data, not from a fixed string. With one kabupaten/kota loaded it is that one; with
several (a province, or neighbours loaded for context) ``PKS_GEO_REGION`` names the one the
team serves, and without it the province is named.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

REGION_SQL = text("""
SELECT level, kode, nama, jenis, count(*) OVER (PARTITION BY level) AS n FROM admin_area
WHERE level IN ('provinsi', 'kabupaten') AND (CAST(:kode AS text) IS NULL OR kode = :kode)
ORDER BY level DESC, kode LIMIT 2
""")
"""The province first (``provinsi`` sorts after ``kabupaten``), then the first kabupaten/kota, each
with how many of its level are loaded: a whole province loaded from the upstream layout has 17
kabupaten/kota rows and no province row."""


def display_name(nama: str, kode: str, jenis: str | None) -> str:
    """``Kabupaten Konawe Selatan`` / ``Kota Kendari`` whether or not the source says the kind:
    Kemendagri numbers kota from 71 up."""
    if nama.lower().startswith(("kabupaten", "kota", "kab.")):
        return nama
    is_kota = (jenis or "").lower() == "kota" or (kode.count(".") == 1 and kode.split(".")[1] >= "71")
    return ("Kota " if is_kota else "Kabupaten ") + nama


def region_name(engine: Engine, kode: str | None = None) -> str | None:
    """The served region's name, or ``None`` when no boundaries are loaded (or the database is down)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(REGION_SQL, {"kode": kode}).all()
    except SQLAlchemyError:
        return None
    kabupaten = [r for r in rows if r.level == "kabupaten"]
    if kabupaten and kabupaten[0].n == 1:
        return display_name(kabupaten[0].nama, kabupaten[0].kode, kabupaten[0].jenis)
    provinces = [r for r in rows if r.level == "provinsi"]
    if provinces:
        return provinces[0].nama
    return f"{kabupaten[0].n} kabupaten/kota" if kabupaten else None
