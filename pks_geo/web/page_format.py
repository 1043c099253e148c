"""Numbers and dates as the planners' pages show them (docs/UI.md): ``1.234,5`` and
``17 Apr 2019`` in Indonesian, ``1,234.5`` and ``17 Apr 2019`` in English. Registered as
Jinja filters ``num`` and ``day`` (and ``moment`` for a timestamp in WITA)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask.sansio.app import App

MONTHS = {"id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
          "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")}
WITA = timezone(timedelta(hours=8), "WITA")
"""Konawe Selatan's local time (UTC+8); audit times are shown in it."""


def format_number(value: float | int | None, lang: str = "id", decimals: int = 0) -> str:
    """``1234.5`` -> ``1.234,5`` (id) / ``1,234.5`` (en); ``None`` -> ``–``."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


def format_date(value: date | str | None, lang: str = "id") -> str:
    """``2019-04-17`` -> ``17 Apr 2019``."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return f"{value.day} {MONTHS.get(lang, MONTHS['id'])[value.month - 1]} {value.year}"


def format_moment(value: datetime | str | None, lang: str = "id") -> str:
    """A timestamp as ``17 Apr 2019 14:05 WITA``."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(WITA)
    return f"{format_date(value.date(), lang)} {value:%H:%M} WITA"


def init_app(app: App) -> None:
    """Register the filters once (every blueprint that needs them calls this)."""
    if "num" in app.jinja_env.filters:
        return
    app.add_template_filter(format_number, "num")
    app.add_template_filter(format_date, "day")
    app.add_template_filter(format_moment, "moment")
