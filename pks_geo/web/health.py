"""``GET /healthz``: is the app up and can it reach PostGIS? (for monitors and load balancers)"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from pks_geo.db import DatabaseUnavailable, check_connection

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():  # type: ignore[no-untyped-def]
    engine = current_app.extensions.get("pks_geo.engine")
    if engine is None:
        return jsonify(status="error", database="not configured"), 503
    try:
        postgis = check_connection(engine)
    except DatabaseUnavailable as exc:
        return jsonify(status="error", database="unreachable", detail=str(exc)), 503
    if not postgis:
        return jsonify(status="error", database="ok", postgis="missing",
                       detail="run 'pks-geo db upgrade'"), 503
    return jsonify(status="ok", database="ok", postgis=postgis)
