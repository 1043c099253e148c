"""Words for the Rencana Pengamanan page that the analysis modules give in English or as
identifiers: a refused plan parameter (``ParameterError`` of :func:`check_config`), factor keys
and category sources. The page speaks the planner's language (Bahasa Indonesia by default,
English with ``?lang=en``); the JSON API keeps its English messages for scripts."""

from __future__ import annotations

import re

from pks_geo.planning.patrol import PARAMETER_LIMITS
from pks_geo.queries.filters import ParameterError
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


NOTE_PATTERNS = (
    (re.compile(r"^(?P<n>\d+) TPS without any location are left out: (?P<codes>.*)$"), "sec_note_unlocated"),
    (re.compile(r"^(?P<n>\d+) TPS are in kecamatan assigned to no Polsek and are left out$"),
     "sec_note_unassigned"),
    (re.compile(r"^(?P<unit>.+) has no post in posts\.csv: its routes start at a TPS$"), "sec_note_no_post"),
    (re.compile(r"^routes follow the loaded road network \(pgRouting\); (?P<n>\d+) points farther than "
                r"(?P<m>\d+) m from any road are routed (?P<how>over land|in straight lines): "
                r"(?P<codes>.*)$"),
     "sec_note_off_road"),
)
"""The patrol plan's notes (:func:`pks_geo.planning.patrol.plan_sectors`, English for the API and
the CLI) -> the catalogue entry that says them on the page; a note not matched is shown as is."""
ROUTING_NOTES = ("routes follow the loaded road network (pgRouting)",
                 "routes go round bays and straits over land")
"""Notes the page's routing line (``#sec-routing``) already says in the page's language."""


def plan_notes(notes: list[str], texts: dict[str, str]) -> list[str]:
    """The plan's notes in the page's language, without the routing note said above them."""
    out = []
    for note in notes:
        if note == ROUTING_NOTES[0] or note.startswith(ROUTING_NOTES[1]):
            continue
        for pattern, key in NOTE_PATTERNS:
            match = pattern.match(note)
            if match:
                values = match.groupdict()
                if "how" in values:
                    values["how"] = texts["sec_note_how_land" if values["how"] == "over land"
                                          else "sec_note_how_straight"]
                note = texts[key].format(**values)
                break
        out.append(note)
    return out
