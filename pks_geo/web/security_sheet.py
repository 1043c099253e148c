"""``GET /rencana/sektor/<polsek>.pdf``: the printable patrol-sector sheet of one Polsek
(:mod:`pks_geo.maps.patrol_sheet`), linked per Polsek from the Rencana Pengamanan page's
download menu with the page's election and plan parameters.

Operational data like the patrol-plan export: a logged-in viewer or above, and each sheet is
written to the audit trail (who printed which Polsek's routes, with which parameters) before a
byte is sent. The plan is made exactly as for the page and ``/api/v1/patrol-plan`` (same
parameters and checks, same sector ids), for the one Polsek only.
"""

from __future__ import annotations

import re

from flask import Blueprint, Response, request

from pks_geo import audit
from pks_geo.maps.patrol_sheet import SheetData, desa_context, render_polsek_sheet
from pks_geo.planning.land_routes import land_grid
from pks_geo.planning.patrol import check_config, plan_sectors
from pks_geo.planning.risk import compute_risk
from pks_geo.planning.road_routes import road_network
from pks_geo.queries.filters import ParameterError
from pks_geo.queries.region import region_name
from pks_geo.web.api_export import export_context
from pks_geo.web.auth import current_user, page_texts, require_role
from pks_geo.web.context import engine, settings
from pks_geo.web.disclosure import request_disclosure

bp = Blueprint("security_sheet", __name__)

PLAN_PARAMETERS = ("max_tps", "max_km", "speed", "stop_min")


def sheet_filename(election: str, polsek_nama: str) -> str:
    """``rencana-patroli_pilkada-2020_polsek-tinanggea.pdf``: the file says what it is (docs/UI.md)."""
    def slug(value: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-") or "x"
    return f"rencana-patroli_{slug(election)}_{slug(polsek_nama)}.pdf"


@bp.get("/rencana/sektor/<polsek>.pdf")
@require_role("viewer", signed_in=True)
def polsek_sheet(polsek: str):  # type: ignore[no-untyped-def]
    lang, texts = page_texts()
    args = request.args
    security = export_context(args).security
    unit = security.jurisdictions.polsek.get(polsek)
    if unit is None:
        raise ParameterError("polsek", f"unknown Polsek {polsek!r}; known: "
                                       f"{', '.join(sorted(security.jurisdictions.polsek))}")
    config = check_config(security.patrol, {k: (args.get(k) or "").strip() for k in PLAN_PARAMETERS})
    result = compute_risk(engine(), (args.get("election") or "").strip() or None, data=security,
                          polsek=polsek, lang=lang, disclosure=request_disclosure())
    plan = plan_sectors(result.items, security, config, result.election.code, polsek, land_grid(engine()),
                        road_network(engine()))
    sectors = [s for s in plan.sectors if s.polsek == polsek]
    if not sectors:
        raise ParameterError("polsek", f"{unit.name} has no located TPS in {result.election.code}")
    marking = settings().marking
    data = SheetData(polsek_nama=unit.name, election_name=result.election.name, sectors=sectors,
                     config=config, addresses={t.kode_tps: t.alamat for t in result.items},
                     texts=texts, lang=lang, marking=marking, region=region_name(engine(), settings().region),
                     routing=plan.routing)
    body = render_polsek_sheet(data, desa_context(engine(), sectors))
    user = current_user()
    with engine().begin() as conn:
        audit.record(conn, actor=user.username if user else "anonymous", action="export", entity="export",
                     entity_id="patrol-sheet.pdf",
                     after={"dataset": "patrol-sheet", "format": "pdf", "election": result.election.code,
                            "polsek": polsek, "parameters": plan.meta()["parameters"],
                            "sectors": [s.id for s in sectors], "marking": marking})
    response = Response(body, mimetype="application/pdf")
    filename = sheet_filename(result.election.code, unit.name)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    if marking:
        response.headers["X-Classification"] = marking
    return response
