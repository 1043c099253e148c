"""Numbers and dates in the UI's language, by Babel (CLDR): ``1.234,5`` and ``17 Apr 2019`` in
Indonesian, ``1,234.5`` and ``17 Apr 2019`` in English (docs/UI.md).

Shared by the pages (:mod:`pks_geo.web.page_format` registers them as Jinja filters), the map
legends (:mod:`pks_geo.stats.classify`) and the print code (:mod:`pks_geo.maps.view_data`), which
run without the web app. Rounding is that of Python's own formatting (the float's exact value,
half to even), so a figure reads the same in both languages."""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from babel import Locale
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

LANGUAGES = ("id", "en")
WITA = timezone(timedelta(hours=8), "WITA")
"""Konawe Selatan's local time (UTC+8); audit times are shown in it."""
DATE_PATTERN = "d MMM y"
"""``17 Apr 2019``; CLDR's abbreviated months (id: ``Mei``, ``Agu``, ``Okt``, ``Des``)."""


@functools.cache
def locale_of(lang: str | None) -> Locale:
    """Babel's locale of a UI language (an unknown one falls back to Indonesian)."""
    return Locale.parse(lang if lang in LANGUAGES else "id")


def format_number(value: float | int | Decimal | None, lang: str = "id", decimals: int = 0) -> str:
    """``1234.5`` -> ``1.234,5`` (id) / ``1,234.5`` (en), ``decimals`` places; ``None`` -> ``–``."""
    if value is None:
        return "–"
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    number = value if isinstance(value, Decimal) else Decimal(value)  # exact: rounds as f"{value:.2f}"
    return format_decimal(number, format=pattern, locale=locale_of(lang))


def format_date(value: date | datetime | str | None, lang: str = "id") -> str:
    """``2019-04-17`` -> ``17 Apr 2019``; ``None`` or ``""`` -> ``–``."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return babel_format_date(value, DATE_PATTERN, locale=locale_of(lang))


def format_moment(value: datetime | str | None, lang: str = "id") -> str:
    """A timestamp as ``17 Apr 2019 14:05 WITA`` (an aware one converted to WITA)."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(WITA)
    return f"{format_date(value.date(), lang)} {value:%H:%M} WITA"
