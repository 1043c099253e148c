"""Hot-spot layers under ``/api/v1``: ``hotspots``, ``clusters``, ``heat``, ``emerging`` and
``emerging/compare``. Every layer is an aggregate (per-area statistics, cluster hulls, a
density surface), so every role from ``viewer`` up may see it; no incident detail leaves here.
One exception protects locations: clusters of fewer than 3 points (``min_points`` < 3 makes a
single incident a "cluster") need the ``analyst`` role.

Parameters are validated into the analysis modules' option objects; a bad value is a 400
naming the parameter, and an unknown parameter name is refused too (a typo would otherwise
silently give the default). Results are cached in memory (``PKS_GEO_RESPONSE_CACHE_MB``,
shared with the choropleth) per canonical parameter set, data version
(:mod:`pks_geo.queries.versions`) and disclosure level: a change to incidents, boundaries, TPS
or elections changes the key, so a stale result is never served. The same key is the ETag;
``If-None-Match`` gets a 304 (:mod:`pks_geo.web.conditional`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, replace
from typing import Any

import orjson
from flask import Blueprint, request

from pks_geo.queries.filters import FILTER_PARAMETERS, FilterSet, parse_filters
from pks_geo.queries.params import ParameterError, check_choice, check_names, parse_number, single_value
from pks_geo.queries.version_watch import current_versions
from pks_geo.stats import clusters, emerging, heat, hotspots
from pks_geo.stats.weights import area_layer
from pks_geo.web import conditional
from pks_geo.web.auth import has_role, require_role
from pks_geo.web.context import engine
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.i18n import current_language

bp = Blueprint("api_hotspots", __name__, url_prefix="/api/v1")

GEOJSON_MIMETYPE = "application/geo+json"
RESPONSE_FORMAT = "hotspots-1"
VERSIONED_TABLES = ("admin_area", "incident", "polling_site", "election", "election_stage")
ALWAYS_ALLOWED = ("lang", "_")
VIEWER_MIN_POINTS = 3

STAT_PARAMETERS = hotspots.STAT_PARAMETERS
ENDPOINT_PARAMETERS = {
    "hotspots": STAT_PARAMETERS,
    "clusters": ("eps_m", "min_points", "hull", "concavity", "points"),
    "heat": ("bandwidth_m", "bands", "points", "min_incidents"),
    "emerging": (*STAT_PARAMETERS, "window", "confidence"),
    "compare": (*STAT_PARAMETERS, "previous", "confidence"),
}


# --- parameter parsing (shared rules: pks_geo.queries.params; hot-spot options: hotspots.parse_options) ---

def _one(name: str) -> str | None:
    return single_value(request.args, name)


def _number(name: str, kind: Callable[[str], Any], default: Any, low: float, high: float) -> Any:
    return parse_number(name, _one(name), kind, default, low, high)


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    return str(check_choice(name, _one(name) or default, allowed))


def _check_names(endpoint: str) -> None:
    allowed = set(FILTER_PARAMETERS) | set(ENDPOINT_PARAMETERS[endpoint])
    check_names(request.args, sorted(allowed), also=ALWAYS_ALLOWED, where=f" for /{endpoint}")


def _filters(default_level: str = "kecamatan") -> FilterSet:
    return parse_filters(request.args, engine(), default_level=default_level)


def _hotspot_options(method_allowed: tuple[str, ...] = hotspots.METHODS) -> hotspots.HotspotOptions:
    return hotspots.parse_options(request.args, method_allowed)


def _metric() -> tuple[str, str | None]:
    return hotspots.parse_metric(request.args)


def _confidence() -> int:
    value = _number("confidence", int, 95, 90, 99)
    if value not in emerging.CONFIDENCE_BIN:
        raise ParameterError("confidence", f"expected 90, 95 or 99, got {value}")
    return value


# --- caching and responses -------------------------------------------------------------------

def _cached_response(endpoint: str, canonical: dict[str, Any], compute: Callable[[], dict[str, Any]]):  # type: ignore[no-untyped-def]
    """304, the cached document, or ``compute()`` (:mod:`pks_geo.web.conditional`); the key holds
    the canonical parameters, the data versions and the requester's disclosure level."""
    eng = engine()
    versions = current_versions(eng, VERSIONED_TABLES)
    key = conditional.response_key(versions, RESPONSE_FORMAT, endpoint,
                                   orjson.dumps(canonical, option=orjson.OPT_SORT_KEYS, default=str).decode())

    def render() -> bytes:
        return orjson.dumps(compute(), option=orjson.OPT_SERIALIZE_NUMPY, default=_json_default)

    return conditional.cached_response(
        key, versions, render, GEOJSON_MIMETYPE, group=(str(eng.url), "hotspots"),
        generation=versions.digest(RESPONSE_FORMAT))


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialise {type(value).__name__}")


# --- endpoints --------------------------------------------------------------------------------

@bp.get("/hotspots")
@require_role("viewer")
def hotspot_layer():  # type: ignore[no-untyped-def]
    """Gi* or LISA per area as a FeatureCollection (see docs/statistics.md, "Hot-spot statistics")."""
    _check_names("hotspots")
    filters = _filters()
    metric, smooth = _metric()
    options = _hotspot_options()
    lang = current_language()
    disclosure = request_disclosure()
    canonical = {"filters": filters.echo(), "metric": metric, "smooth": smooth, "lang": lang,
                 **asdict(options)}

    def compute() -> dict[str, Any]:
        result = hotspots.hotspots(engine(), filters.level, metric, filters, options, smooth=smooth)
        layer = area_layer(engine(), filters.level)
        return hotspots.feature_collection(result, layer.geojson, lang=lang, level=filters.level,
                                           disclosure=disclosure, metric=metric, smooth=smooth,
                                           filters=filters.echo())

    return _cached_response("hotspots", canonical, compute)


