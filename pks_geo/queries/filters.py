"""One typed, validated set of incident filters for every map and statistic.

The choropleth API, the hotspot statistics and CLI commands all answer questions like
"incidents of kategori X in the kampanye stage of pemilu-2019, verified only". Parsing and
validating that once, here, means every entry point accepts the same parameters, rejects
the same mistakes with the same message, and turns them into the same SQL.

Usage::

    filters = parse_filters(request.args, engine)          # or a dict from CLI options
    where, params = filters.incident_where("i")           # "i.counted AND i.kategori = ANY(...)"
    sql = f"SELECT count(*) FROM incident i WHERE {where}"

Rules:

- Only *counted* incidents are ever aggregated (``incident.counted``; ACLED events located
  only to a region are stored but not counted). Callers add the level condition (an
  incident must have a desa or kecamatan code to fall in an area); see
  :meth:`FilterSet.incident_where`.
- ``election`` and ``stage`` filter on the tags the importers give every incident from
  the election calendar (``incident.election_code`` / ``incident.stage``).
- ``from``/``to`` are inclusive ISO dates on ``incident.event_date``.
- Unknown values raise :class:`ParameterError` naming the parameter; nothing here builds
  SQL from user text: values travel only as bound parameters.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.codes import normalize_kode
from pks_geo.models import KATEGORI, STAGES
from pks_geo.queries.params import (
    ParameterError,
    check_choice,
    multi_values,
    parse_bool,
    parse_date,
    parse_number,
    single_value,
)

AREA_LEVELS = ("kecamatan", "desa")
LEVEL_COLUMN = {"kecamatan": "kecamatan_kode", "desa": "desa_kode"}
"""The incident / polling_site column that places a row in an area of each level."""

FILTER_PARAMETERS = ("level", "from", "to", "election", "stage", "kategori", "source",
                     "verified", "within")
"""Request/CLI parameter names understood by :func:`parse_filters`."""

__all__ = ["AREA_LEVELS", "FILTER_PARAMETERS", "LEVEL_COLUMN", "FilterSet", "ParameterError", "multi_values",
           "parse_bool", "parse_filters", "parse_number", "single_value"]
"""The parameter primitives (:mod:`pks_geo.queries.params`) are re-exported for older imports."""


@dataclass(frozen=True)
class FilterSet:
    """Validated filters. Empty fields mean "no restriction"."""

    level: str = "kecamatan"
    date_from: date | None = None
    date_to: date | None = None
    election: str | None = None
    stage: str | None = None
    kategori: tuple[str, ...] = field(default_factory=tuple)
    source: tuple[str, ...] = field(default_factory=tuple)
    verified_only: bool = False
    within: str | None = None
    """Restrict areas to this Kemendagri code and those below it (e.g. ``74.05``)."""

    @property
    def level_column(self) -> str:
        return LEVEL_COLUMN[self.level]

    def incident_where(self, alias: str = "i", *, located: bool = True) -> tuple[str, dict[str, Any]]:
        """SQL condition on the incident table (aliased ``alias``) and its bound parameters.

        ``located`` adds "has a code at this level", so that only incidents that fall in an
        area of ``self.level`` are counted. ``alias`` is chosen by the calling code, never
        by a user.
        """
        a = alias
        parts = [f"{a}.counted"]
        params: dict[str, Any] = {}
        if located:
            parts.append(f"{a}.{self.level_column} IS NOT NULL")
            if self.within:
                col = f"{a}.{self.level_column}"
                parts.append(f"({col} = :f_within OR {col} LIKE :f_within_like)")
                params.update(f_within=self.within, f_within_like=self.within + ".%")
        if self.date_from:
            parts.append(f"{a}.event_date >= :f_from")
            params["f_from"] = self.date_from
        if self.date_to:
            parts.append(f"{a}.event_date <= :f_to")
            params["f_to"] = self.date_to
        if self.election:
            parts.append(f"{a}.election_code = :f_election")
            params["f_election"] = self.election
        if self.stage:
            parts.append(f"{a}.stage = :f_stage")
            params["f_stage"] = self.stage
        if self.kategori:
            parts.append(f"{a}.kategori = ANY(:f_kategori)")
            params["f_kategori"] = list(self.kategori)
        if self.source:
            parts.append(f"{a}.source = ANY(:f_source)")
            params["f_source"] = list(self.source)
        if self.verified_only:
            parts.append(f"{a}.status = 'verified'")
        return " AND ".join(parts), params

    def area_where(self, alias: str = "a") -> tuple[str, dict[str, Any]]:
        """SQL condition selecting the ``admin_area`` rows of this level (and ``within``)."""
        parts = [f"{alias}.level = :f_level"]
        params: dict[str, Any] = {"f_level": self.level}
        if self.within:
            parts.append(f"({alias}.kode = :f_within OR {alias}.kode LIKE :f_within_like)")
            params.update(f_within=self.within, f_within_like=self.within + ".%")
        return " AND ".join(parts), params

    def echo(self) -> dict[str, Any]:
        """The filters as applied, in request-parameter names (for API responses)."""
        return {
            "level": self.level,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "election": self.election,
            "stage": self.stage,
            "kategori": list(self.kategori),
            "source": list(self.source),
            "verified": self.verified_only,
            "within": self.within,
        }


def _known(conn: Connection, sql: str) -> list[str]:
    return [row[0] for row in conn.execute(text(sql))]


def parse_filters(args: Mapping[str, Any], engine: Engine | Connection, *,
                  default_level: str = "kecamatan",
                  levels: tuple[str, ...] = AREA_LEVELS) -> FilterSet:
    """Validate request args (a werkzeug MultiDict) or a plain dict (CLI) into a FilterSet.

    Election codes, sources and ``within`` are checked against the database so that a
    typo gives a 400 naming the parameter instead of a silently empty map.
    """
    level = check_choice("level", single_value(args, "level") or default_level, levels)
    date_from = parse_date("from", single_value(args, "from"))
    date_to = parse_date("to", single_value(args, "to"))
    if date_from and date_to and date_from > date_to:
        raise ParameterError("from", f"from ({date_from}) is after to ({date_to})")
    stage = check_choice("stage", single_value(args, "stage"), STAGES)
    kategori = tuple(dict.fromkeys(multi_values(args, "kategori")))
    for value in kategori:
        check_choice("kategori", value, KATEGORI)
    verified = parse_bool(single_value(args, "verified"), "verified")
    election = single_value(args, "election")
    sources = tuple(dict.fromkeys(multi_values(args, "source")))
    within_raw = single_value(args, "within")
    within = None
    if within_raw is not None:
        within = normalize_kode(within_raw)
        if within is None:
            raise ParameterError("within", f"expected a Kemendagri code like 74.05, got {within_raw!r}")
    if isinstance(engine, Engine):
        with engine.connect() as conn:
            _check_in_database(conn, election, sources, within)
    else:
        _check_in_database(engine, election, sources, within)
    return FilterSet(level=level or default_level, date_from=date_from, date_to=date_to,
                     election=election, stage=stage, kategori=kategori, source=sources,
                     verified_only=verified, within=within)


def _check_in_database(conn: Connection, election: str | None, sources: tuple[str, ...],
                       within: str | None) -> None:
    if election is not None:
        known = _known(conn, "SELECT code FROM election ORDER BY voting_day")
        if election not in known:
            listed = ", ".join(known) if known else "none loaded"
            raise ParameterError("election", f"unknown election {election!r}; known: {listed}")
    if sources:
        known = _known(conn, "SELECT DISTINCT source FROM incident ORDER BY 1")
        for source in sources:
            if source not in known:
                listed = ", ".join(known) if known else "none loaded"
                raise ParameterError("source", f"no incidents from source {source!r}; known: {listed}")
    if within is not None:
        found = conn.execute(text("SELECT 1 FROM admin_area WHERE kode = :k"), {"k": within}).first()
        if found is None:
            raise ParameterError("within", f"area {within} is not loaded")
