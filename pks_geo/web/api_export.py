"""``GET /api/v1/export/<dataset>.<format>``: download a dataset as GeoJSON, GeoPackage, KML,
GPX or CSV, with the same filters as the maps.

The view only translates HTTP to :func:`pks_geo.export.prepare_export` and back: the role
check (``incidents`` needs ``analyst``), the audit event and the metadata all happen there,
before the first byte is sent; the body is then streamed as it is produced. A refused
request gets 401 (nobody logged in) or 403 (role too low); a bad parameter gets 400 naming it.
"""

from __future__ import annotations

from urllib.parse import quote

from flask import Blueprint, Response, current_app, request

from pks_geo.config import ConfigError
from pks_geo.export import ExportContext, ExportForbidden, prepare_export
from pks_geo.planning.security_data import SecurityDataError
from pks_geo.web.auth import (
    current_role,
    current_user,
    forbidden_response,
    require_role,
    unauthenticated_response,
)
from pks_geo.web.context import engine, json_error, settings
from pks_geo.web.disclosure import min_cell
from pks_geo.web.i18n import current_language

bp = Blueprint("api_export", __name__, url_prefix="/api/v1")


def export_context(args) -> ExportContext:  # type: ignore[no-untyped-def]
    """Who is asking, for the export and security modules (shared with ``api_security``)."""
    user = current_user()
    return ExportContext(engine(), args, current_role(), user.username if user else "anonymous",
                         lang=current_language(settings().language),
                         security_dir=current_app.config.get("SECURITY_DATA_DIR"), min_cell=min_cell(),
                         signed_in=user is not None)


@bp.get("/export/<dataset>.<fmt>")
@require_role("viewer")
def export(dataset: str, fmt: str):  # type: ignore[no-untyped-def]
    ctx = export_context(request.args)
    try:
        marking = current_app.config.get("EXPORT_MARKING", settings().marking)
        prepared = prepare_export(ctx, dataset, fmt, marking=marking)
    except ExportForbidden as exc:
        return unauthenticated_response() if current_user() is None else forbidden_response(exc.required)
    except (SecurityDataError, ConfigError) as exc:
        return json_error(500, None, str(exc))
    # content_type, not mimetype: Flask would append a second "; charset=utf-8" to text/csv
    response = Response(prepared.chunks(), content_type=prepared.mimetype, direct_passthrough=True)
    response.headers["Content-Disposition"] = f'attachment; filename="{prepared.filename}"'
    response.headers["Cache-Control"] = "no-store"
    if prepared.metadata.get("marking"):
        response.headers["X-Classification"] = prepared.metadata["marking"]
    if fmt == "csv":  # the rows only; the marking, filters and sources are in the companion file
        query = quote(request.query_string.decode("latin-1"), safe="=&%+,.-_~:")
        target = f"/api/v1/export/{dataset}.txt" + (f"?{query}" if query else "")
        response.headers["Link"] = f'<{target}>; rel="describedby"'
    return response
