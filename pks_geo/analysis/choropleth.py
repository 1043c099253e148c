"""The choropleth as one RFC 7946 FeatureCollection: aggregate, classify, attach geometries.

Everything the map (or a briefing) needs to draw and explain one choropleth travels in a
single document: per area ``kode``, ``nama``, ``value``, ``class``, ``rank``,
``n_incidents`` and ``dpt``; a ``legend`` foreign member (breaks, labels, colours, counts,
zero and no-data entries) and a ``filters`` member echoing exactly what was applied,
including which election's DPT was used. Geometries come pre-serialised from the
coverage-simplified cache and are spliced in with ``orjson.Fragment``, so building the
response never re-encodes a coordinate.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import pandas as pd
from sqlalchemy import Engine

from pks_geo.analysis.aggregate import INTEGER_METRICS, METRIC_LABELS, aggregate, check_metric
from pks_geo.analysis.classify import (
    DEFAULT_K,
    DEFAULT_SCHEME,
    LANGUAGES,
    check_scheme,
    classify,
    parse_breaks,
    parse_k,
)
from pks_geo.analysis.filters import (
    FILTER_PARAMETERS,
    FilterSet,
    ParameterError,
    parse_filters,
    single_value,
)
from pks_geo.analysis.palettes import DEFAULT_PALETTE
from pks_geo.analysis.simplify import display_geometries

CHOROPLETH_PARAMETERS = FILTER_PARAMETERS + ("metric", "scheme", "k", "breaks", "palette", "smooth",
                                             "lang")
VERSIONED_TABLES = ("admin_area", "incident", "polling_site", "election", "election_stage")
"""Tables a choropleth is computed from: a change to any of them changes the ETag."""


@dataclass(frozen=True)
class ChoroplethRequest:
    """A validated choropleth request."""

    filters: FilterSet
    metric: str = "count"
    scheme: str = DEFAULT_SCHEME
    k: int = DEFAULT_K
    breaks: tuple[float, ...] | None = None
    palette: str = DEFAULT_PALETTE
    smooth: str | None = None
    lang: str = "id"


def parse_choropleth_args(args: Mapping[str, Any], engine: Engine,
                          default_lang: str = "id") -> ChoroplethRequest:
    """Validate all parameters; unknown names and values raise :class:`ParameterError`."""
    for name in args:
        if name not in CHOROPLETH_PARAMETERS:
            raise ParameterError(name, f"unknown parameter; known: {', '.join(CHOROPLETH_PARAMETERS)}")
    metric = single_value(args, "metric") or "count"
    smooth = single_value(args, "smooth") or None
    if smooth == "none":
        smooth = None
    check_metric(metric, smooth)
    scheme = single_value(args, "scheme") or DEFAULT_SCHEME
    raw_breaks = args.get("breaks")
    breaks = parse_breaks(raw_breaks) if raw_breaks else None
    palette = single_value(args, "palette") or DEFAULT_PALETTE
    check_scheme(scheme, breaks, palette)
    k = len(breaks) if breaks else parse_k(single_value(args, "k"))
    lang = single_value(args, "lang") or default_lang
    if lang not in LANGUAGES:
        raise ParameterError("lang", f"unknown language {lang!r}; expected one of {', '.join(LANGUAGES)}")
    filters = parse_filters(args, engine)
    return ChoroplethRequest(filters=filters, metric=metric, scheme=scheme, k=k,
                             breaks=tuple(breaks) if breaks else None, palette=palette,
                             smooth=smooth, lang=lang)


def _number(value: float, integer: bool) -> float | int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(round(value)) if integer else round(float(value), 4)


def build_choropleth(engine: Engine, req: ChoroplethRequest,
                     admin_version: int | None = None) -> dict[str, Any]:
    """The FeatureCollection as a dict; geometries are ``orjson.Fragment`` (serialise with orjson)."""
    filters = req.filters
    frame = aggregate(engine, filters.level, req.metric, filters, req.smooth)
    integer = req.metric in INTEGER_METRICS and req.smooth is None
    result = classify(frame["value"].to_numpy(), req.scheme, req.k,
                      list(req.breaks) if req.breaks else None, req.palette, integer=integer)
    geometries = display_geometries(engine, filters.level, admin_version).geometries
    # Areas with nothing to rank (no data, or a value of 0) get no rank: "rank 40 of 351" for a
    # desa without a single incident reads as a finding.
    ranks = frame["value"].where(frame["value"] > 0).rank(method="min", ascending=False)
    features = []
    for row, cls, rank in zip(frame.itertuples(index=False), result.classes, ranks, strict=True):
        geometry = geometries.get(row.kode)
        features.append({
            "type": "Feature",
            "id": row.kode,
            "geometry": orjson.Fragment(geometry) if geometry is not None else None,
            "properties": {
                "kode": row.kode,
                "nama": row.nama,
                "value": _number(row.value, integer),
                "class": cls,
                "rank": None if pd.isna(rank) else int(rank),
                "n_incidents": int(row.n_incidents),
                "dpt": _number(row.dpt, True),
            },
        })
    echo = filters.echo()
    echo.update(metric=req.metric, smooth=req.smooth, lang=req.lang,
                dpt_election=frame.attrs["dpt_election"],
                dpt_election_reason=frame.attrs["dpt_election_reason"])
    return {
        "type": "FeatureCollection",
        "features": features,
        "metric": {"code": req.metric, "label": METRIC_LABELS[req.metric][req.lang],
                   "smoothed": req.smooth is not None},
        "legend": result.legend(req.lang),
        "filters": echo,
        "numberReturned": len(features),
    }


def choropleth_geojson(engine: Engine, req: ChoroplethRequest, admin_version: int | None = None) -> bytes:
    """The FeatureCollection serialised (UTF-8 JSON bytes)."""
    return orjson.dumps(build_choropleth(engine, req, admin_version))
