"""Desa names as people type them -> Kemendagri desa codes.

Sheets typed at a Polsek say ``Ds. Lambakara``, ``KEL. ANDOOLO`` or ``Lambakra``. Names
are compared after dropping prefixes (Ds., Desa, Kel., Kelurahan, Kec., Kecamatan), case,
spaces and punctuation; what still differs is matched with rapidfuzz (Levenshtein distance,
a few slips depending on the length) when one candidate is closest (a warning says what it
was read as). A desa is looked up within the named kecamatan, because names repeat across
kecamatan (Lambandia, Mataiwoi, Awalo, ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein
from sqlalchemy import Connection, text

from pks_geo.ingest.taxonomy import label_key


def max_edits(key: str) -> int:
    """Typing slips tolerated in a name: 1 up to 6 letters, 2 up to 12, else 3 (Levenshtein)."""
    return 1 if len(key) <= 6 else 2 if len(key) <= 12 else 3
_DESA_PREFIX = re.compile(r"^\s*(desa|ds|kelurahan|kel|kampung|dusun)\b\.?\s*", re.IGNORECASE)
_KEC_PREFIX = re.compile(r"^\s*(kecamatan|kec)\b\.?\s*", re.IGNORECASE)

DESA_SQL = text("""
SELECT d.kode, d.nama, d.parent_kode, coalesce(k.nama, '')
FROM admin_area d LEFT JOIN admin_area k ON k.kode = d.parent_kode
WHERE d.level = 'desa'
""")


def desa_key(name: str) -> str:
    return label_key(_DESA_PREFIX.sub("", name))


def kecamatan_key(name: str) -> str:
    return label_key(_KEC_PREFIX.sub("", name))


@dataclass(frozen=True)
class NameMatch:
    """The outcome of one lookup: a code, or the field and reason it failed (and a warning)."""

    kode: str | None
    field: str | None = None
    reason: str | None = None
    warning: str | None = None


def _best(key: str, choices: dict[str, list[str]]) -> tuple[list[str], str | None, str | None]:
    """Codes for ``key`` among ``choices`` (name key -> codes); fuzzy when not exact.

    Returns (codes, matched key when fuzzy, error text when ambiguous)."""
    if key in choices:
        return choices[key], None, None
    found = process.extract(key, list(choices), scorer=Levenshtein.distance, limit=2,
                            score_cutoff=max_edits(key))
    if not found:
        return [], None, None
    if len(found) == 2 and found[0][1] == found[1][1]:
        return [], None, f"could be {found[0][0]} or {found[1][0]}"
    return choices[found[0][0]], found[0][0], None


@dataclass
class DesaIndex:
    """All loaded desa with their kecamatan, for name lookups (built once per import)."""

    names: dict[str, str] = field(default_factory=dict)
    """desa kode -> name as loaded"""
    kecamatan_names: dict[str, str] = field(default_factory=dict)
    """kecamatan kode -> name"""
    by_kecamatan: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    """kecamatan kode -> desa key -> desa codes"""
    anywhere: dict[str, list[str]] = field(default_factory=dict)
    """desa key -> desa codes in every kecamatan"""
    kecamatan: dict[str, list[str]] = field(default_factory=dict)
    """kecamatan key -> kecamatan codes"""
    _cache: dict[tuple[str, str | None], NameMatch] = field(default_factory=dict, repr=False)

    @classmethod
    def from_db(cls, conn: Connection) -> DesaIndex:
        index = cls()
        for kode, nama, parent, kec_nama in conn.execute(DESA_SQL):
            index.names[kode] = nama
            key = desa_key(nama)
            index.by_kecamatan.setdefault(parent, {}).setdefault(key, []).append(kode)
            index.anywhere.setdefault(key, []).append(kode)
            if kec_nama:
                index.kecamatan_names[parent] = kec_nama
                codes = index.kecamatan.setdefault(kecamatan_key(kec_nama), [])
                if parent not in codes:
                    codes.append(parent)
        return index

    def resolve(self, desa: str, kecamatan: str | None) -> NameMatch:
        """The desa code for a typed desa name (within the typed kecamatan, when given)."""
        cache_key = (desa, kecamatan)
        if cache_key not in self._cache:
            self._cache[cache_key] = self._resolve(desa, kecamatan)
        return self._cache[cache_key]

    def _resolve(self, desa: str, kecamatan: str | None) -> NameMatch:
        notes = []
        if kecamatan:
            kec_codes, fuzzy_kec, ambiguous = _best(kecamatan_key(kecamatan), self.kecamatan)
            if not kec_codes:
                why = f"unknown kecamatan {kecamatan!r}" + (f" ({ambiguous})" if ambiguous else "")
                return NameMatch(None, "kecamatan", why)
            if fuzzy_kec:
                notes.append(f"kecamatan {kecamatan!r} read as "
                             f"{self.kecamatan_names[kec_codes[0]]!r}")
            choices: dict[str, list[str]] = {}
            for code in kec_codes:
                for key, codes in self.by_kecamatan.get(code, {}).items():
                    choices.setdefault(key, []).extend(codes)
            where = f"in kecamatan {self.kecamatan_names[kec_codes[0]]}"
        else:
            choices, where = self.anywhere, "in any loaded kecamatan"
        codes, fuzzy_desa, ambiguous = _best(desa_key(desa), choices)
        if not codes:
            why = f"unknown desa {desa!r} {where}" + (f" ({ambiguous})" if ambiguous else "")
            return NameMatch(None, "desa", why)
        if len(codes) > 1:
            places = ", ".join(f"{c} ({self.kecamatan_names.get(c.rsplit('.', 1)[0], '?')})"
                               for c in sorted(codes))
            return NameMatch(None, "kecamatan" if kecamatan else "desa",
                             f"desa {desa!r} exists in several places: {places}; name the kecamatan")
        if fuzzy_desa:
            notes.append(f"desa {desa!r} read as {self.names[codes[0]]!r} ({codes[0]})")
        return NameMatch(codes[0], warning="; ".join(notes) or None)
