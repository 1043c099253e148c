"""GPX for GPS units: the roster as waypoints, or a patrol plan as routes.

GDAL's GPX driver writes each layer once (no appending), so the roster layer is collected
and written in one go; a roster is at most a few thousand TPS or the incidents an analyst
filtered, not a stream. Polygons (choropleth, hotspots) become a waypoint inside each area.
Fields beyond GPX's own (``name``, ``desc``, ``cmt``) are written as ``<extensions>``. A GPX file
declares no field types: GDAL (and so QGIS) guesses an extension's type from its values, so a
text field whose every value looks like a number would be read back as one (7405031018001 as the
32-bit 2147483647, TPS ``001`` as 1, ``74.05`` as a real). Such fields are written as text GPX
itself defines instead: a TPS code in ``cmt``, any other in ``desc`` lines (``key: value``). The
metadata goes into the GPX ``<metadata>`` element (name, description, keywords = marking, time).
A patrol plan becomes one ``<rte>`` per sector: the post, then its TPS in visiting order, and
one ``<trk>`` per sector with the line the route drives (along the roads when a road network is
loaded, round bays over land otherwise): a ``<rte>`` of the stops alone would let a GPS unit
draw straight lines between them. GDAL writes each GPX layer once and cannot add a second, so
the tracks are appended to its file as GPX 1.1 text (``<trk>`` comes after ``<rte>``).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

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
TEXT_KINDS = ("str", "date", "json")
HEX_NUMBER = re.compile(r"^\s*[+-]?0[xX][0-9a-fA-F]+")
"""C ``strtod``, which GDAL's GPX reader uses to guess types, also reads hexadecimal."""


def looks_numeric(value: str) -> bool:
    """Whether GDAL's GPX reader would take this text for a number (``strtod`` reads it whole)."""
    try:
        float(value)
    except ValueError:
        return bool(HEX_NUMBER.match(value))
    return True


def _numeric_looking_text(records: list[dict[str, Any]], kinds: dict[str, str]) -> list[str]:
    """Text fields whose every value reads as a number: GDAL would type them Integer/Real."""
    names = []
    for name, kind in kinds.items():
        if kind not in TEXT_KINDS or name in ROUTE_FIELDS:
            continue
        values = [str(r[name]) for r in records if r.get(name) is not None and str(r[name]).strip()]
        if values and all(looks_numeric(v) for v in values):
            names.append(name)
    return names


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
                # GDAL read 7405031018001 back from an extension as a 32-bit integer (2147483647).
                # GPX's own <cmt> is text for every reader: the code goes there (and into <desc>
                # for the handheld) and not into an extension.
                record.pop("kode_tps", None)
                record["cmt"] = str(values["kode_tps"])
                record["desc"] = f"kode_tps {values['kode_tps']}"
            records.append(record)
            geometries.append(row[-1])
    _move_into_desc(records, _numeric_looking_text(records, {
        ("x_" + k if k in RESERVED and k not in keep else k): kind for k, kind in kinds.items()}))
    geoms = shapely.from_geojson([g if g is None or isinstance(g, str) else g.decode() for g in geometries])
    points = [g if g is None or g.geom_type == "Point" else g.point_on_surface() for g in geoms]
    table = pd.DataFrame.from_records(records) if records else pd.DataFrame({"name": pd.Series(dtype=str)})
    return gpd.GeoDataFrame(table, geometry=points, crs="EPSG:4326")


def _move_into_desc(records: list[dict[str, Any]], names: list[str]) -> None:
    """Write these text fields as ``key: value`` lines of ``<desc>`` instead of extensions."""
    if not names:
        return
    for record in records:
        lines = [record["desc"]] if record.get("desc") else []
        lines += [f"{name}: {record[name]}" for name in names if record.get(name) is not None]
        for name in names:
            record.pop(name, None)
        if lines:
            record["desc"] = "\n".join(lines)


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
    tracks = _tracks(export) if export.gpx_routes else ""
    if tracks:
        text = path.read_text(encoding="utf-8")
        end = text.rindex("</gpx>")
        path.write_text(text[:end] + tracks + text[end:], encoding="utf-8")


def _tracks(export: DatasetExport) -> str:
    """A ``<trk>`` per line of the ``routes`` layer (named by its label field), as GPX text."""
    names = [layer.name for layer in export.layers]
    if "routes" not in names:
        return ""
    layer = export.layer("routes")
    out = []
    for batch in layer.batches():
        for row in batch:
            values = dict(zip(layer.field_names, row[:-1], strict=True))
            geom = shapely.from_geojson(row[-1] if isinstance(row[-1], str) else row[-1].decode())
            if geom is None or geom.geom_type != "LineString":
                continue
            name = str(values.get(layer.label_field or "", "") or "")
            points = "".join(f"<trkpt lat={quoteattr(f'{y:.6f}')} lon={quoteattr(f'{x:.6f}')}/>"
                             for x, y in shapely.get_coordinates(geom))
            out.append(f"<trk><name>{escape(name)}</name><trkseg>{points}</trkseg></trk>\n")
    return "".join(out)
