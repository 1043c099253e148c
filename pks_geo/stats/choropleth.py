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
from sqlalchemy import Connection, Engine

from pks_geo.queries.disclosure import EXACT, SUPPRESSED_COLOR, Disclosure
from pks_geo.queries.filters import (
    FILTER_PARAMETERS,
    FilterSet,
    ParameterError,
    parse_filters,
    single_value,
)
from pks_geo.queries.params import check_names
from pks_geo.queries.simplify import display_geometries
from pks_geo.stats.aggregate import INTEGER_METRICS, METRIC_LABELS, aggregate, check_metric
from pks_geo.stats.classify import (
    DEFAULT_K,
    DEFAULT_SCHEME,
    LANGUAGES,
    check_scheme,
    classify,
    format_number,
    parse_breaks,
    parse_k,
)
from pks_geo.stats.palettes import DEFAULT_PALETTE

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


def parse_choropleth_args(args: Mapping[str, Any], engine: Engine | Connection,
                          default_lang: str = "id") -> ChoroplethRequest:
    """Validate all parameters; unknown names and values raise :class:`ParameterError`."""
    check_names(args, CHOROPLETH_PARAMETERS, also=())
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


def floor_labels(legend: dict[str, Any], policy: Disclosure, integer: bool, lang: str) -> None:
    """Below analyst a count class cannot start at 1 or 2 (those are suppressed): "1–10" reads "3–10"."""
    labels, breaks = legend["labels"], legend["breaks"]
    if not (policy.active and integer and breaks and len(labels) > 1):
        return
    low, high = policy.min_cell, math.floor(breaks[0])
    first = labels[1]
    if first.split("–")[0] in {format_number(n, lang, 0) for n in range(1, low)}:
        labels[1] = (format_number(low, lang, 0) if high <= low
                     else f"{format_number(low, lang, 0)}–{format_number(high, lang, 0)}")


def suppressed_legend(policy: Disclosure, count: int, lang: str) -> dict[str, Any]:
    """The legend entry of suppressed areas (shown only below analyst)."""
    return {"label": policy.label(lang), "color": SUPPRESSED_COLOR, "count": count,
            "min_cell": policy.min_cell}


def build_choropleth(engine: Engine, req: ChoroplethRequest,
                     admin_version: int | None = None, disclosure: Disclosure = EXACT) -> dict[str, Any]:
    """The FeatureCollection as a dict; geometries are ``orjson.Fragment`` (serialise with orjson).

    Below analyst (``disclosure``) an area of 1 .. min_cell-1 incidents (or casualties) has
    ``value`` and ``n_incidents`` null, ``suppressed`` true and no class or rank; the legend
    gets a ``suppressed`` entry."""
    filters = req.filters
    frame = aggregate(engine, filters.level, req.metric, filters, req.smooth)
    integer = req.metric in INTEGER_METRICS and req.smooth is None
    hidden = disclosure.area_mask(frame["n_incidents"], frame["value"], req.metric)
    values = frame["value"].where(~hidden)
    result = classify(values.to_numpy(), req.scheme, req.k,
                      list(req.breaks) if req.breaks else None, req.palette, integer=integer)
    geometries = display_geometries(engine, filters.level, admin_version).geometries
    # Areas with nothing to rank (no data, or a value of 0) get no rank: "rank 40 of 351" for a
    # desa without a single incident reads as a finding.
    ranks = values.where(values > 0).rank(method="min", ascending=False)
    features = []
    for row, cls, rank, small in zip(frame.itertuples(index=False), result.classes, ranks, hidden,
                                     strict=True):
        geometry = geometries.get(row.kode)
        properties = {
            "kode": row.kode,
            "nama": row.nama,
            "value": None if small else _number(row.value, integer),
            "class": cls,
            "rank": None if pd.isna(rank) else int(rank),
            "n_incidents": None if small else int(row.n_incidents),
            "dpt": _number(row.dpt, True),
        }
        if disclosure.active:
            properties["suppressed"] = bool(small)
        features.append({
            "type": "Feature",
            "id": row.kode,
            "geometry": orjson.Fragment(geometry) if geometry is not None else None,
            "properties": properties,
        })
    echo = filters.echo()
    echo.update(metric=req.metric, smooth=req.smooth, lang=req.lang,
                dpt_election=frame.attrs["dpt_election"],
                dpt_election_reason=frame.attrs["dpt_election_reason"])
    legend = result.legend(req.lang)
    if disclosure.active:
        n_hidden = int(hidden.sum())
        legend["no_data"] = {**legend["no_data"], "count": legend["no_data"]["count"] - n_hidden}
        legend["suppressed"] = suppressed_legend(disclosure, n_hidden, req.lang)
        floor_labels(legend, disclosure, integer, req.lang)
    return {
        "type": "FeatureCollection",
        "features": features,
        "metric": {"code": req.metric, "label": METRIC_LABELS[req.metric][req.lang],
                   "smoothed": req.smooth is not None},
        "legend": legend,
        "filters": echo,
        "disclosure": disclosure.meta(),
        "numberReturned": len(features),
    }


def choropleth_geojson(engine: Engine, req: ChoroplethRequest, admin_version: int | None = None,
                       disclosure: Disclosure = EXACT) -> bytes:
    """The FeatureCollection serialised (UTF-8 JSON bytes)."""
    return orjson.dumps(build_choropleth(engine, req, admin_version, disclosure))
