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

from flask import Flask, request

from pks_geo.catalogue import (
    DOMAIN,
    LANGUAGES,
    TRANSLATIONS_DIR,
    catalogue_file,
    compile_catalogue,
    ensure_compiled,
    messages,
    read_catalogue,
)

__all__ = ["DOMAIN", "LANGUAGES", "TRANSLATIONS_DIR", "catalogue_file", "compile_catalogue",
           "current_language", "ensure_compiled", "init_app", "read_catalogue", "translations"]


def current_language(default: str = "id") -> str:
    lang = request.args.get("lang") or request.cookies.get("lang") or default
    return lang if lang in LANGUAGES else default


def translations(lang: str) -> dict[str, str]:
    """All UI texts of ``lang`` keyed by message id (a fresh dict the caller may change)."""
    return dict(messages(lang))


def init_app(app: Flask, default: str = "id") -> None:
    """Flask-Babel on the same catalogues, its locale the page's language (:func:`current_language`),
    so ``flask_babel.gettext``, ``format_decimal`` and ``format_date`` follow ``?lang=`` in a request."""
    from flask_babel import Babel

    ensure_compiled()
    Babel(app, locale_selector=lambda: current_language(default), default_locale=default,
          default_timezone="Asia/Makassar",  # WITA, as pks_geo.formats.WITA
          default_translation_directories=str(TRANSLATIONS_DIR), default_domain=DOMAIN)
