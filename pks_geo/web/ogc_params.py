"""Query parameters of the OGC API – Features endpoints, validated as the standard asks.

Unknown parameters are a 400 (Core requirement ``/req/core/query-param-unknown``); ``limit``
above the maximum is clamped by the caller, below 1 is an error; ``bbox`` and ``datetime``
follow the Core syntax. Errors carry the OGC exception code and the parameter's name.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from flask import request

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
COMMON_PARAMETERS = ("f", "lang")
FORMATS = ("json", "geojson", "html")
QUERYABLES_ROUTE = True
ITEMS_PARAMETERS = COMMON_PARAMETERS + ("limit", "offset", "after", "bbox", "bbox-crs", "datetime", "crs",
                                        "filter", "filter-lang", "filter-crs", "sortby", "properties")


class OgcError(Exception):
    """A client error in OGC exception form: HTTP status, OGC code, parameter, message."""

    def __init__(self, status: int, code: str, description: str, parameter: str | None = None) -> None:
        super().__init__(description)
        self.status, self.code, self.description, self.parameter = status, code, description, parameter


def check_parameters(allowed: tuple[str, ...]) -> None:
    for name in request.args:
        if name not in allowed:
            raise OgcError(400, "InvalidParameterValue",
                           f"unknown query parameter {name!r}; allowed: {', '.join(allowed)}", name)
    if request.args.get("crs") not in (None, CRS84):
        raise OgcError(400, "InvalidParameterValue", f"only crs {CRS84} is supported", "crs")
    fmt = request.args.get("f")
    if fmt is not None and fmt not in FORMATS:
        raise OgcError(400, "InvalidParameterValue", f"f must be json, geojson or html, got {fmt!r}", "f")


MAX_INT = 2**63 - 1


def parse_int(name: str, default: int, minimum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", f"{name} must be a whole number, got {raw!r}",
                       name) from None
    if value < minimum:
        raise OgcError(400, "InvalidParameterValue", f"{name} must be at least {minimum}", name)
    if value > MAX_INT:  # PostgreSQL's bigint: a larger number would fail in the query
        raise OgcError(400, "InvalidParameterValue", f"{name} must be at most {MAX_INT}", name)
    return value


def parse_bbox() -> tuple[float, float, float, float] | None:
    raw = request.args.get("bbox")
    crs = request.args.get("bbox-crs")
    if crs not in (None, CRS84):
        raise OgcError(400, "InvalidParameterValue", f"only bbox-crs {CRS84} is supported", "bbox-crs")
    if raw is None:
        return None
    try:
        numbers = [float(part) for part in raw.split(",")]
    except ValueError:
        raise OgcError(400, "InvalidParameterValue", "bbox must be 4 or 6 comma-separated numbers",
                       "bbox") from None
    if len(numbers) not in (4, 6):
        raise OgcError(400, "InvalidParameterValue", "bbox must be 4 or 6 comma-separated numbers", "bbox")
    minx, miny, maxx, maxy = (numbers[0], numbers[1], numbers[2], numbers[3]) if len(numbers) == 4 \
        else (numbers[0], numbers[1], numbers[3], numbers[4])
    if miny > maxy or minx > maxx:
        raise OgcError(400, "InvalidParameterValue",
                       "bbox must be minx,miny,maxx,maxy with min <= max (antimeridian crossing "
                       "is not supported)", "bbox")
    return minx, miny, maxx, maxy


def parse_instant(text_value: str) -> date | None:
    if text_value in ("", ".."):
        return None
    try:
        if "T" in text_value or "t" in text_value:
            moment = datetime.fromisoformat(text_value.replace("z", "Z"))
            if moment.tzinfo is not None:
                moment = moment.astimezone(UTC)
            return moment.date()
        return date.fromisoformat(text_value)
    except ValueError:
        raise OgcError(400, "InvalidParameterValue",
                       f"datetime must be an RFC 3339 date-time, date or interval, got {text_value!r}",
                       "datetime") from None


def parse_datetime() -> tuple[date | None, date | None]:
    raw = request.args.get("datetime")
    if raw is None:
        return None, None
    if "/" in raw:
        start_text, _, end_text = raw.partition("/")
        start, end = parse_instant(start_text), parse_instant(end_text)
        if start and end and start > end:
            raise OgcError(400, "InvalidParameterValue", "datetime interval ends before it starts",
                           "datetime")
        return start, end
    instant = parse_instant(raw)
    if instant is None:
        raise OgcError(400, "InvalidParameterValue", "datetime '..' needs an interval", "datetime")
    return instant, instant
