"""The Impor page (``/impor``, editor and above): upload an incident sheet, an ACLED export or
a TPS list, see the dry run's report and where the rows land, then store on confirmation.

Why this shape: planners do not use a shell, yet a bad file must not reach the database
unseen. So every upload is checked first by the command line's own importer in a dry run (its
transaction rolled back), the page lists every rejected row with its line, field and reason
and maps the rows, and only "Simpan ke basis data" imports the same file with the same options.

- ``GET /impor``: the upload form.
- ``POST /impor``: keep the file (:mod:`pks_geo.web.import_store`), start the dry run
  (:mod:`pks_geo.web.import_jobs`), go to the upload's page.
- ``GET /impor/<token>``: progress while a job runs (``web/static/js/imports.js`` polls
  ``/impor/<token>/status``), then the report, the map (``/impor/<token>/peta``) and the
  Confirm and Cancel buttons; ``/impor/<token>/laporan.json`` is the whole report.
- ``POST /impor/<token>/simpan`` and ``/batal``: store for real, or drop the upload.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, jsonify, redirect, request, send_file, url_for

from pks_geo.queries.areas import loaded_extent
from pks_geo.queries.meta import election_choices
from pks_geo.web import page_format
from pks_geo.web.assets import vendor_url
from pks_geo.web.auth import current_user, page_texts, render_page, require_role
from pks_geo.web.context import engine, settings
from pks_geo.web.import_jobs import RUNNING, job_status, landed, start_job
from pks_geo.web.import_report import shown_issues
from pks_geo.web.import_store import (
    EXTENSIONS,
    KINDS,
    ImportOptions,
    UploadNotFound,
    UploadRefused,
    UploadStore,
)

bp = Blueprint("import_page", __name__)
bp.record_once(lambda state: page_format.init_app(state.app))  # type: ignore[arg-type]

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src * data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
"""Scripts and requests only to this app; images also from the configured basemap's tile server."""
SHOWN_ISSUES = 500
"""Rejected rows and warnings listed on the page (each list); the JSON report has them all."""


def upload_store() -> UploadStore:
    """The app's upload store (``IMPORT_DIR``, ``IMPORT_MAX_BYTES`` in the app's config)."""
    config = current_app.config
    return UploadStore(Path(config.get("IMPORT_DIR") or UploadStore.default_root()),
                       int(config.get("IMPORT_MAX_BYTES") or UploadStore.default_max_bytes()))


@bp.url_value_preprocessor
def _limit_body(endpoint: str | None, values: dict[str, Any] | None) -> None:
    """Before the body is parsed (CSRF reads the form): bigger uploads are refused unread."""
    if endpoint == "import_page.upload":
        request.max_content_length = upload_store().max_bytes + 64 * 1024


@bp.errorhandler(413)
def _too_big(_exc: Exception):  # type: ignore[no-untyped-def]
    return _form(413, UploadRefused("imp_err_too_big", f"{upload_store().max_bytes // (1024 * 1024)} MB"),
                 form={})  # the body was not read: the form's values are unknown


def _with_csp(response):  # type: ignore[no-untyped-def]
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def _message(exc: UploadRefused) -> str:
    _, texts = page_texts()
    return texts[exc.key].format(detail=exc.detail)


