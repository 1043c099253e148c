"""Words for the Rencana Pengamanan page that the analysis modules give in English or as
identifiers: a refused plan parameter (``ParameterError`` of :func:`check_config`), factor keys
and category sources. The page speaks the planner's language (Bahasa Indonesia by default,
English with ``?lang=en``); the JSON API keeps its English messages for scripts."""

from __future__ import annotations

from pks_geo.analysis.filters import ParameterError
from pks_geo.analysis.patrol import PARAMETER_LIMITS
from pks_geo.web.page_format import format_number

PARAMETER_LABELS = {"max_tps": "sec_max_tps", "max_km": "sec_max_km", "speed": "sec_speed",
                    "stop_min": "sec_stop_min", "election": "sec_election", "profile": "sec_profile"}
"""Query parameter -> catalogue entry of its field's label on the page."""


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def parameter_message(exc: ParameterError, raw: dict[str, str], texts: dict[str, str], lang: str) -> str:
    """One sentence naming the field by its label, what it accepts and what to do."""
    name = exc.parameter or ""
    label = texts.get(PARAMETER_LABELS.get(name, ""), name)
    if name in PARAMETER_LIMITS:
        _attr, low, high, _kind = PARAMETER_LIMITS[name]
        return texts["sec_bad_number"].format(
            label=label, low=format_number(low, lang, _decimals(low)),
            high=format_number(high, lang, _decimals(high)), value=raw.get(name, ""))
    if name in ("election", "profile"):
        return texts["sec_bad_choice"].format(label=label)
    return f"{name}: {exc.message}" if name else exc.message


def factor_label(key: str, texts: dict[str, str]) -> str:
    """A risk factor's name in the page's language (its key when the catalogue has none)."""
    return texts.get("sec_factor_" + key, key)


def source_label(source: str, texts: dict[str, str]) -> str:
    """``override`` / ``official`` / ``computed`` as the page says them."""
    return texts.get("sec_source_" + source, source)
