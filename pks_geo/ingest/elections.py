"""The elections calendar: read ``data/elections.toml``, store it, and date -> (election, stage).

Stage windows are data because they differ per election and region and are refined as
decrees are published. The database copy (tables ``election``/``election_stage``) is the
one importers use, so every incident's ``election_code`` refers to a stored election.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from pks_geo.config import DATA_DIR
from pks_geo.ingest.report import ImportFailed, ImportReport
from pks_geo.models import STAGES

ELECTIONS_PATH = DATA_DIR / "elections.toml"
KINDS = ("pilkades", "pilkada", "pilgub", "pilbup", "pemilu")


class ElectionsError(ImportFailed):
    """The elections file is malformed; the message names the election and field."""


@dataclass(frozen=True)
class Election:
    code: str
    name: str
    kind: str
    voting_day: date
    region_kode: str | None = None
    stages: dict[str, tuple[date, date]] = field(default_factory=dict)
    """stage -> (first day, last day), both inclusive."""


@dataclass
class ElectionCalendar:
    """Finds the election and stage of a date. Overlaps go to the nearest voting day."""

    elections: list[Election]
    _cache: dict[date, tuple[str, str] | None] = field(default_factory=dict, repr=False)

    @property
    def codes(self) -> set[str]:
        return {e.code for e in self.elections}

    def stage_for(self, day: date) -> tuple[str, str] | None:
        """``(election_code, stage)`` whose window contains ``day``, else None."""
        if day not in self._cache:
            hits = [(abs((e.voting_day - day).days), e.code, stage)
                    for e in self.elections for stage, (start, end) in e.stages.items()
                    if start <= day <= end]
            self._cache[day] = min(hits)[1:] if hits else None
        return self._cache[day]

    def election_for(self, day: date) -> str | None:
        """The election whose whole span (first to last stage day) contains ``day``."""
        spans = [(abs((e.voting_day - day).days), e.code) for e in self.elections if e.stages
                 and min(s for s, _ in e.stages.values()) <= day <= max(t for _, t in e.stages.values())]
        return min(spans)[1] if spans else None


def _as_date(value: object, where: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise ElectionsError(f"{where}: {value!r} is not a date (YYYY-MM-DD)") from exc


def parse_elections(data: dict[str, object], origin: str = "elections") -> list[Election]:
    """Validate decoded TOML (``[[election]]`` tables) into :class:`Election` objects."""
    out: list[Election] = []
    entries: Any = data.get("election", [])
    for number, raw in enumerate(entries, start=1):
        code = str(raw.get("code") or "").strip()
        where = f"{origin}: election {code or number}"
        if not code or not raw.get("name"):
            raise ElectionsError(f"{where}: 'code' and 'name' are required")
        if raw.get("kind") not in KINDS:
            raise ElectionsError(f"{where}: kind must be one of {', '.join(KINDS)}")
        voting_day = _as_date(raw.get("voting_day"), f"{where}, voting_day")
        stages: dict[str, tuple[date, date]] = {}
        for stage, window in dict(raw.get("stages") or {}).items():
            if stage not in STAGES:
                raise ElectionsError(f"{where}: unknown stage {stage!r} (known: {', '.join(STAGES)})")
            if not isinstance(window, list) or len(window) != 2:
                raise ElectionsError(f"{where}, stage {stage}: give [first day, last day]")
            start, end = (_as_date(v, f"{where}, stage {stage}") for v in window)
            if start > end:
                raise ElectionsError(f"{where}, stage {stage}: first day {start} is after {end}")
            stages[stage] = (start, end)
        ordered = sorted(stages.items(), key=lambda item: item[1])
        for (name_a, (_, end_a)), (name_b, (start_b, _)) in zip(ordered, ordered[1:], strict=False):
            if start_b <= end_a:
                raise ElectionsError(f"{where}: stages {name_a} and {name_b} overlap")
        if "pemungutan_suara" in stages and not (
                stages["pemungutan_suara"][0] <= voting_day <= stages["pemungutan_suara"][1]):
            raise ElectionsError(f"{where}: voting_day {voting_day} is outside pemungutan_suara")
        out.append(Election(code, str(raw["name"]), str(raw["kind"]), voting_day,
                            raw.get("region_kode"), stages))
    codes = [e.code for e in out]
    if len(set(codes)) != len(codes):
        raise ElectionsError(f"{origin}: an election code appears twice")
    if not out:
        raise ElectionsError(f"{origin}: no [[election]] entries")
    return out


def read_elections_file(path: Path = ELECTIONS_PATH) -> list[Election]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ElectionsError(f"cannot read elections file {path}: {exc}") from exc
    return parse_elections(data, str(path))


@lru_cache(maxsize=4)
def file_calendar(path: Path = ELECTIONS_PATH) -> ElectionCalendar:
    """The calendar of the elections file (when no database calendar is at hand)."""
    return ElectionCalendar(read_elections_file(path))


def calendar_from_db(conn: Connection) -> ElectionCalendar:
    """The stored calendar; importers use this so election codes always exist in the database."""
    elections: dict[str, Election] = {}
    for code, name, kind, voting_day, region in conn.execute(text(
            "SELECT code, name, kind, voting_day, region_kode FROM election ORDER BY code")):
        elections[code] = Election(code, name, kind, voting_day, region, {})
    for code, stage, start, end in conn.execute(text(
            "SELECT election_code, stage, start_date, end_date FROM election_stage")):
        elections[code].stages[stage] = (start, end)
    return ElectionCalendar(list(elections.values()))


UPSERT_ELECTION = text("""
INSERT INTO election (code, name, kind, voting_day, region_kode)
VALUES (:code, :name, :kind, :voting_day, :region_kode)
ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
    voting_day = EXCLUDED.voting_day, region_kode = EXCLUDED.region_kode
""")
INSERT_STAGE = text("""
INSERT INTO election_stage (election_code, stage, start_date, end_date)
VALUES (:code, :stage, :start, :end)
""")


def upsert_elections(conn: Connection, elections: list[Election], source: str) -> ImportReport:
    """Insert or replace each election and its stages; unchanged ones are not touched.

    Elections stored earlier but absent from the file are kept: incidents may refer to them.
    """
    report = ImportReport(source=source, read=len(elections))
    stored = {e.code: e for e in calendar_from_db(conn).elections}
    for election in elections:
        old = stored.get(election.code)
        if old == election:
            report.unchanged += 1
            continue
        params = {"code": election.code, "name": election.name, "kind": election.kind,
                  "voting_day": election.voting_day, "region_kode": election.region_kode}
        conn.execute(UPSERT_ELECTION, params)
        conn.execute(text("DELETE FROM election_stage WHERE election_code = :code"),
                     {"code": election.code})
        rows = [{"code": election.code, "stage": s, "start": a, "end": b}
                for s, (a, b) in election.stages.items()]
        if rows:
            conn.execute(INSERT_STAGE, rows)
        if old is None:
            report.inserted += 1
        else:
            report.updated += 1
    return report
