"""The Rencana Pengamanan page (``/rencana``, logged-in viewer and above): the TPS of one
election by risk, each row with its factor points and the sentence that explains them.

Operational data: a logged-in user is required whatever the anonymous role grants
(``require_role(..., signed_in=True)``, as the JSON APIs). Server-rendered first piece: the
table works without JavaScript. Personnel per Polres and Polsek for a chosen operation profile
(:func:`pks_geo.planning.personnel.personnel_plan` on the same risk result, so the categories
agree with the table). The patrol plan with its four parameters editable (the same checks and
names as ``/api/v1/patrol-plan``), its sectors and ordered stops, and downloads that carry the
parameters. The map (:mod:`pks_geo.web.security_map`) draws the same risk result and plan.
"""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from sqlalchemy import text

from pks_geo.models import KERAWANAN
from pks_geo.planning.land_routes import land_grid
from pks_geo.planning.patrol import check_config, plan_sectors
from pks_geo.planning.personnel import personnel_plan
from pks_geo.planning.risk import TpsRisk, compute_risk
from pks_geo.planning.risk_overrides import clear_override, set_override
from pks_geo.planning.road_routes import road_network
from pks_geo.queries.filters import ParameterError
from pks_geo.web import page_format
from pks_geo.web.api_export import export_context
from pks_geo.web.auth import current_user, has_role, page_texts, render_page, require_role
from pks_geo.web.context import engine
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.security_map import category_counts, map_payload
from pks_geo.web.security_messages import factor_label, parameter_message, plan_notes, source_label

bp = Blueprint("security_page", __name__)
bp.record_once(lambda state: page_format.init_app(state.app))

PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
PLAN_PARAMETERS = ("max_tps", "max_km", "speed", "stop_min")
"""The patrol plan's editable parameters, named as in ``/api/v1/patrol-plan`` and the export."""
TABLE_ORDERS = ("score", "polsek", "desa")
"""How the TPS table may be sorted (``sort``): highest score first, or by Polsek / desa name."""
ELECTIONS_SQL = text("""
SELECT e.code, e.name FROM election e
WHERE EXISTS (SELECT 1 FROM polling_site p WHERE p.election_code = e.code)
ORDER BY e.voting_day DESC
""")


def table_rows(items: list[TpsRisk], category: str | None, polsek: str | None, order: str) -> list[TpsRisk]:
    """The TPS table's rows: filtered by category and Polsek and sorted, in Python over the one
    risk result (the personnel and patrol plans keep using every TPS of the election)."""
    rows = [t for t in items if (category is None or t.category == category)
            and (polsek is None or t.polsek == polsek)]
    if order == "polsek":
        return sorted(rows, key=lambda t: (t.polsek_nama or "", -t.score))
    if order == "desa":
        return sorted(rows, key=lambda t: (t.desa_nama or t.desa_kode or "", t.no_tps))
    return sorted(rows, key=lambda t: -t.score)


def _choice(name: str, allowed: tuple[str, ...] | list[str]) -> str | None:
    """A filter value from the query, or None when absent or not one of ``allowed`` (ignored, as
    a select can only send listed values)."""
    value = (request.args.get(name) or "").strip()
    return value if value in allowed else None


@bp.get("/rencana")
@require_role("viewer", signed_in=True)
def security():  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    chosen = (request.args.get("election") or "").strip() or None
    with engine().connect() as conn:
        elections = [tuple(r) for r in conn.execute(ELECTIONS_SQL)]
    result, personnel, plan, profiles, error, error_field = None, None, None, [], None, None
    plan_args = {k: (request.args.get(k) or "").strip() for k in PLAN_PARAMETERS}
    if elections:
        security = export_context(request.args).security
        profiles = [(p.id, p.name) for p in security.profiles.profiles.values()]
        profile = (request.args.get("profile") or "").strip() or None
        try:
            result = compute_risk(engine(), chosen, data=security, lang=lang, disclosure=request_disclosure())
            personnel = personnel_plan(engine(), result.election.code, profile, data=security, risk=result)
            config = check_config(security.patrol, plan_args)
            plan = plan_sectors(result.items, security, config, result.election.code, None,
                                land_grid(engine()), road_network(engine()))
        except ParameterError as exc:
            error, error_field = parameter_message(exc, plan_args, texts, lang), exc.parameter
    rows, polsek_options = [], []
    sort = _choice("sort", TABLE_ORDERS) or "score"
    if result is not None:
        polsek_options = sorted({(t.polsek, t.polsek_nama or t.polsek) for t in result.items if t.polsek},
                                key=lambda p: p[1])
        rows = table_rows(result.items, _choice("category", KERAWANAN),
                          _choice("polsek", [p[0] for p in polsek_options]), sort)
    response = render_page("security.html", elections=elections, result=result, error=error,
                           error_field=error_field, factor_label=factor_label, source_label=source_label,
                           rows=rows, polsek_options=polsek_options, categories=KERAWANAN, sort=sort,
                           orders=TABLE_ORDERS,
                           personnel=personnel, profiles=profiles, plan=plan,
                           map_data=map_payload(result, plan, texts) if result else None,
                           legend=category_counts(result) if result else [],
                           plan_notes=plan_notes(plan.notes, texts) if plan else [],
                           sheet_polsek=list(dict.fromkeys((s.polsek, s.polsek_nama) for s in plan.sectors))
                           if plan else [],
                           plan_args={k: v for k, v in plan_args.items() if v}, can_edit=has_role("editor"))
    response.headers["Content-Security-Policy"] = PAGE_CSP
    return response


@bp.post("/rencana/kategori")
@require_role("editor")
def set_category():  # type: ignore[no-untyped-def]
    """An editor sets (kategori chosen) or clears (kategori empty) a TPS's manual category with a
    reason, from the table row; the same rules and audit as ``/api/v1/tps-risk/override``. Back to
    the page with the outcome (``override=set|cleared`` or ``override_error=<field>``)."""
    form = request.form
    election, kode_tps = form.get("election", ""), form.get("kode_tps", "")
    kategori, reason = form.get("kategori", ""), form.get("reason", "")
    user = current_user()
    actor = user.username if user else "anonymous"
    outcome: dict[str, str] = {}
    try:
        if kategori:
            set_override(engine(), election, kode_tps, kategori, reason, actor=actor)
            outcome = {"override": "set"}
        else:
            cleared = clear_override(engine(), election, kode_tps, actor=actor, reason=reason)
            outcome = {"override": "cleared"} if cleared else {"override_error": "kode_tps"}
    except ParameterError as exc:
        outcome = {"override_error": exc.parameter or "kategori"}
    lang = request.args.get("lang") or form.get("lang")
    extra = {"lang": lang} if lang in ("id", "en") else {}
    return redirect(url_for("security_page.security", election=election, tps=kode_tps, **outcome, **extra)
                    + f"#tps-{kode_tps}")
