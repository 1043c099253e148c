"""Why a value or a row was refused (or corrected): a reason code, its values, and the English text.

Validators (:mod:`pks_geo.ingest.values`, :mod:`pks_geo.ingest.incident_rows`, the locator) give a
:class:`Reason`: a ``str`` holding the English text that import reports, the CLI and the JSON API
print (derived from :data:`ENGLISH` and the values), and carrying ``code`` and ``params`` so that a
page can say the same in its own language (``reason_<code>`` in :mod:`pks_geo.web.i18n`) without
reading the English text.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

ENGLISH: dict[str, str] = {
    # values.py
    "date_unreadable": "unreadable date {text!r}: {help}",
    "date_impossible": "impossible date {text!r} ({error})",
    "not_a_count": "{value!r} is not a count",
    "not_whole": "{value!r} is not a whole number",
    "not_a_number": "{value!r} is not a number",
    "negative_count": "negative count {number} (leave empty when unknown)",
    "not_degree": "{value!r} is not a decimal degree",
    "not_coordinate": "{value!r} is not a coordinate",
    "unknown_stage": "unknown tahapan {text!r} (known: {known})",
    "not_flag": "{value!r} is not true/false",
    # incident_rows.py
    "required": "required",
    "too_long": "longer than {limit} characters",
    "unknown_kategori": "unknown kategori {text!r} (codes: {codes})",
    "date_in_future": "date {date} is in the future",
    "date_before_1900": "date {date} is before 1900",
    "lat_lon_together": "lat and lon must be given together",
    "not_wgs84": "({lat}, {lon}) are not WGS 84 decimal degrees",
    "bad_desa_code": "{text!r} is not a desa code like 74.05.01.2001",
    "unknown_election": "unknown election {election!r} (known: {known})",
    "stage_differs": "tahapan {stage} differs from the calendar ({calendar_stage} of {election} on {date}); "
                     "kept {stage}",
    "no_election_near": "no election in the calendar around {date}",
    "bad_date_precision": "must be 1 (day), 2 (week) or 3 (month), got {value}",
    "not_one_of": "must be one of {allowed}",
    "no_location": "no location: give lat and lon, kode_desa, or desa (and kecamatan)",
    # tps.py
    "tps_code_digits": "{text!r} is not 13 digits (desa code + TPS number)",
    "tps_code_missing": "give kode_tps, or kode_desa and no_tps",
    "not_desa_code": "{text!r} is not a desa code",
    "tps_number_range": "TPS number must be 1-999, got {number}",
    "tps_code_disagrees": "{kode_desa} disagrees with kode_tps {kode_tps}",
    "dpt_unusual": "{dpt} voters at one TPS is unusually many",
    "unknown_kerawanan": "unknown category {text!r} (use {known})",
    "kerawanan_read_as": "{text!r} read as {category!r}",
}
"""Reason code -> English text (``str.format`` with the reason's values)."""

LOCATOR_PREFIXES = (
    ("latitude and longitude were given the wrong way round", "swapped"),
    ("outside area: kept without desa", "kept_outside"),
    ("outside area", "outside_area"),
    ("unknown desa code", "unknown_desa_code"),
    ("point lies in desa", "point_in_other_desa"),
    ("TPS point lies in desa", "tps_in_other_desa"),
)
"""Codes of the reasons the locator's SQL writes (:mod:`pks_geo.ingest.locate` owns both texts)."""


class Reason(str):
    """English reason text with its ``code`` and ``params`` (``code`` None: text only).

    Several reasons for one field joined (``"a; b"``) keep their ``parts``."""

    code: str | None
    params: dict[str, Any]
    parts: tuple[Reason, ...]

    def __new__(cls, text: str, code: str | None = None, params: dict[str, Any] | None = None,
                parts: tuple[Reason, ...] = ()) -> Reason:
        obj = super().__new__(cls, text)
        obj.code, obj.params, obj.parts = code, dict(params or {}), parts or (obj,)
        return obj

    def __reduce__(self) -> tuple[Any, ...]:
        return (Reason, (str(self), self.code, self.params, self.parts if len(self.parts) > 1 else ()))


def reason(code: str, /, **params: Any) -> Reason:
    """The reason ``code`` with its values; its text is the English one of :data:`ENGLISH`."""
    return Reason(ENGLISH[code].format(**params), code, params)


def as_reason(text: str | Reason) -> Reason:
    """A reason for a text written elsewhere (SQL): coded when it is one of the locator's."""
    if isinstance(text, Reason):
        return text
    for prefix, code in LOCATOR_PREFIXES:
        if text.startswith(prefix):
            return Reason(text, code)
    return Reason(text)


def joined(reasons: Iterable[str], sep: str = "; ") -> Reason:
    """Several reasons as one text, each part still coded."""
    parts = tuple(as_reason(r) for r in reasons)
    if len(parts) == 1:
        return parts[0]
    return Reason(sep.join(parts), None, None, parts)
