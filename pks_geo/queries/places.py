"""Places by name: the map's labels and its "Cari desa/kecamatan" box.

Planners know their desa by name, not by code, and type names the way they are said
(``Lambakra``, ``ds. andoolo``, ``Kec. Konda``). The search therefore compares names with
exactly the keys the importer uses (:func:`pks_geo.ingest.desa_names.desa_key`: prefixes,
case, spaces and punctuation dropped) and tolerates the same number of typing slips
(:func:`~pks_geo.ingest.desa_names.max_edits`, Levenshtein via rapidfuzz), so a name the
importer accepts is also found on the map. A typed code (``74.05.01``, ``7405012001``) finds
that area and the areas under it.

Each place carries a label point (``ST_PointOnSurface``: always inside the polygon, unlike
the bounding box centre of a crescent-shaped desa) and a bounding box to fly to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import Levenshtein
from sqlalchemy import Engine, text

from pks_geo.ingest.codes import normalize_kode
from pks_geo.ingest.desa_names import desa_key, kecamatan_key, max_edits

PLACES_SQL = text("""
SELECT a.kode, a.nama, a.level, a.jenis, coalesce(p.nama, '') AS parent_nama,
       ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom)),
       ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom)
FROM admin_area a LEFT JOIN admin_area p ON p.kode = a.parent_kode
WHERE a.level IN ('kecamatan', 'desa') AND a.geom IS NOT NULL
ORDER BY a.level DESC, a.nama
""")
SEARCH_LIMIT = 10


@dataclass(frozen=True)
class Place:
    """One kecamatan or desa/kelurahan with where to put its label and where to fly."""

    kode: str
    nama: str
    level: str
    jenis: str | None
    parent: str
    """The kecamatan's name for a desa (names repeat across kecamatan), else the kabupaten's."""
    label: tuple[float, float]
    """[lon, lat] of a point inside the area."""
    bbox: tuple[float, float, float, float]
    """[west, south, east, north]"""

    def key(self) -> str:
        return kecamatan_key(self.nama) if self.level == "kecamatan" else desa_key(self.nama)

    def to_json(self) -> dict[str, Any]:
        return {"kode": self.kode, "nama": self.nama, "level": self.level, "jenis": self.jenis,
                "parent": self.parent, "label": [round(v, 5) for v in self.label],
                "bbox": [round(v, 5) for v in self.bbox]}


def load_places(engine: Engine) -> list[Place]:
    """Every loaded kecamatan and desa (a few hundred rows for a kabupaten)."""
    with engine.connect() as conn:
        rows = conn.execute(PLACES_SQL).all()
    return [Place(kode=r[0], nama=r[1], level=r[2], jenis=r[3], parent=r[4], label=(r[5], r[6]),
                  bbox=(r[7], r[8], r[9], r[10])) for r in rows]


def _score(query_key: str, place_key: str) -> int | None:
    """Lower is better: 0 exact, 1 prefix, 2 contained, 3+ typing slips; None: no match."""
    if not query_key or not place_key:
        return None
    if place_key == query_key:
        return 0
    if place_key.startswith(query_key):
        return 1
    if len(query_key) >= 3 and query_key in place_key:
        return 2
    limit = max_edits(query_key)
    distance = Levenshtein.distance(query_key, place_key, score_cutoff=limit)
    if distance <= limit:
        return 2 + distance
    # a typed beginning with a slip ("lambak" for Lambakara)
    head = place_key[:len(query_key)]
    if len(query_key) >= 4 and Levenshtein.distance(query_key, head, score_cutoff=1) <= 1:
        return 2 + limit + 1
    return None


def search_places(places: list[Place], query: str, limit: int = SEARCH_LIMIT) -> list[Place]:
    """Places whose name or code matches ``query``, best first (kecamatan before desa on ties)."""
    query = " ".join(query.split())
    if not query:
        return []
    code = normalize_kode(query) if any(ch.isdigit() for ch in query) else None
    if code:
        hits = [p for p in places if p.kode == code or p.kode.startswith(code + ".")]
        return sorted(hits, key=lambda p: (p.kode != code, p.kode))[:limit]
    scored = []
    for place in places:
        keys = {desa_key(query), kecamatan_key(query)}
        best = min((s for k in keys if (s := _score(k, place.key())) is not None), default=None)
        if best is not None:
            scored.append((best, place.level != "kecamatan", place.nama, place))
    scored.sort(key=lambda item: item[:3])
    return [item[3] for item in scored[:limit]]
