"""Accessors for what the app factory stored, so views never build engines themselves."""

from __future__ import annotations

from flask import abort, current_app, jsonify
from sqlalchemy import Engine

from pks_geo.config import Settings


def settings() -> Settings:
    return current_app.extensions["pks_geo.settings"]


def engine() -> Engine:
    """The app's engine; 503 with a JSON reason when no database is configured."""
    eng = current_app.extensions.get("pks_geo.engine")
    if eng is None:
        abort(json_error(503, "database", "no database configured: set PKS_GEO_DATABASE_URL "
                                          "or run 'pks-geo db up'"))
    return eng


def json_error(status: int, parameter: str | None, message: str):  # type: ignore[no-untyped-def]
    """A JSON error response naming the offending parameter."""
    body = {"error": message}
    if parameter:
        body["parameter"] = parameter
    response = jsonify(body)
    response.status_code = status
    return response
