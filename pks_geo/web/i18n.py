"""UI text in Bahasa Indonesia (default) and English, from gettext catalogues.

The texts live in ``pks_geo/translations/<lang>/LC_MESSAGES/messages.po`` (one file per language,
msgid = the message key the code and the pages use, e.g. ``"f_apply"``); docs/translating.md says
how to edit them. The ``.po`` files are compiled to ``.mo`` at install (setup.py) and, in a checkout,
on first use when the ``.mo`` is missing or older than its ``.po``. :func:`translations` gives one
language as ``{key: text}``: the pages embed that dict for their templates and scripts, so Python,
Jinja and JS read the same catalogue. A test (tests/test_translations.py) fails on a key missing in
either language or on placeholders (``{name}``) that differ between them.
Language is chosen by ``?lang=`` (remembered in a cookie), else the configured default.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask, request

LANGUAGES = ("id", "en")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
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
def _messages(lang: str) -> dict[str, str]:
    if lang not in LANGUAGES:
        raise KeyError(lang)
    ensure_compiled()
    po, mo = catalogue_file(lang), catalogue_file(lang, ".mo")
    if mo.is_file() and not (po.is_file() and mo.stat().st_mtime < po.stat().st_mtime):
        with mo.open("rb") as handle:
            catalogue = read_mo(handle)
    else:
        catalogue = read_catalogue(lang)
    return {str(message.id): str(message.string) for message in catalogue if message.id}


def current_language(default: str = "id") -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or default
    return lang if lang in LANGUAGES else default


def translations(lang: str) -> dict[str, str]:
    """All UI texts of ``lang`` keyed by message id (a fresh dict the caller may change)."""
    return dict(_messages(lang))


def init_app(app: Flask, default: str = "id") -> None:
    """Flask-Babel on the same catalogues, its locale the page's language (:func:`current_language`),
    so ``flask_babel.gettext``, ``format_decimal`` and ``format_date`` follow ``?lang=`` in a request."""
    from flask_babel import Babel

    ensure_compiled()
    Babel(app, locale_selector=lambda: current_language(default), default_locale=default,
          default_timezone="Asia/Makassar",  # WITA, as pks_geo.formats.WITA
          default_translation_directories=str(TRANSLATIONS_DIR), default_domain=DOMAIN)
