"""The incident taxonomy and the ACLED type mapping, read from ``data/taxonomy.toml``.

Kept as data so the district team can add the words they type (aliases) and change how
ACLED event types are counted without touching code. The codes must stay the eleven the
database accepts (``models.KATEGORI``); a file naming anything else is refused on load.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from pks_geo.config import DATA_DIR
from pks_geo.ingest.report import ImportFailed
from pks_geo.models import KATEGORI

TAXONOMY_PATH = DATA_DIR / "taxonomy.toml"
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


class TaxonomyError(ImportFailed):
    """The taxonomy file is malformed; the message names the entry. Nothing is imported."""


def label_key(text: str) -> str:
    """Comparison key for labels: lower case, only letters and digits."""
    return _NON_ALNUM.sub("", text.lower())


@dataclass(frozen=True)
class Taxonomy:
    """Kategori codes with labels, a lookup of every accepted spelling, and the ACLED table."""

    labels: dict[str, dict[str, str]]
    """code -> {"id": Indonesian label, "en": English label}"""
    lookup: dict[str, str]
    """label_key(code / label / alias) -> code"""
    acled: dict[tuple[str, str], str] = field(default_factory=dict)
    """(event_type lower, sub_event_type lower or "*") -> code"""

    def kategori(self, text: str) -> str | None:
        """The code for a code, Indonesian or English label or alias; None when unknown."""
        return self.lookup.get(label_key(text))

    def label(self, code: str, lang: str = "id") -> str:
        return self.labels[code].get(lang) or self.labels[code]["id"]

    def acled_kategori(self, event_type: str, sub_event_type: str = "") -> str | None:
        """The code for an ACLED type pair; the sub-type row wins over the ``*`` row."""
        event, sub = event_type.strip().lower(), sub_event_type.strip().lower()
        return self.acled.get((event, sub)) or self.acled.get((event, "*"))


def parse_taxonomy(data: dict[str, object]) -> Taxonomy:
    """Validate the decoded TOML and build the lookups."""
    entries = data.get("kategori")
    if not isinstance(entries, dict):
        raise TaxonomyError("taxonomy: missing [kategori.<code>] tables")
    unknown = sorted(set(entries) - set(KATEGORI))
    missing = sorted(set(KATEGORI) - set(entries))
    if unknown or missing:
        raise TaxonomyError(f"taxonomy: kategori codes must be exactly {', '.join(KATEGORI)}"
                            f" (unknown: {unknown}, missing: {missing})")
    labels: dict[str, dict[str, str]] = {}
    lookup: dict[str, str] = {}
    for code in KATEGORI:
        entry = entries[code]
        if not isinstance(entry, dict) or not entry.get("id"):
            raise TaxonomyError(f"taxonomy: kategori.{code} needs an Indonesian label 'id'")
        extra = sorted(set(entry) - {"id", "en", "aliases"})
        if extra:
            raise TaxonomyError(f"taxonomy: kategori.{code} has unknown keys {extra} "
                                "(top-level tables such as 'acled' must come before [kategori.*])")
        labels[code] = {"id": str(entry["id"]), "en": str(entry.get("en") or entry["id"])}
        for spelling in [code, entry["id"], entry.get("en") or "", *entry.get("aliases", [])]:
            key = label_key(str(spelling))
            if key and lookup.setdefault(key, code) != code:
                raise TaxonomyError(f"taxonomy: {spelling!r} names both {lookup[key]} and {code}")
    rules = data.get("acled")
    if not isinstance(rules, list) or not rules:
        raise TaxonomyError("taxonomy: missing the 'acled' mapping table")
    acled: dict[tuple[str, str], str] = {}
    for number, rule in enumerate(rules, start=1):
        kategori = rule.get("kategori")
        if kategori not in KATEGORI or not rule.get("event_type"):
            raise TaxonomyError(f"taxonomy: acled rule {number} needs event_type and a known kategori")
        rule_key = (str(rule["event_type"]).strip().lower(),
                    str(rule.get("sub_event_type") or "*").strip().lower())
        acled[rule_key] = kategori
    return Taxonomy(labels=labels, lookup=lookup, acled=acled)


@lru_cache(maxsize=4)
def load_taxonomy(path: Path = TAXONOMY_PATH) -> Taxonomy:
    """The taxonomy from ``path`` (cached per path; edit the file and restart to change it)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TaxonomyError(f"cannot read taxonomy file {path}: {exc}") from exc
    return parse_taxonomy(data)
