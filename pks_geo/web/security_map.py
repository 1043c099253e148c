"""The data of the Rencana Pengamanan map (``/rencana``): TPS coloured by risk category, the
patrol plan's sectors, routes and numbered stops, as one compact JSON object the page embeds
(``<script type="application/json">``, escaped by Jinja's ``tojson``) for
``web/static/js/security_map.js``.

Why embedded rather than fetched from ``/api/v1/patrol-plan``: the page has already computed
the risk and the plan for its tables; a second request would compute both again (the slow
part of the page) and could disagree with the tables if an editor changed a category in
between. Changing a parameter submits the page's form, so table and map are redrawn together.
Only what the page already shows to its (logged-in) reader is included.
"""

from __future__ import annotations

from typing import Any

from pks_geo.maps.patrol_style import CATEGORY_COLORS, ROUTE_COLORS
from pks_geo.models import KERAWANAN
from pks_geo.planning.patrol import PatrolPlan, Sector
from pks_geo.planning.risk import RiskResult

AREA_TOLERANCE_DEG = 0.0001
"""Simplification of the sector areas on the map (~11 m), invisible at the zooms they show at."""
MAP_TEXTS = ("sec_sector", "sec_stop_order", "sec_start", "sec_minutes")
"""Catalogue entries the script needs for its tooltips, passed in the page's language."""


def _latlon(coords: Any) -> list[list[float]]:
    """Leaflet wants [lat, lon]; 6 decimals (~0.1 m) keep the page small."""
    return [[round(float(c[1]), 6), round(float(c[0]), 6)] for c in coords]


def _sector(sector: Sector, index: int) -> dict[str, Any]:
    # the area is a 500 m buffer drawn faintly: ~10 m of simplification halves the page's JSON
    polygon = sector.polygon.simplify(AREA_TOLERANCE_DEG)
    area = _latlon(polygon.exterior.coords) if hasattr(polygon, "exterior") else []
    return {"id": sector.id, "polsek": sector.polsek_nama, "color": ROUTE_COLORS[index % len(ROUTE_COLORS)],
            "start": [sector.start_lat, sector.start_lon], "start_name": sector.start_name,
            "km": round(sector.road_km_est, 1), "minutes": round(sector.minutes_est),
            "route": _latlon(sector.route.coords), "area": area}


def map_payload(result: RiskResult, plan: PatrolPlan | None, texts: dict[str, str]) -> dict[str, Any]:
    """Every located TPS (with its sector and place in the route when the plan has one) and the
    plan's sectors; ``texts`` is the page's catalogue (only :data:`MAP_TEXTS` are passed on)."""
    place: dict[str, tuple[str, int]] = {}
    sectors: list[dict[str, Any]] = []
    for index, sector in enumerate(plan.sectors if plan else []):
        sectors.append(_sector(sector, index))
        for stop in sector.stops:
            place[stop.kode_tps] = (sector.id, stop.order)
    tps = []
    for item in result.items:
        if item.lon is None or item.lat is None:
            continue
        sector_id, order = place.get(item.kode_tps, (None, None))
        tps.append({"kode": item.kode_tps, "no": item.no_tps, "desa": item.desa_nama or item.desa_kode,
                    "category": item.category, "lat": item.lat, "lon": item.lon,
                    "approx": item.location_approx, "sector": sector_id, "order": order})
    return {"tps": tps, "sectors": sectors, "colors": CATEGORY_COLORS,
            "texts": {key: texts.get(key, key) for key in MAP_TEXTS}}


def category_counts(result: RiskResult) -> list[tuple[str, str, int]]:
    """(category, colour, number of TPS) for the legend under the map: labels and counts, so
    the colours are never the only way to read it."""
    counts = {c: 0 for c in KERAWANAN}
    for item in result.items:
        counts[item.category] = counts.get(item.category, 0) + 1
    return [(c, CATEGORY_COLORS.get(c, "#999999"), n) for c, n in counts.items()]
