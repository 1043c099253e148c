"""OGC API – Features Part 3 parameters of an items request: ``filter`` (CQL2 text or JSON,
``filter-lang``, ``filter-crs``), ``sortby`` and ``properties``, checked and turned into the
SQL pieces of :class:`~pks_geo.feature_sql.features.ItemQuery` by :mod:`pks_geo.feature_sql.cql2`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import request

from pks_geo.feature_sql.cql2 import LANGUAGES, FilterError, filter_sql, parse_filter, sort_sql
from pks_geo.feature_sql.features import CollectionSpec
from pks_geo.web.ogc_params import CRS84, OgcError

MAX_FILTER_LENGTH = 20_000
LANGUAGE_ALIASES = {"cql-text": "cql2-text", "cql-json": "cql2-json"}
"""Names of the draft versions, which older clients (GDAL 3.6) send."""


@dataclass(frozen=True)
class Part3:
    filter_sql: str | None = None
    filter_params: dict[str, Any] = field(default_factory=dict)
    sort_sql: str | None = None
    properties: tuple[str, ...] | None = None


def _error(parameter: str, message: str) -> OgcError:
    return OgcError(400, "InvalidParameterValue", message, parameter)


def parse_part3(spec: CollectionSpec) -> Part3:
    """Validate ``filter``, ``sortby`` and ``properties`` of this request for ``spec``."""
    where, order, only = None, None, None
    params: dict[str, Any] = {}
    text = request.args.get("filter")
    lang = request.args.get("filter-lang", "cql2-text")
    lang = LANGUAGE_ALIASES.get(lang, lang)
    if lang not in LANGUAGES:
        raise _error("filter-lang", f"filter-lang must be one of {', '.join(LANGUAGES)}")
    if request.args.get("filter-crs") not in (None, CRS84):
        raise _error("filter-crs", f"only filter-crs {CRS84} is supported")
    if text:
        if len(text) > MAX_FILTER_LENGTH:
            raise _error("filter", f"filter is longer than {MAX_FILTER_LENGTH} characters")
        try:
            where, params = filter_sql(spec, parse_filter(text, lang))
        except FilterError as exc:
            raise _error("filter", str(exc)) from None
    if sortby := request.args.get("sortby"):
        try:
            order = sort_sql(spec, sortby)
        except FilterError as exc:
            raise _error("sortby", str(exc)) from None
    if (raw := request.args.get("properties")) is not None:
        names = tuple(name.strip() for name in raw.split(",") if name.strip())
        known = [name for name, _ in spec.properties]
        unknown = [name for name in names if name not in known]
        if unknown:
            raise _error("properties", f"unknown properties {', '.join(unknown)}; known: {', '.join(known)}")
        only = names
    return Part3(where, params, order, only)
