"""The UI's gettext catalogues: ``pks_geo/translations/<lang>/LC_MESSAGES/messages.po`` (msgid = the
message key), read with Babel, for every layer: the pages through :func:`pks_geo.web.i18n.translations`,
the statistics', planning and query layers' sentences through :func:`by_language` / :func:`by_key`
(their keys carry a prefix, e.g. ``risk_``, ``hs_``). docs/translating.md says how to edit them.

The ``.po`` files are compiled to ``.mo`` at install (setup.py) and, in a checkout, on first use when a
``.mo`` is missing or older than its ``.po``; where the package is read-only the ``.po`` is read.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from pks_geo.formats import locale_of

LANGUAGES = ("id", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent / "translations"
"""``pks_geo/translations``: Flask-Babel's translation directory too."""
DOMAIN = "messages"


def catalogue_file(lang: str, suffix: str = ".po") -> Path:
    return TRANSLATIONS_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def read_catalogue(lang: str) -> Catalog:
    """The ``.po`` file of ``lang`` as Babel reads it."""
    with catalogue_file(lang).open("rb") as handle:
        return read_po(handle, locale=lang, domain=DOMAIN)


def compile_catalogue(lang: str, target: Path | None = None) -> Path:
    """Write the ``.mo`` of ``lang`` (atomically: a concurrent reader sees the old or the new file)."""
    target = target or catalogue_file(lang, ".mo")
    catalogue = read_catalogue(lang)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


def ensure_compiled() -> None:
    """Compile each language whose ``.mo`` is missing or older than its ``.po`` (a fresh clone, an
    edited ``.po``). Where the package is read-only the texts are read from the ``.po`` instead."""
    for lang in LANGUAGES:
        po, mo = catalogue_file(lang), catalogue_file(lang, ".mo")
        if po.is_file() and (not mo.is_file() or mo.stat().st_mtime < po.stat().st_mtime):
            try:
                compile_catalogue(lang)
            except OSError:
                pass


@functools.cache
def messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(lang)
    ensure_compiled()
    po, mo = catalogue_file(lang), catalogue_file(lang, ".mo")
    if mo.is_file() and not (po.is_file() and mo.stat().st_mtime < po.stat().st_mtime):
        with mo.open("rb") as handle:
            catalogue = read_mo(handle)
    else:
        catalogue = read_catalogue(lang)
    return as_texts(catalogue)


PLURAL_MARK = "#"
"""A plural message ``key`` (``msgid_plural`` in the ``.po``) gives ``key`` its ``other`` form and,
where the language has one (English), ``key#one`` its singular; :func:`plural` picks."""


def as_texts(catalogue: Catalog) -> dict[str, str]:
    """``{key: text}`` of a catalogue, plural messages spread over ``key`` and ``key#one``."""
    texts: dict[str, str] = {}
    for message in catalogue:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):  # msgid + msgid_plural (.mo: a list); "other" last
            forms = [str(form) for form in message.string or ()]
            texts[str(message.id[0])] = forms[-1]
            if len(forms) > 1:
                texts[f"{message.id[0]}{PLURAL_MARK}one"] = forms[0]
        else:
            texts[str(message.id)] = str(message.string)
    return texts


def plural(texts: dict[str, str], key: str, n: float, lang: str) -> str:
    """The form of ``key`` for the count ``n`` in ``lang`` (CLDR plural rules through Babel:
    English "1 incident" / "2 incidents", Indonesian one form), its ``{n}`` filled in by the caller."""
    category = locale_of(lang).plural_form(abs(n))
    return texts.get(f"{key}{PLURAL_MARK}{category}", texts[key])


def by_language(prefix: str) -> dict[str, dict[str, str]]:
    """``{lang: {key: text}}`` of the messages whose key starts with ``prefix`` (prefix removed)."""
    return {lang: {key[len(prefix):]: text for key, text in messages(lang).items() if key.startswith(prefix)}
            for lang in LANGUAGES}


def by_key(prefix: str) -> dict[str, dict[str, str]]:
    """``{key: {lang: text}}`` of the messages whose key starts with ``prefix`` (prefix removed)."""
    texts = by_language(prefix)
    return {key: {lang: texts[lang][key] for lang in LANGUAGES} for key in texts[LANGUAGES[0]]}
