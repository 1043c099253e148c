"""Security planning API: TPS risk, manual overrides, personnel plan, patrol plan.

- ``GET /api/v1/tps-risk`` — every TPS of an election with score, category, where the
  category comes from and the factors behind it (RFC 7946 FeatureCollection);
- ``POST`` / ``DELETE /api/v1/tps-risk/override`` — set or clear a TPS's category by hand
  (``editor`` and above, a reason required, audited);
- ``GET /api/v1/personnel`` — police and Linmas required against strength, per Polsek and Polres;
- ``GET /api/v1/patrol-plan`` — sectors, routes and ordered stops (FeatureCollection);
- ``GET /api/v1/security-data`` — profiles (with sources), jurisdictions and posts in use.

All are aggregates (counts and scores, never incident descriptions), so every role may read
them; analysts also see the ids and distances of the incidents behind a score and the reason
written with an override.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson
from flask import Blueprint, Response, jsonify, request

from pks_geo.export.context import ExportContext
from pks_geo.planning.land_routes import land_grid
from pks_geo.planning.patrol import check_config, plan_sectors
from pks_geo.planning.personnel import check_reserve, personnel_plan
from pks_geo.planning.risk import RiskResult, compute_risk
from pks_geo.planning.risk_overrides import clear_override, set_override
from pks_geo.planning.road_routes import road_network
from pks_geo.planning.security_data import SecurityDataError
from pks_geo.queries.filters import ParameterError, single_value
from pks_geo.queries.params import check_names
from pks_geo.web.api_export import export_context
from pks_geo.web.auth import current_user, has_role, require_role
from pks_geo.web.context import engine, json_error

bp = Blueprint("api_security", __name__, url_prefix="/api/v1")

GEOJSON_MIMETYPE = "application/geo+json"
PARAMETERS = {
    "tps_risk": ("election", "polsek", "lang"),
    "personnel": ("election", "profile", "reserve", "lang"),
    "patrol_plan": ("election", "polsek", "max_tps", "max_km", "speed", "stop_min", "lang"),
}


def _check_names(endpoint: str) -> None:
    check_names(request.args, PARAMETERS[endpoint], also=())


def _handled(view):  # type: ignore[no-untyped-def]
    """500 naming the file for broken security data (a bad parameter: :mod:`pks_geo.web.errors`)."""
    def wrapped(*args: Any, **kwargs: Any):  # type: ignore[no-untyped-def]
        try:
            return view(*args, **kwargs)
        except SecurityDataError as exc:
            return json_error(500, None, str(exc))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _risk(ctx: ExportContext) -> RiskResult:
    return compute_risk(ctx.engine, single_value(request.args, "election"), data=ctx.security,
                        polsek=single_value(request.args, "polsek"), lang=ctx.lang,
                        include_incidents=has_role("analyst"), disclosure=ctx.disclosure)


def _geojson(body: dict[str, Any]) -> Response:
    return Response(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY, default=str),
                    mimetype=GEOJSON_MIMETYPE)


@bp.get("/tps-risk")
@require_role("viewer", signed_in=True)
@_handled
def tps_risk():  # type: ignore[no-untyped-def]
    _check_names("tps_risk")
    ctx = export_context(request.args)
    result = _risk(ctx)
    role = ctx.role
    features = []
    for item in result.items:
        props = item.properties_for(role)  # override reason/author: analysts only (risk.fields_for_role)
        geometry = None if item.lon is None else {"type": "Point", "coordinates": [item.lon, item.lat]}
        features.append({"type": "Feature", "id": item.kode_tps, "geometry": geometry, "properties": props})
    return _geojson({"type": "FeatureCollection", "meta": result.meta(), "features": features})


def _actor() -> str:
    user = current_user()
    return user.username if user else "anonymous"


@bp.post("/tps-risk/override")
@require_role("editor")
@_handled
def set_tps_override():  # type: ignore[no-untyped-def]
    """JSON body ``{"election", "kode_tps", "kategori", "reason"}``: set a TPS's category by hand."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ParameterError("body", "expected a JSON object with election, kode_tps, kategori, reason")
    for name in ("election", "kode_tps", "kategori", "reason"):
        if not isinstance(body.get(name), str):
            raise ParameterError(name, f"{name} is required (text)")
    stored = set_override(engine(), body["election"], body["kode_tps"], body["kategori"], body["reason"],
                          actor=_actor())
    return jsonify(stored)


@bp.delete("/tps-risk/override")
@require_role("editor")
@_handled
def clear_tps_override():  # type: ignore[no-untyped-def]
    """``?election=&kode_tps=[&reason=]``: remove a TPS's manual category."""
    election = single_value(request.args, "election")
    kode_tps = single_value(request.args, "kode_tps")
    if not election or not kode_tps:
        raise ParameterError("election" if not election else "kode_tps", "election and kode_tps are required")
    if not clear_override(engine(), election, kode_tps, actor=_actor(),
                          reason=single_value(request.args, "reason") or ""):
        return json_error(404, "kode_tps", f"TPS {kode_tps} of {election} has no manual category")
    return jsonify({"election": election, "kode_tps": kode_tps, "cleared": True})


@bp.get("/personnel")
@require_role("viewer", signed_in=True)
@_handled
def personnel():  # type: ignore[no-untyped-def]
    _check_names("personnel")
    ctx = export_context(request.args)
    reserve = check_reserve(single_value(request.args, "reserve"))
    plan = personnel_plan(ctx.engine, single_value(request.args, "election"),
                          single_value(request.args, "profile"), reserve_share=reserve, data=ctx.security)
    return jsonify(plan.as_dict())


@bp.get("/patrol-plan")
@require_role("viewer", signed_in=True)
@_handled
def patrol_plan():  # type: ignore[no-untyped-def]
    _check_names("patrol_plan")
    ctx = export_context(request.args)
    config = check_config(ctx.security.patrol, {k: single_value(request.args, k)
                                                for k in ("max_tps", "max_km", "speed", "stop_min")})
    result = _risk(ctx)
    polsek = single_value(request.args, "polsek")
    plan = plan_sectors(result.items, ctx.security, config, result.election.code, polsek,
                        land_grid(ctx.engine), road_network(ctx.engine))
    return _geojson({"type": "FeatureCollection", "meta": plan.meta(), "features": plan.features()})


@bp.get("/security-data")
@require_role("viewer", signed_in=True)
@_handled
def security_data():  # type: ignore[no-untyped-def]
    """The operation profiles (with their sources), jurisdictions and posts in use."""
    data = export_context(request.args).security
    juris = data.jurisdictions
    return jsonify({
        "profiles": {pid: {"name": p.name, "source": p.source, "note": p.note,
                           "reserve_share": p.reserve_share,
                           "ratios": {c: asdict(r) for c, r in p.ratios.items()}}
                     for pid, p in data.profiles.profiles.items()},
        "default_profile": data.profiles.default, "profile_by_kind": data.profiles.by_kind,
        "reserve_share": juris.reserve_share, "reserve_source": juris.reserve_source,
        "polres": {k: asdict(v) for k, v in data.jurisdictions.polres.items()},
        "polsek": {k: asdict(v) for k, v in data.jurisdictions.polsek.items()},
        "posts": [asdict(p) for p in data.posts.values()],
        "risk_thresholds": data.risk.thresholds,
    })
