"""GPX for GPS units: the roster as waypoints, or a patrol plan as routes.

GDAL's GPX driver writes each layer once (no appending), so the roster layer is collected
and written in one go; a roster is at most a few thousand TPS or the incidents an analyst
filtered, not a stream. Polygons (choropleth, hotspots) become a waypoint inside each area.
Fields beyond GPX's own (``name``, ``desc``, ``cmt``) are written as ``<extensions>``, except a
TPS code, which goes into ``cmt`` so that no reader takes it for a number; the metadata
goes into the GPX ``<metadata>`` element (name, description, keywords = marking, time).
A patrol plan becomes one ``<rte>`` per sector: the post, then its TPS in visiting order.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import orjson
import pandas as pd
import pyogrio
import shapely

from pks_geo.export.metadata import metadata_lines
from pks_geo.export.model import DatasetExport

MIMETYPE = "application/gpx+xml"
RESERVED = {"name", "desc", "cmt", "src", "type", "sym", "ele", "time", "link1_href", "route_fid",
            "route_name", "route_point_id"}
"""GPX's own field names: a roster field of that name is written as ``x_<name>`` instead."""
ROUTE_FIELDS = {"route_fid", "route_name"}
"""Fields a route roster sets on purpose (which route a point belongs to)."""


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=str).decode()
    if kind in ("date", "str"):
        return str(value)
    return value


def _frame(export: DatasetExport) -> gpd.GeoDataFrame:
    layer = export.layer(export.roster)
    keep = ROUTE_FIELDS if export.gpx_routes else set()
    records, geometries = [], []
    kinds = dict(layer.fields)
    for batch in layer.batches():
        for row in batch:
            values = dict(zip(layer.field_names, row[:-1], strict=True))
            record = {("x_" + k if k in RESERVED and k not in keep else k): _cell(v, kinds[k])
                      for k, v in values.items()}
            if layer.label_field:
                record["name"] = str(values[layer.label_field])
            if values.get("kode_tps"):
                # GDAL guesses the type of an extension field from its values and read 7405031018001
                # back as a 32-bit integer (2147483647). GPX's own <cmt> is text for every reader, so
                # the code goes there (and into <desc> for the handheld) and not into an extension.
                record.pop("kode_tps", None)
                record["cmt"] = str(values["kode_tps"])
                record["desc"] = f"kode_tps {values['kode_tps']}"
            records.append(record)
            geometries.append(row[-1])
    geoms = shapely.from_geojson([g if g is None or isinstance(g, str) else g.decode() for g in geometries])
    points = [g if g is None or g.geom_type == "Point" else g.point_on_surface() for g in geoms]
    table = pd.DataFrame.from_records(records) if records else pd.DataFrame({"name": pd.Series(dtype=str)})
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")


def write_gpx(export: DatasetExport, metadata: dict[str, Any], path: Path) -> None:
    frame = _frame(export)
    marking = metadata.get("marking")
    options = {"GPX_USE_EXTENSIONS": "YES",
               "METADATA_NAME": f"[{marking}] {export.title}" if marking else export.title,
               "METADATA_DESCRIPTION": "\n".join(metadata_lines(metadata)),
               "METADATA_TIME": metadata["generated_at"]}
    if marking:
        options["METADATA_KEYWORDS"] = marking
    layer = "route_points" if export.gpx_routes else "waypoints"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(frame, str(path), layer=layer, driver="GPX", dataset_options=options)
