"""HTML pages: the main map (``/`` and ``/peta``)."""

from __future__ import annotations

from flask import Blueprint, make_response, render_template, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError

from pks_geo.maps.interactive import build_map_page
from pks_geo.models import STAGES
from pks_geo.queries.areas import area_counts, loaded_extent
from pks_geo.queries.meta import METRICS, SCHEMES, filter_options
from pks_geo.web.assets import MAP_SCRIPTS, MAP_STYLES
from pks_geo.web.auth import current_user, has_role
from pks_geo.web.context import settings
from pks_geo.web.disclosure import request_disclosure
from pks_geo.web.edge import csp_nonce
from pks_geo.web.i18n import LANGUAGES, current_language, translations

bp = Blueprint("pages", __name__)


def _loaded_bounds() -> list[list[float]] | None:
    """Extent of the loaded kecamatan, so the map opens on whatever region is loaded."""
    from flask import current_app

    engine = current_app.extensions.get("pks_geo.engine")
    try:
        return loaded_extent(engine, "kecamatan") if engine is not None else None
    except SQLAlchemyError:
        return None


def _area_counts() -> dict[str, int]:
    """Polygons per level: the page draws a level as vector tiles above the threshold."""
    from flask import current_app

    engine = current_app.extensions.get("pks_geo.engine")
    try:
        counts = area_counts(engine) if engine is not None else {}
    except SQLAlchemyError:
        return {}
    return {level: sum(by_jenis.values()) for level, by_jenis in counts.items()}


def _options(lang: str) -> dict[str, object]:
    """Filter options; a bare set when the database cannot be read, so the page still opens."""
    from flask import current_app

    engine = current_app.extensions.get("pks_geo.engine")
    try:
        if engine is not None:
            return filter_options(engine, lang, request_disclosure())
    except SQLAlchemyError:
        pass
    return {"elections": [], "stages": list(STAGES), "kategori": [], "metrics": list(METRICS),
            "schemes": list(SCHEMES), "k_range": [3, 9]}


def _incident_list_url() -> str | None:
    """Where the side panel's "see the incidents" link goes (analyst+ only): the incident list
    page when the app has one, else the incidents API (GeoJSON)."""
    from flask import current_app

    if not has_role("analyst"):
        return None
    rules = {rule.rule for rule in current_app.url_map.iter_rules()}
    return "/insiden" if "/insiden" in rules else "/api/v1/incidents"


@bp.get("/")
@bp.get("/peta")
def map_page():  # type: ignore[no-untyped-def]
    cfg = settings()
    lang = current_language(cfg.language)
    texts = translations(lang)
    header = render_template("map_header.html", texts=texts, lang=lang, languages=LANGUAGES,
                             path=request.path, user=current_user())
    panel = render_template("map_panel.html", texts=texts, options=_options(lang)) + \
        render_template("map_cockpit.html", texts=texts, can_save=has_role("analyst"),
                        incidents_url=_incident_list_url(), can_export=has_role("viewer"),
                        can_see_incidents=has_role("analyst"))
    html = build_map_page(title=texts["app_title"], texts=texts, lang=lang,
                          bounds=_loaded_bounds(), tile_url=cfg.tile_url,
                          tile_attribution=cfg.tile_attribution, header_html=header,
                          panel_html=panel, can_see_incidents=has_role("analyst"),
                          csrf_token=generate_csrf(), area_counts=_area_counts(),
                          tile_threshold=cfg.tile_threshold, scripts=MAP_SCRIPTS, styles=MAP_STYLES,
                          nonce=csp_nonce())
    response = make_response(html)
    if request.args.get("lang") in LANGUAGES:
        response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
    return response
