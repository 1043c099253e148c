"""Area datasets: ``choropleth`` and ``hotspots`` (aggregates: every role may export them).

Both reuse the analysis modules behind the map's own API, with the same parameters, so a
file exported from a map view holds exactly what the map showed. Geometries are the full
resolution boundaries (``weights.area_layer``), not the simplified display ones, because
the files are for GIS work.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pks_geo.export.context import ExportContext
from pks_geo.export.model import DatasetExport, Layer
from pks_geo.queries.filters import FILTER_PARAMETERS
from pks_geo.stats import hotspots
from pks_geo.stats.choropleth import CHOROPLETH_PARAMETERS, build_choropleth, parse_choropleth_args
from pks_geo.stats.weights import area_layer

HOTSPOT_PARAMETERS = (*FILTER_PARAMETERS, *hotspots.STAT_PARAMETERS)
AGGREGATE_SOURCE = "Incident records of pks-geo (table incident), counted per area; DPT from the TPS lists"


def _once(rows: list[tuple]) -> Any:
    def batches() -> Iterator[list[tuple]]:
        yield rows
    return batches


def build_choropleth_export(ctx: ExportContext) -> DatasetExport:
    req = parse_choropleth_args(dict(_items(ctx.args)), ctx.engine, default_lang=ctx.lang)
    disclosure = ctx.disclosure
    collection = build_choropleth(ctx.engine, req, disclosure=disclosure)
    legend = collection["legend"]
    geometries = area_layer(ctx.engine, req.filters.level).geojson
    rows = []
    for feature in collection["features"]:
        p = feature["properties"]
        cls = p["class"]
        # a suppressed cell (below analyst: 1 .. min_cell-1 incidents) is labelled "< 3 (disamarkan)"
        empty = legend["suppressed"] if p.get("suppressed") else legend["no_data"]
        label = empty["label"] if cls is None else legend["labels"][cls]
        color = empty["color"] if cls is None else legend["colors"][cls]
        extra = (bool(p["suppressed"]),) if disclosure.active else ()
        rows.append((p["kode"], p["nama"], p["value"], cls, label, color, p["rank"], p["n_incidents"],
                     p["dpt"], *extra, geometries.get(p["kode"])))
    fields = [("kode", "str"), ("nama", "str"), ("value", "float"), ("class", "int"), ("class_label", "str"),
              ("color", "str"), ("rank", "int"), ("n_incidents", "int"), ("dpt", "int")]
    if disclosure.active:
        fields.append(("suppressed", "bool"))
    layer = Layer(f"choropleth_{req.filters.level}", "MultiPolygon", fields, _once(rows), label_field="nama")
    return DatasetExport(
        "choropleth", f"Peta koroplet: {collection['metric']['label']} per {req.filters.level}", [layer],
        roster=layer.name, sources=[AGGREGATE_SOURCE],
        parameters={"metric": collection["metric"], "legend": legend,
                    "dpt_election": collection["filters"].get("dpt_election"),
                    "disclosure": collection["disclosure"]},
        election=req.filters.election, filters=collection["filters"])


def _items(args: Any) -> list[tuple[str, Any]]:
    if hasattr(args, "lists"):
        return [(k, v if len(v) > 1 else v[0]) for k, v in args.lists()]
    return list(args.items())


def hotspot_options(ctx: ExportContext) -> hotspots.HotspotOptions:
    """The same options (names, defaults, limits) as ``GET /api/v1/hotspots``."""
    return hotspots.parse_options(ctx.args)


HOTSPOT_TYPES = {"nama": "str", "value": "float", "n_incidents": "int", "gi_z": "float", "p_value": "float",
                 "p_fdr": "float", "gi_bin": "int", "confidence": "int", "lisa_i": "float", "lisa_z": "float",
                 "quadrant": "str", "lisa_cluster": "str", "suppressed": "bool"}
"""Types of the hot-spot table's columns; any other column is written as text."""


def _typed(value: Any, kind: str) -> Any:
    value = hotspots.plain(value)
    if value is None:
        return None
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    if kind == "bool":
        return bool(value)
    return value if kind != "str" else str(value)


def build_hotspots_export(ctx: ExportContext) -> DatasetExport:
    ctx.check_names(HOTSPOT_PARAMETERS)
    filters = ctx.filters()
    metric, smooth = hotspots.parse_metric(ctx.args)
    options = hotspot_options(ctx)
    result = hotspots.hotspots(ctx.engine, filters.level, metric, filters, options, smooth=smooth)
    result = hotspots.disclosed(result, ctx.disclosure, metric, ctx.lang)  # small cells below analyst
    geometries = area_layer(ctx.engine, filters.level).geojson
    table = result.table
    columns = list(table.columns)
    kinds = [HOTSPOT_TYPES.get(c, "str") for c in columns]
    fields = [("kode", "str"), *zip(columns, kinds, strict=True)]
    rows = [(kode, *(_typed(v, k) for v, k in zip(values, kinds, strict=True)), geometries.get(kode))
            for kode, values in zip(table.index, table.itertuples(index=False, name=None), strict=True)]
    layer = Layer(f"hotspots_{filters.level}", "MultiPolygon", fields, _once(rows), label_field="nama")
    meta = result.meta()
    notes = [f"insufficient data: {result.reason}"] if result.insufficient_data else []
    return DatasetExport(
        "hotspots", f"Hotspot ({options.method}) per {filters.level}", [layer], roster=layer.name,
        sources=[AGGREGATE_SOURCE, "PySAL esda (Getis-Ord Gi*, local Moran's I)"],
        parameters={"metric": metric, "smooth": smooth, **meta, "disclosure": ctx.disclosure.meta()},
        notes=notes, election=filters.election,
        filters=filters.echo())


__all__ = ["CHOROPLETH_PARAMETERS", "build_choropleth_export", "build_hotspots_export", "hotspot_options"]
