"""Numbers and dates as the planners' pages show them (docs/UI.md): ``1.234,5`` and
``17 Apr 2019`` in Indonesian, ``1,234.5`` and ``17 Apr 2019`` in English, formatted by Babel
(:mod:`pks_geo.formats`). Registered as Jinja filters ``num`` and ``day`` (and ``moment`` for a
timestamp in WITA); without a language they use the request's (Flask-Babel's locale)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from flask import has_request_context
from flask.sansio.app import App

from pks_geo import formats
from pks_geo.formats import WITA

__all__ = ["WITA", "format_date", "format_moment", "format_number", "init_app", "page_language"]


def page_language(lang: str | None = None) -> str:
    """``lang`` if given, else the language of the request being answered (``id`` outside one)."""
    if lang:
        return lang
    if has_request_context():
        from flask_babel import get_locale

        locale = get_locale()
        if locale is not None:
            return str(locale.language)
    return "id"


def format_number(value: float | int | Decimal | None, lang: str | None = None, decimals: int = 0) -> str:
    """``1234.5`` -> ``1.234,5`` (id) / ``1,234.5`` (en); ``None`` -> ``–``."""
    return formats.format_number(value, page_language(lang), decimals)


def format_date(value: date | str | None, lang: str | None = None) -> str:
    """``2019-04-17`` -> ``17 Apr 2019``."""
    return formats.format_date(value, page_language(lang))


def format_moment(value: datetime | str | None, lang: str | None = None) -> str:
    """A timestamp as ``17 Apr 2019 14:05 WITA``."""
    return formats.format_moment(value, page_language(lang))


def init_app(app: App) -> None:
    """Register the filters once (every blueprint that needs them calls this)."""
    if "num" in app.jinja_env.filters:
        return
    app.add_template_filter(format_number, "num")
    app.add_template_filter(format_date, "day")
    app.add_template_filter(format_moment, "moment")