def _form(status: int = 200, error: UploadRefused | None = None,  # type: ignore[no-untyped-def]
          form: Any = None):
    form = form if form is not None else request.form if request.method == "POST" else {}
    return _with_csp(render_page(
        "imports.html", status, job=None, error=_message(error) if error else None,
        kinds=KINDS, extensions=EXTENSIONS, elections=election_choices(engine()),
        chosen={"kind": form.get("kind", "sheet"), "election": form.get("election", ""),
                "source": form.get("source", "")},
        max_mb=upload_store().max_bytes // (1024 * 1024)))


def _user_id() -> int:
    user = current_user()
    return user.user_id if user is not None else -1


def _lang_args() -> dict[str, Any]:
    lang = request.args.get("lang") or request.form.get("lang")
    return {"lang": lang} if lang in ("id", "en") else {}


@bp.get("/impor")
@require_role("editor")
def imports():  # type: ignore[no-untyped-def]
    return _form()


@bp.post("/impor")
@require_role("editor")
def upload():  # type: ignore[no-untyped-def]
    form = request.form
    kind = form.get("kind", "")
    election = (form.get("election") or "").strip() or None
    options = ImportOptions(kind=kind, source=(form.get("source") or "").strip() or None,
                            election=election if kind == "tps" else None,
                            keep_outside=form.get("keep_outside") == "1",
                            all_or_nothing=form.get("all_or_nothing") == "1")
    file = request.files.get("file")
    user = current_user()
    try:
        if kind == "tps" and election not in {code for code, _ in election_choices(engine())}:
            raise UploadRefused("imp_err_election")
        if file is None or not file.filename:
            raise UploadRefused("imp_err_no_file")
        store = upload_store()
        token = store.save(_user_id(), user.username if user else "?", options, file.filename, file.stream)
    except UploadRefused as exc:
        return _form(400, exc)
    start_job(store, token, store.meta(token, _user_id()), engine(), dry_run=True)
    return redirect(url_for("import_page.job", token=token, **_lang_args()), code=303)


def _meta(token: str) -> dict[str, Any] | None:
    try:
        return upload_store().meta(token, _user_id())
    except UploadNotFound:
        return None


def _not_found():  # type: ignore[no-untyped-def]
    _, texts = page_texts()
    return _with_csp(render_page("base.html", 404, message=texts["imp_not_found"]))


@bp.get("/impor/templat-insiden.xlsx")
@require_role("editor")
def sheet_template():  # type: ignore[no-untyped-def]
    """The district team's incident sheet template (as ``pks-geo incidents template``), so a
    planner gets it from the page instead of an operator's shell."""
    from pks_geo.ingest.sheet_template import write_incident_template

    buffer = io.BytesIO()
    write_incident_template(buffer)
    return send_file(io.BytesIO(buffer.getvalue()), as_attachment=True, download_name="templat-insiden.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.get("/impor/<token>")
@require_role("editor")
def job(token: str):  # type: ignore[no-untyped-def]
    meta = _meta(token)
    if meta is None:
        return _not_found()
    status = job_status(upload_store(), token)
    report = status.get("report") or {}
    lang, texts = page_texts()
    issues = {name: shown_issues(report.get(name) or [], texts, lang, SHOWN_ISSUES)
              for name in ("rejected", "warnings")}
    return _with_csp(render_page(
        "imports.html", job={"token": token, "meta": meta, "status": status, "report": report,
                             "running": status.get("phase") in RUNNING, "issues": issues},
        shown=SHOWN_ISSUES, error=None, max_mb=0,
        map_config={"bounds": loaded_extent(engine(), "desa"), "tileUrl": settings().tile_url,
                    "tileAttribution": settings().tile_attribution},
        leaflet_js=vendor_url("leaflet", "leaflet.js"), leaflet_css=vendor_url("leaflet", "leaflet.css")))


@bp.get("/impor/<token>/status")
@require_role("editor")
def job_progress(token: str):  # type: ignore[no-untyped-def]
    """The progress bar's poll: phase, rows read and rows expected (no report: it may be big)."""
    if _meta(token) is None:
        return jsonify(error="not found"), 404
    status = job_status(upload_store(), token)
    return jsonify({k: status.get(k) for k in ("phase", "read", "total", "locating_done")})


@bp.get("/impor/<token>/peta")
@require_role("editor")
def job_map(token: str):  # type: ignore[no-untyped-def]
    if _meta(token) is None:
        return jsonify(error="not found"), 404
    return jsonify(landed(upload_store(), token))


@bp.get("/impor/<token>/laporan.json")
@require_role("editor")
def job_report(token: str):  # type: ignore[no-untyped-def]
    meta = _meta(token)
    if meta is None:
        return jsonify(error="not found"), 404
    response = jsonify(job_status(upload_store(), token).get("report") or {})
    response.headers["Content-Disposition"] = f'attachment; filename="laporan-impor_{token[:8]}.json"'
    return response


@bp.post("/impor/<token>/simpan")
@require_role("editor")
def confirm(token: str):  # type: ignore[no-untyped-def]
    """Store the checked file for real, once (a second click finds the mark taken)."""
    meta = _meta(token)
    if meta is None:
        return _not_found()
    store = upload_store()
    status = job_status(store, token)
    if status.get("phase") != "checked" or status.get("refused") or not store.claim(token, "store"):
        _, texts = page_texts()
        return _with_csp(render_page("base.html", 409, message=texts["imp_busy"]))
    start_job(store, token, meta, engine(), dry_run=False)
    return redirect(url_for("import_page.job", token=token, **_lang_args()), code=303)


@bp.post("/impor/<token>/batal")
@require_role("editor")
def cancel(token: str):  # type: ignore[no-untyped-def]
    """Drop an upload that was checked and not stored (nothing was written to the database)."""
    store = upload_store()
    if _meta(token) is not None and job_status(store, token).get("phase") in ("checked", "failed") \
            and store.claim(token, "store"):
        store.remove(token)
    return redirect(url_for("import_page.imports", cancelled=1, **_lang_args()), code=303)
