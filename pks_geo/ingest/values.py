"""Reading single values as people and spreadsheets write them: text, dates, counts, degrees.

Shared by every validator (incidents, TPS) so that a date or a count means the same
everywhere. Each reader returns the value (None for empty) or raises :class:`FieldError`
whose message is the reason shown to the user.
"""

from __future__ import annotations

import hashlib
import math
import pickle
import re
from datetime import date, datetime

from pks_geo.ingest.reasons import Reason, reason
from pks_geo.ingest.taxonomy import label_key
from pks_geo.models import STAGES

_MONTHS = {
    "january": 1, "januari": 1, "jan": 1, "february": 2, "februari": 2, "pebruari": 2, "feb": 2,
    "peb": 2, "march": 3, "maret": 3, "mar": 3, "april": 4, "apr": 4, "may": 5, "mei": 5,
    "june": 6, "juni": 6, "jun": 6, "july": 7, "juli": 7, "jul": 7, "august": 8, "agustus": 8,
    "aug": 8, "agu": 8, "ags": 8, "agt": 8, "september": 9, "sep": 9, "sept": 9, "october": 10,
    "oktober": 10, "oct": 10, "okt": 10, "november": 11, "nopember": 11, "nov": 11, "nop": 11,
    "december": 12, "desember": 12, "dec": 12, "des": 12,
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")
_TEXT_DATE = re.compile(r"^(\d{1,2})[\s-]+([A-Za-z]+)\.?[\s,-]+(\d{4})$")
STAGE_WORDS = {label_key(s): s for s in STAGES} | {
    "pemungutan": "pemungutan_suara", "pencoblosan": "pemungutan_suara", "harih": "pemungutan_suara",
    "rekap": "rekapitulasi", "tenang": "masa_tenang", "pascapemilihan": "pasca",
    "pascapemungutan": "pasca",
}
UNKNOWN_COUNT = {"-", "?", "n/a", "na", "tidak diketahui"}
DATE_HELP = "use YYYY-MM-DD, DD/MM/YYYY, DD-MM-YYYY or '14 January 2018'"


class FieldError(ValueError):
    """A value that cannot be read; ``reason`` (its message) says why, with a reason code."""

    def __init__(self, reason: Reason) -> None:
        super().__init__(reason)
        self.reason = reason


# --- value readers (each raises FieldError with the reason) ---------------------------


def clean_text(value: object) -> str | None:
    """Trimmed text; empty strings, None and NaN become None."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if value.is_integer():
            return str(int(value))  # ids and codes read from spreadsheets as floats
    text = str(value).strip()
    return text or None


_DATE_CACHE: dict[str, date | Reason] = {}
"""Parsed date strings (or the reason they were refused): files repeat the same few thousand dates."""
CACHE_LIMIT = 20_000


def parse_date(value: object) -> date:
    """A date from the accepted spellings; impossible dates raise FieldError."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = clean_text(value) or ""
    cached = _DATE_CACHE.get(text)
    if cached is None:
        try:
            cached = _parse_date_text(text)
        except FieldError as exc:
            cached = exc.reason
        if len(_DATE_CACHE) < CACHE_LIMIT:
            _DATE_CACHE[text] = cached
    if isinstance(cached, Reason):
        raise FieldError(cached)
    return cached


def _parse_date_text(text: str) -> date:
    if len(text) == 10 and text[4] == "-":
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    if m := _ISO.match(text):
        y, mo, d = int(m[1]), int(m[2]), int(m[3])
    elif m := _DMY.match(text):
        d, mo, y = int(m[1]), int(m[3]), int(m[4])
    elif (m := _TEXT_DATE.match(text)) and m[2].lower() in _MONTHS:
        d, mo, y = int(m[1]), _MONTHS[m[2].lower()], int(m[3])
    else:
        raise FieldError(reason("date_unreadable", text=text, help=DATE_HELP))
    try:
        return date(y, mo, d)
    except ValueError as exc:
        raise FieldError(reason("date_impossible", text=text, error=str(exc))) from exc


def parse_count(value: object) -> int | None:
    """A count of people: empty/unknown -> None (not 0); negative or fractional refused."""
    text: str | None
    if value.__class__ is str:
        text = value.strip()  # type: ignore[attr-defined]
        if text.isdigit() and text.isascii():
            return int(text)
        if not text:
            return None
    if isinstance(value, bool):
        raise FieldError(reason("not_a_count", value=value))
    if isinstance(value, int):
        number = value
    elif isinstance(value, float):
        if math.isnan(value):
            return None
        if not value.is_integer():
            raise FieldError(reason("not_whole", value=value))
        number = int(value)
    else:
        text = clean_text(value)
        if text is None or text.lower() in UNKNOWN_COUNT:
            return None
        try:
            number = int(text)
        except ValueError:
            try:
                as_float = float(text.replace(",", "."))
            except ValueError:
                raise FieldError(reason("not_a_number", value=text)) from None
            if not as_float.is_integer():
                raise FieldError(reason("not_whole", value=text)) from None
            number = int(as_float)
    if number < 0:
        raise FieldError(reason("negative_count", number=number))
    return number


def parse_coordinate(value: object) -> float | None:
    """A decimal degree with ``.`` or ``,`` as decimal mark; empty -> None."""
    if value.__class__ is str and value:
        try:
            number = float(value)  # type: ignore[arg-type]
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
            raise FieldError(reason("not_degree", value=value))
    if isinstance(value, bool):
        raise FieldError(reason("not_coordinate", value=value))
    if isinstance(value, int | float):
        number = float(value)
        if math.isnan(number):
            return None
    else:
        text = clean_text(value)
        if text is None:
            return None
        text = text.replace("\u2212", "-").replace(" ", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise FieldError(reason("not_degree", value=text)) from None
    if not math.isfinite(number):
        raise FieldError(reason("not_degree", value=value))
    return number


def parse_stage(value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    stage = STAGE_WORDS.get(label_key(text))
    if stage is None:
        raise FieldError(reason("unknown_stage", text=text, known=", ".join(STAGES)))
    return stage


def parse_flag(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = (clean_text(value) or "").lower()
    if not text:
        return None
    if text in ("1", "true", "ya", "yes", "y"):
        return True
    if text in ("0", "false", "tidak", "no", "n"):
        return False
    raise FieldError(reason("not_flag", value=value))


def content_hash(parts: tuple[object, ...]) -> str:
    """SHA-256 of the record's content; equal content, equal hash (re-import detection).

    Pickle protocol 4 of str/int/float/bool/None is exact and stable across Python versions
    (dates are passed as ordinals), and three times faster than hashing ``repr``."""
    return hashlib.sha256(pickle.dumps(parts, protocol=4)).hexdigest()
