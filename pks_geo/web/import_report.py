"""An import report as the Impor page keeps and shows it: every issue with its reason codes, and
the first rows of each list with their reason in the page's language.

Why: the importers' reasons are English text (what the CLI and ``--report`` print) carrying a
reason code and its values (:class:`pks_geo.ingest.reasons.Reason`). A report passes through a
JSON status file between the job's thread and the page, which would keep only the text, so the
codes are written beside it (``parts``); the page then says a coded reason in Indonesian with its
values (``imp_reason_<code>``, else the catalogue's generic ``reason_<code>``) and keeps the
English text as the tooltip. Reasons without a code (or a catalogue text) stay in English.
"""

from __future__ import annotations

from typing import Any

from pks_geo.ingest.report import ImportReport, Issue


def _parts(reason: object) -> list[dict[str, Any]]:
    parts = getattr(reason, "parts", None) or ()
    return [{"code": getattr(p, "code", None), "params": dict(getattr(p, "params", None) or {})}
            for p in parts]


def issue_dict(issue: Issue) -> dict[str, Any]:
    return {"row": issue.row, "field": issue.field, "reason": str(issue.reason), "ref": issue.ref,
            "parts": _parts(issue.reason)}


def report_dict(report: ImportReport) -> dict[str, Any]:
    """The report for the status file: counts, and every issue with its reason codes."""
    data = report.to_dict()
    data["rejected"] = [issue_dict(i) for i in report.rejected]
    data["warnings"] = [issue_dict(i) for i in report.warnings]
    return data


def _say(part: dict[str, Any], texts: dict[str, str]) -> str | None:
    code = part.get("code")
    for key in (f"imp_reason_{code}", f"reason_{code}"):
        if code and key in texts:
            try:
                return texts[key].format(**part.get("params", {}))
            except (KeyError, IndexError, ValueError):
                continue
    return None


def shown_reason(issue: dict[str, Any], texts: dict[str, str], lang: str) -> str:
    """The issue's reason in the page's language when every part of it has a catalogue text."""
    if lang == "en" or not issue.get("parts"):
        return issue["reason"]
    said = [_say(p, texts) for p in issue["parts"]]
    return issue["reason"] if None in said else " ".join(s for s in said if s)


def shown_issues(issues: list[dict[str, Any]], texts: dict[str, str], lang: str,
                 limit: int) -> list[dict[str, Any]]:
    """The first ``limit`` issues, each with ``shown`` (its reason in the page's language)."""
    return [{**i, "shown": shown_reason(i, texts, lang)} for i in issues[:limit]]
