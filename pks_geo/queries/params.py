"""Request and CLI parameters: the one error type and the shared parsing rules.

Every entry point (the JSON API, tiles, exports, pages, the CLI) reads its parameters with
these helpers, so a parameter means the same thing and is refused with the same message
everywhere. ``args`` is a werkzeug MultiDict (a request), a dict of lists
(``request.args.to_dict(flat=False)``) or a plain dict (CLI options).

The shared incident filters built on top of these are in :mod:`pks_geo.queries.filters`
(areas and statistics) and :mod:`pks_geo.queries.incident_queries` (listings); the extras of
one endpoint family live beside it (e.g. :func:`pks_geo.stats.hotspots.parse_options`).

A :class:`ParameterError` escaping a view becomes ``400 {"error": message, "parameter": name}``
through the one handler the app registers (:func:`pks_geo.web.context.init_app`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

_TRUE = {"1", "true", "yes", "ya", "on"}
_FALSE = {"0", "false", "no", "tidak", "off", ""}


class ParameterError(ValueError):
    """A request or CLI parameter has an unknown or malformed value; ``parameter`` names it."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter
        self.message = message


def _raw_values(args: Mapping[str, Any], name: str) -> list[str]:
    if hasattr(args, "getlist"):
        raw: Iterable[Any] = args.getlist(name)  # werkzeug MultiDict
    else:
        value = args.get(name)
        raw = [] if value is None else value if isinstance(value, list | tuple) else [value]
    return [str(item) for item in raw if item is not None]


def multi_values(args: Mapping[str, Any], name: str) -> list[str]:
    """All values of ``name``: repeated parameters and comma-separated lists both work."""
    out: list[str] = []
    for item in _raw_values(args, name):
        out.extend(part.strip() for part in item.split(",") if part.strip())
    return out


def single_value(args: Mapping[str, Any], name: str, *, split: bool = True) -> str | None:
    """The one value of ``name`` (``None`` when absent or blank); two values are refused.

    ``split=False`` for values that may hold commas themselves (a bbox, a search text)."""
    if split:
        values = multi_values(args, name)
    else:
        values = [v.strip() for v in _raw_values(args, name) if v.strip()]
    if len(values) > 1:
        raise ParameterError(name, f"give one value, got {', '.join(values)}")
    return values[0] if values else None


def parse_number(name: str, raw: str | None, kind: Callable[[str], Any], default: Any,
                 low: float, high: float) -> Any:
    """A numeric parameter within [low, high]; ``default`` when absent. Errors name ``name``."""
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ParameterError(name, f"expected a number, got {raw!r}") from None
    if not low <= value <= high:
        raise ParameterError(name, f"must be between {low:g} and {high:g}, got {raw}")
    return value


def parse_bool(value: str | None, name: str) -> bool:
    """Accept 1/0, true/false, yes/no, ya/tidak, on/off (case-insensitive)."""
    text_value = (value or "").strip().lower()
    if text_value in _TRUE:
        return True
    if text_value in _FALSE:
        return False
    raise ParameterError(name, f"expected true or false, got {value!r}")


def parse_date(name: str, value: str | None) -> date | None:
    """An ISO date ``YYYY-MM-DD``; ``None`` when absent."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ParameterError(name, f"expected a date YYYY-MM-DD, got {value!r}") from None


def check_choice(name: str, value: str | None, allowed: Iterable[str]) -> str | None:
    """``value`` if it is one of ``allowed`` (or ``None``); otherwise an error listing them."""
    allowed = tuple(allowed)
    if value is not None and value not in allowed:
        raise ParameterError(name, f"unknown value {value!r}; expected one of {', '.join(allowed)}")
    return value


def check_names(args: Iterable[str], allowed: Iterable[str], *, also: Iterable[str] = ("lang",),
                where: str = "") -> None:
    """Refuse unknown parameter names: a typo such as ``kategory=`` must not silently return all.

    ``also`` are accepted without being listed in the message; ``where`` names the endpoint
    in the message (e.g. ``" for /heat"``)."""
    known = tuple(allowed)
    accepted = set(known) | set(also)
    for name in args:
        if name not in accepted:
            listed = ", ".join(known) or "none"
            raise ParameterError(name, f"unknown parameter {name!r}{where}; known: {listed}")
