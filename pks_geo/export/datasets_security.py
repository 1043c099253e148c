"""Security planning datasets: ``tps`` (TPS with risk) and ``patrol-plan`` (sectors, routes, stops).

Both are aggregates for the purpose of the export rules: a TPS lists how many incidents lie
near it and why it scored what it did, never what happened to whom, so every role may
export them. Analysts additionally get the ids, dates and distances of the incidents
behind each score and the reason written with a manual override.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import shapely

from pks_geo.export.context import ExportContext
from pks_geo.export.model import DatasetExport, Layer
from pks_geo.planning.land_routes import land_grid
from pks_geo.planning.patrol import check_config, plan_sectors
from pks_geo.planning.risk import FACTORS, RiskResult, TpsRisk, compute_risk, fields_for_role
from pks_geo.planning.road_routes import road_network
from pks_geo.queries.filters import FILTER_PARAMETERS

TPS_PARAMETERS = (*FILTER_PARAMETERS, "polsek")
PATROL_PARAMETERS = (*TPS_PARAMETERS, "max_tps", "max_km", "speed", "stop_min")

TPS_FIELDS = [
    ("label", "str"), ("kode_tps", "str"), ("no_tps", "int"), ("desa_kode", "str"), ("desa_nama", "str"),
    ("kecamatan_kode", "str"), ("kecamatan_nama", "str"), ("polsek", "str"), ("polsek_nama", "str"),
    ("polres", "str"), ("polres_nama", "str"), ("dpt", "int"), ("alamat", "str"), ("location_approx", "bool"),
    ("score", "float"), ("category", "str"), ("category_source", "str"), ("computed_category", "str"),
    ("official_category", "str"), ("override_category", "str"), ("nearest_post", "str"),
    ("nearest_post_m", "float"), *((f"pts_{key}", "float") for key in FACTORS), ("factors", "json"),
]
RISK_SOURCES = ["TPS lists as imported (KPU/SIREKAP codes, DPT, kategori_kerawanan from Polri/Bawaslu)",
                "data/security/risk.toml (weights), posts.csv (posts: SAMPLE data until replaced)",
                "data/security/jurisdictions.toml (kecamatan -> Polsek -> Polres)"]


def _geojson(geom: Any) -> str:
    return shapely.to_geojson(shapely.transform(geom, lambda c: np.round(c, 6)))


def _point(lon: float | None, lat: float | None) -> str | None:
    if lon is None or lat is None:
        return None
    return f'{{"type":"Point","coordinates":[{lon:.6f},{lat:.6f}]}}'


def _once(rows: list[tuple]) -> Any:
    def batches() -> Iterator[list[tuple]]:
        yield rows
    return batches


def _risk(ctx: ExportContext, polsek: str | None) -> tuple[RiskResult, list[TpsRisk], Any]:
    filters = ctx.filters()
    result = compute_risk(ctx.engine, filters.election, data=ctx.security, polsek=polsek, lang=ctx.lang,
                          include_incidents=ctx.allowed("analyst"), disclosure=ctx.disclosure)
    items = result.items
    if filters.within:
        prefix = filters.within + "."
        items = [i for i in items if i.desa_kode == filters.within or i.desa_kode.startswith(prefix)]
    return result, items, filters


def tps_rows(items: list[TpsRisk], role: str | None) -> tuple[list[tuple[str, str]], list[tuple]]:
    fields = TPS_FIELDS + [(name, "str") for name in fields_for_role(role)]  # the restricted ones role sees
    rows = []
    for item in items:
        props = item.properties_for(role)
        props["label"] = f"TPS {item.no_tps:03d} {item.desa_nama or item.desa_kode}"
        points = {f.key: f.points for f in item.factors}
        for key in FACTORS:
            props[f"pts_{key}"] = points.get(key)
        rows.append((*(props[name] for name, _ in fields), _point(item.lon, item.lat)))
    return fields, rows


def build_tps(ctx: ExportContext) -> DatasetExport:
    ctx.check_names(TPS_PARAMETERS)
    result, items, filters = _risk(ctx, ctx.value("polsek"))
    fields, rows = tps_rows(items, ctx.role)
    layer = Layer("tps", "Point", fields, _once(rows), label_field="label")
    return DatasetExport("tps", f"TPS dan kerawanan: {result.election.name}", [layer], roster="tps",
                         sources=RISK_SOURCES, parameters=result.meta(), notes=result.notes,
                         election=result.election.code, filters=filters.echo())


SECTOR_FIELDS = [("feature_type", "str"), ("sector", "str"), ("polsek", "str"), ("polsek_nama", "str"),
                 ("polres", "str"), ("number", "int"), ("start", "str"), ("start_name", "str"),
                 ("n_tps", "int"), ("length_km", "float"), ("road_km_est", "float"), ("minutes_est", "int"),
                 ("diameter_km", "float"), ("closed", "bool"), ("categories", "json")]
STOP_FIELDS = [("feature_type", "str"), ("label", "str"), ("kind", "str"), ("sector", "str"),
               ("polsek", "str"), ("route_fid", "int"), ("route_name", "str"), ("order", "int"),
               ("kode_tps", "str"), ("no_tps", "int"), ("desa_nama", "str"), ("kecamatan_nama", "str"),
               ("category", "str"),
               ("category_source", "str"), ("score", "float"), ("dpt", "int"), ("location_approx", "bool"),
               ("leg_m", "float"), ("cumulative_m", "float")]


def route_name(sector: Any, lang: str) -> str:
    """The route's name as a GPS unit lists it: sector, length and time (GPX has no other place
    a handheld shows for a route's length and duration)."""
    minutes = "menit" if lang == "id" else "min"
    km = f"{sector.road_km_est:.1f}".replace(".", "," if lang == "id" else ".")
    return f"{sector.id} · {km} km · {round(sector.minutes_est)} {minutes}"


