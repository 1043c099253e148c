"""Merge UI texts written as Python dicts (``key -> {"id": ..., "en": ...}``) into the gettext
catalogues ``pks_geo/translations/{id,en}/LC_MESSAGES/messages.po``.

It converted the former hand-written catalogue (``pks_geo/web/i18n*.py``) once; it stays for a
branch that still adds texts the old way: put its dict in a file and run

    python scripts/po_from_dicts.py path/to/texts.py:VARIABLE [more.py:VAR ...]

New keys are appended, changed texts replaced, other messages left alone (docs/translating.md).
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "pks_geo" / "translations"
LANGUAGES = ("id", "en")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load(lang: str) -> Catalog:
    path = po_path(lang)
    if path.is_file():
        with path.open("rb") as handle:
            return read_po(handle, locale=lang)
    return Catalog(locale=lang, domain="messages", project="pks-geo", version="0.1.0",
                   msgid_bugs_address="", fuzzy=False)


def merge(texts: dict[str, dict[str, str]]) -> int:
    catalogues = {lang: load(lang) for lang in LANGUAGES}
    for key, both in texts.items():
        missing = set(LANGUAGES) - set(both)
        if missing:
            raise SystemExit(f"{key}: no text in {sorted(missing)}")
        for lang, catalogue in catalogues.items():
            comments = [f"English: {both['en']}"] if lang == "id" else []
            existing = catalogue.get(key)
            if existing is not None:
                existing.string, existing.auto_comments = both[lang], comments
            else:
                catalogue.add(key, both[lang], auto_comments=comments)
    for lang, catalogue in catalogues.items():
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        language = "Bahasa Indonesia" if lang == "id" else "English"
        catalogue.header_comment = (f"# pks-geo UI texts ({language}).\n"
                                    "# msgid is the message key the code uses; see docs/translating.md.\n#")
        with path.open("wb") as handle:
            write_po(handle, catalogue, width=0, omit_header=False, include_previous=False)
    return len(texts)


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    texts: dict[str, dict[str, str]] = {}
    for spec in argv:
        file_name, _, variable = spec.partition(":")
        texts.update(runpy.run_path(file_name)[variable or "CATALOGUE"])
    print(f"{merge(texts)} messages merged into {', '.join(str(po_path(lang)) for lang in LANGUAGES)}")


if __name__ == "__main__":
    main(sys.argv[1:])
