"""The Insiden page (analyst and higher): a paged, filterable list of incidents, each opening
its detail with the audit trail; editors go on to the incident form to edit or delete.

- ``GET /insiden``: the list, newest first. The filters are the API's
  (:func:`~pks_geo.queries.incident_queries.parse_incident_filter`: ``from``, ``to``,
  ``kategori``, ``kecamatan``, ``desa``, ``source``, ``status``, ``q`` text in the
  description), paged by the same keyset cursor (``after=YYYY-MM-DD,id``) so a deep page costs
  what the first does. ``n`` only says how many rows came before (for "21–40 of 1.234").
- ``GET /insiden/<id>``: one incident with who changed what when (the audit trail).

Server-rendered: the page works without JavaScript; ``web/static/js/incidents.js`` only folds
the filters on a phone. Every value reaches SQL as a bound parameter (the query layer's rule).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Blueprint, request, url_for
from sqlalchemy import text

from pks_geo import audit
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.models import INCIDENT_STATUS, KATEGORI
from pks_geo.queries.areas import desa_choices
from pks_geo.queries.incident_queries import (
    ParameterError,
    incident_feature,
    incidents_page,
    parse_incident_filter,
)
from pks_geo.web import page_format
from pks_geo.web.auth import has_role, page_texts, render_page, require_role
from pks_geo.web.context import engine

bp = Blueprint("incidents_page", __name__)
bp.record_once(lambda state: page_format.init_app(state.app))

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
PAGE_SIZES = (25, 50, 100)
DEFAULT_PAGE_SIZE = 50
LIST_FILTERS = ("from", "to", "kategori", "kecamatan", "desa", "source", "status", "q")
"""Filters the page offers (all of them the API's own parameters)."""
EXCERPT_CHARS = 140
HIDDEN_CHANGES = frozenset({"updated_at", "created_at", "id"})

SOURCES_SQL = text("""
WITH RECURSIVE s AS (
    (SELECT source FROM incident ORDER BY source LIMIT 1)
    UNION ALL
    SELECT (SELECT i.source FROM incident i WHERE i.source > s.source ORDER BY i.source LIMIT 1)
    FROM s WHERE s.source IS NOT NULL)
SELECT source FROM s WHERE source IS NOT NULL
""")
"""Distinct sources by walking the (source, external_id) index: one probe per source, not a scan."""
KECAMATAN_SQL = text("SELECT kode, nama FROM admin_area WHERE level = 'kecamatan' ORDER BY nama")


def _with_csp(response):  # type: ignore[no-untyped-def]
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


def _list_args() -> dict[str, list[str]]:
    """The request's filter, cursor and page size, empty inputs dropped (a blank form field
    means 'any')."""
    args: dict[str, list[str]] = {}
    for name in (*LIST_FILTERS, "after", "limit"):
        values = [v for v in request.args.getlist(name) if v.strip()]
        if values:
            args[name] = values
    args.setdefault("limit", [str(DEFAULT_PAGE_SIZE)])
    return args


def _url(args: dict[str, list[str]], **changes: str | None) -> str:
    merged = {k: list(v) for k, v in args.items()}
    for key, value in changes.items():
        merged.pop(key, None)
        if value is not None:
            merged[key] = [value]
    lang = request.args.get("lang")
    if lang:
        merged["lang"] = [lang]
    query = urlencode([(k, v) for k, vs in merged.items() for v in vs])
    return url_for("incidents_page.incidents") + ("?" + query if query else "")


def _options() -> dict[str, Any]:
    lang, _ = page_texts()
    taxonomy = load_taxonomy()
    with engine().connect() as conn:
        sources = list(conn.execute(SOURCES_SQL).scalars())
        kecamatan = [tuple(r) for r in conn.execute(KECAMATAN_SQL)]
    return {"kategori": [(code, taxonomy.label(code, lang)) for code in KATEGORI],
            "statuses": INCIDENT_STATUS, "sources": sources, "kecamatan": kecamatan,
            "desa": desa_choices(engine())}


def _row(feature: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    p = feature["properties"]
    description = p.get("description") or ""
    if len(description) > EXCERPT_CHARS:
        description = description[:EXCERPT_CHARS].rstrip() + "…"
    return {**p, "kategori_label": labels.get(p["kategori"], p["kategori"]), "excerpt": description}


@bp.get("/insiden")
@require_role("analyst")
def incidents():  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    args = _list_args()
    shown_before = request.args.get("n", "0")
    shown_before_n = int(shown_before) if shown_before.isdigit() else 0
    error = None
    rows: list[dict[str, Any]] = []
    matched = 0
    next_url = None
    try:
        if args["limit"][0] not in {str(s) for s in PAGE_SIZES}:
            raise ParameterError("limit", texts["inc_bad_limit"].format(
                sizes=", ".join(str(s) for s in PAGE_SIZES)))
        flt = parse_incident_filter(engine(), args)
    except ParameterError as exc:
        error = texts["inc_bad_filter"].format(parameter=exc.parameter, message=exc.message)
        status = 400
    else:
        status = 200
        page = incidents_page(engine(), flt)
        labels = dict(_options_labels(lang))
        rows = [_row(f, labels) for f in json.loads(page.features)]
        matched = page.matched
        if page.next_after is not None:
            cursor = f"{page.next_after[0].isoformat()},{page.next_after[1]}"
            next_url = _url(args, after=cursor, n=str(shown_before_n + len(rows)))
    first_url = _url(args, after=None, n=None) if "after" in args else None
    active = {name: args.get(name, [""])[0] for name in LIST_FILTERS}
    response = render_page(
        "incidents.html", status, rows=rows, matched=matched, error=error, options=_options(),
        active=active, filtered=any(active.values()), limit=int(args["limit"][0])
        if args["limit"][0].isdigit() else DEFAULT_PAGE_SIZE, page_sizes=PAGE_SIZES,
        start=shown_before_n + 1, next_url=next_url, first_url=first_url,
        list_url=request.full_path.rstrip("?"), can_edit=has_role("editor"))
    return _with_csp(response)


def _options_labels(lang: str) -> list[tuple[str, str]]:
    taxonomy = load_taxonomy()
    return [(code, taxonomy.label(code, lang)) for code in KATEGORI]


def _back_url(raw: str | None) -> str:
    """Back to the list the detail was opened from (only this app's list page)."""
    if raw:
        parts = urlsplit(raw)
        if not parts.scheme and not parts.netloc and parts.path == url_for("incidents_page.incidents"):
            return raw
    return url_for("incidents_page.incidents")


def _changes(event: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, before, after) of every field an update changed."""
    before, after = event.get("before") or {}, event.get("after") or {}
    if not before or not after:
        return []
    return [(k, before.get(k), after.get(k)) for k in sorted(set(before) | set(after))
            if k not in HIDDEN_CHANGES and before.get(k) != after.get(k)]


def _shown(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, dict):
        if value.get("type") == "Point":
            lon, lat = value["coordinates"]
            return f"{lat:.5f}, {lon:.5f}"
        return json.dumps(value, ensure_ascii=False)
    return str(value)


@bp.get("/insiden/<int:incident_id>")
@require_role("analyst")
def incident_detail(incident_id: int):  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    feature_text = incident_feature(engine(), incident_id)
    events = audit.events(engine(), "incident", incident_id)
    back = _back_url(request.args.get("back"))
    if feature_text is None and not events:
        return _with_csp(render_page("base.html", 404, message=texts["form_not_found"]))
    trail = [{"at": e["at"], "actor": e["actor"], "action": e["action"],
              "changes": [(k, _shown(b), _shown(a)) for k, b, a in _changes(e)]} for e in events]
    feature = json.loads(feature_text) if feature_text else None
    props = feature["properties"] if feature else None
    point = None
    if feature and feature.get("geometry"):
        lon, lat = feature["geometry"]["coordinates"]
        point = f"{lat:.5f}, {lon:.5f}"
    labels = dict(_options_labels(lang))
    response = render_page(
        "incident_detail.html", incident_id=incident_id, incident=props, point=point, trail=trail,
        kategori_label=labels.get(props["kategori"], props["kategori"]) if props else None,
        back_url=back, can_edit=has_role("editor") and props is not None)
    return _with_csp(response)
