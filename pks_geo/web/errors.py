"""The one answer to a bad parameter: ``400 {"error": message, "parameter": name}``.

Views let :class:`~pks_geo.queries.params.ParameterError` escape; this handler, registered on
the app, turns it into the JSON body every API gave by hand before. Under ``/ogc`` the body is
the OGC exception form of that blueprint (``code`` ``InvalidParameterValue``). Pages that show
the error inside the page (the Insiden list, Rencana Pengamanan) catch it themselves, and a
saved view that no longer applies is a 409 where it is read.
"""

from __future__ import annotations

from flask import Flask, Response, request

from pks_geo.queries.params import ParameterError
from pks_geo.web.context import json_error


def parameter_error(exc: ParameterError) -> Response:
    if request.blueprint == "ogc":
        from pks_geo.web.ogc import ogc_error
        from pks_geo.web.ogc_params import OgcError

        return ogc_error(OgcError(400, "InvalidParameterValue", exc.message, exc.parameter))
    return json_error(400, exc.parameter, exc.message)


def init_app(app: Flask) -> None:
    app.register_error_handler(ParameterError, parameter_error)