def _post_row(sector: Any, fid: int, label: str, order: int, leg: float, cumulative: float,
              name: str) -> tuple:
    """The post as a stop of the roster: where the route starts (order 0) and ends."""
    return ("stop", label, "post", sector.id, sector.polsek, fid, name, order, None, None, None, None,
            None, None, None, None, None, leg, cumulative, _point(sector.start_lon, sector.start_lat))


def build_patrol(ctx: ExportContext) -> DatasetExport:
    ctx.check_names(PATROL_PARAMETERS)
    polsek = ctx.value("polsek")
    result, items, filters = _risk(ctx, polsek)
    config = check_config(ctx.security.patrol, {k: ctx.value(k) for k in ("max_tps", "max_km", "speed",
                                                                          "stop_min")})
    plan = plan_sectors(items, ctx.security, config, result.election.code, polsek, land_grid(ctx.engine),
                        road_network(ctx.engine))
    sectors, routes, stops = [], [], []
    for fid, sector in enumerate(plan.sectors):
        summary = sector.summary()
        values = [summary[name] for name, _ in SECTOR_FIELDS[1:]]
        sectors.append(("sector", *values, _geojson(sector.polygon)))
        routes.append(("route", *values, _geojson(sector.route)))
        name = route_name(sector, ctx.lang)
        stops.append(_post_row(sector, fid, sector.start_name, 0, 0.0, 0.0, name))
        for s in sector.stops:
            label = f"{s.order}. TPS {s.no_tps:03d} {s.desa_nama or ''}".strip()
            stops.append(("stop", label, "tps", sector.id, sector.polsek, fid, name, s.order,
                          s.kode_tps, s.no_tps, s.desa_nama, s.kecamatan_nama, s.category, s.category_source,
                          s.score, s.dpt, s.location_approx, s.leg_m, s.cumulative_m, _point(s.lon, s.lat)))
        if sector.closed and sector.stops:
            back = round(sector.length_m - sector.stops[-1].cumulative_m, 1)
            stops.append(_post_row(sector, fid, f"{sector.start_name} (kembali)", len(sector.stops) + 1,
                                   back, round(sector.length_m, 1), name))
    layers = [Layer("sectors", "Polygon", SECTOR_FIELDS, _once(sectors), label_field="sector"),
              Layer("routes", "LineString", SECTOR_FIELDS, _once(routes), label_field="sector"),
              Layer("stops", "Point", STOP_FIELDS, _once(stops), label_field="label")]
    return DatasetExport("patrol-plan", f"Rencana patroli: {result.election.name}", layers, roster="stops",
                         sources=[*RISK_SOURCES, "data/security/patrol.toml (sector and route parameters)"],
                         parameters=plan.meta(), notes=[*result.notes, *plan.notes],
                         election=result.election.code, filters=filters.echo(), gpx_routes=True)