@bp.get("/clusters")
@require_role("viewer")
def cluster_layer():  # type: ignore[no-untyped-def]
    """DBSCAN incident clusters as hull polygons (no incident details)."""
    _check_names("clusters")
    filters = _filters()
    low, high = clusters.MIN_POINTS_RANGE
    options = clusters.ClusterOptions(
        eps_m=_number("eps_m", float, 1000.0, *clusters.EPS_RANGE_M),
        min_points=_number("min_points", int, 5, low, high),
        hull=_choice("hull", clusters.HULLS, "convex"),
        concavity=_number("concavity", float, 0.5, 0.0, 1.0),
        points=_choice("points", clusters.POINT_SETS, "exact"))
    disclosure = request_disclosure()  # hulls generalised, clusters below the minimum cell left out
    if options.min_points < VIEWER_MIN_POINTS and not has_role("analyst"):
        raise ParameterError("min_points", f"min_points below {VIEWER_MIN_POINTS} shows single incidents "
                                           "and needs the analyst role")
    canonical = {"filters": filters.echo(), **asdict(options)}
    return _cached_response("clusters", canonical, lambda: {
        **clusters.incident_clusters(engine(), filters, options, disclosure), "filters": filters.echo()})


@bp.get("/heat")
@require_role("viewer")
def heat_layer():  # type: ignore[no-untyped-def]
    """Kernel-density contour bands clipped to the district."""
    _check_names("heat")
    filters = _filters()
    low, high = heat.BAND_RANGE
    options = heat.HeatOptions(
        bandwidth_m=_number("bandwidth_m", float, None, *heat.BANDWIDTH_RANGE_M),
        bands=_number("bands", int, heat.DEFAULT_BANDS, low, high),
        points=_choice("points", clusters.POINT_SETS, "exact"),
        min_incidents=_number("min_incidents", int, heat.DEFAULT_MIN_INCIDENTS, 1, 1_000_000))
    canonical = {"filters": filters.echo(), **asdict(options)}
    disclosure = request_disclosure()  # below analyst: at least min_cell incidents per surface and band part
    return _cached_response("heat", canonical, lambda: {
        **heat.heat_surface(engine(), filters, options, disclosure), "filters": filters.echo()})


@bp.get("/emerging")
@require_role("viewer")
def emerging_layer():  # type: ignore[no-untyped-def]
    """Emerging hot-spot categories per area over months or election stages."""
    _check_names("emerging")
    filters = _filters()
    metric, smooth = _metric()
    options = _hotspot_options(method_allowed=("gi_star",))
    window = _choice("window", emerging.WINDOWS, "month")
    confidence = _confidence()
    canonical = {"filters": filters.echo(), "metric": metric, "smooth": smooth, "window": window,
                 "confidence": confidence, **asdict(options)}
    disclosure = request_disclosure()

    def compute() -> dict[str, Any]:
        result = emerging.emerging_hotspots(engine(), filters.level, metric, filters, window, options,
                                            confidence, smooth=smooth)
        result = emerging.disclosed(result, disclosure)
        layer = area_layer(engine(), filters.level)
        return emerging.feature_collection(result.table, layer.geojson, {
            **result.meta(), "level": filters.level, "metric": metric, "smooth": smooth,
            "filters": filters.echo(), "disclosure": disclosure.meta()})

    return _cached_response("emerging", canonical, compute)


@bp.get("/emerging/compare")
@require_role("viewer")
def compare_layer():  # type: ignore[no-untyped-def]
    """Gi* of one election against the previous one (or ``previous=CODE``), change per area."""
    _check_names("compare")
    filters = _filters()
    if not filters.election:
        raise ParameterError("election", "give the election to compare (election=CODE)")
    metric, smooth = _metric()
    options = _hotspot_options(method_allowed=("gi_star",))
    confidence = _confidence()
    previous = _one("previous") or emerging.previous_election(engine(), filters.election)
    if previous is None:
        raise ParameterError("previous", f"no election before {filters.election} is loaded")
    try:
        previous_filters = parse_filters({**request.args.to_dict(flat=False), "election": [previous]},
                                         engine(), default_level=filters.level)
    except ParameterError as exc:
        raise ParameterError("previous", exc.message) from None
    if previous == filters.election:
        raise ParameterError("previous", "previous must differ from election")
    canonical = {"filters": filters.echo(), "previous": previous, "metric": metric, "smooth": smooth,
                 "confidence": confidence, **asdict(options)}
    disclosure = request_disclosure()

    def compute() -> dict[str, Any]:
        table = emerging.compare_periods(engine(), filters.level, metric, previous_filters, filters,
                                         replace(options), confidence, smooth=smooth, disclosure=disclosure)
        layer = area_layer(engine(), filters.level)
        return emerging.feature_collection(table, layer.geojson, {
            "method": "gi_star", "inference": options.inference, "level": filters.level, "metric": metric,
            "smooth": smooth,
            "election": filters.election, "previous": previous, "confidence": confidence,
            "weights": table.attrs["current"]["weights"], "permutations": options.permutations,
            "seed": options.seed, "fdr": options.fdr, "current_period": table.attrs["current"],
            "previous_period": table.attrs["previous"], "filters": filters.echo(),
            "disclosure": disclosure.meta()})

    return _cached_response("compare", canonical, compute)
