"""GeoPackage and KML through GDAL (pyogrio), fed as a stream of Arrow record batches.

``pyogrio.write_arrow`` takes a ``RecordBatchReader``: each batch of rows becomes one Arrow
batch (geometry as WKB), so GDAL writes while the rows are still being read and memory
stays flat. GeoPackage keeps the metadata in its metadata tables (dataset and layer);
KML (LIBKML driver, readable by Google Earth and phone apps) keeps it in the document's
name and description. Every layer of the dataset becomes a layer (KML: a folder).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyogrio
import shapely

from pks_geo.export.metadata import metadata_lines
from pks_geo.export.model import DatasetExport, Layer

DRIVERS = {"gpkg": "GPKG", "kml": "LIBKML"}
MIMETYPES = {"gpkg": "application/geopackage+sqlite3", "kml": "application/vnd.google-earth.kml+xml"}


def _arrow_type(kind: str, fmt: str) -> pa.DataType:
    if kind == "int":
        return pa.int64()
    if kind == "float":
        return pa.float64()
    if kind == "bool":  # LIBKML has no boolean field type: GDAL would write "true" as text and warn
        return pa.int32() if fmt == "kml" else pa.bool_()
    if kind == "date" and fmt == "gpkg":
        return pa.date32()
    return pa.string()


def _values(values: list[Any], kind: str, arrow_type: pa.DataType) -> pa.Array:
    if kind == "json":
        values = [None if v is None else orjson.dumps(v, option=orjson.OPT_SERIALIZE_NUMPY,
                                                      default=str).decode() for v in values]
    elif kind == "date" and arrow_type == pa.string():
        values = [None if v is None else v.isoformat() for v in values]
    elif arrow_type == pa.string():
        values = [None if v is None else str(v) for v in values]
    elif kind == "bool" and arrow_type == pa.int32():
        values = [None if v is None else int(bool(v)) for v in values]
    return pa.array(values, type=arrow_type)


def wkb_of(geometries: list[Any]) -> list[bytes | None]:
    texts = [g if g is None or isinstance(g, str) else g.decode() for g in geometries]
    return list(shapely.to_wkb(shapely.from_geojson(texts)))


def output_name(layer: Layer, name: str, fmt: str) -> str:
    """The field's name in the file. LIBKML takes a field ``id`` as the Placemark id (and then
    drops it), so in KML it is written as ``<layer>_id`` (``incident_id``)."""
    if fmt == "kml" and name == "id":
        return f"{layer.name.rstrip('s')}_id"
    return name


def _schema(layer: Layer, fmt: str, name_column: bool) -> pa.Schema:
    fields = [pa.field(output_name(layer, name, fmt), _arrow_type(kind, fmt)) for name, kind in layer.fields]
    if name_column:
        fields.insert(0, pa.field("name", pa.string()))
    return pa.schema([*fields, pa.field("geometry", pa.binary())])


def _batches(layer: Layer, schema: pa.Schema, fmt: str, name_column: bool) -> Iterator[pa.RecordBatch]:
    label_index = layer.field_names.index(layer.label_field) if name_column and layer.label_field else None
    for batch in layer.batches():
        if not batch:
            continue
        columns = list(zip(*batch, strict=True))
        data_fields = list(schema)[1 if name_column else 0:-1]
        arrays = [_values(list(col), kind, out.type)
                  for (_, kind), col, out in zip(layer.fields, columns[:-1], data_fields, strict=True)]
        if name_column:
            labels = [None if label_index is None else columns[label_index][i] for i in range(len(batch))]
            arrays.insert(0, pa.array([None if v is None else str(v) for v in labels], type=pa.string()))
        arrays.append(pa.array(wkb_of(list(columns[-1])), type=pa.binary()))
        yield pa.RecordBatch.from_arrays(arrays, schema=schema)


def _flat(metadata: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
            for key, value in metadata.items() if value not in (None, [], {})}


def write_ogr(export: DatasetExport, metadata: dict[str, Any], fmt: str, path: Path) -> None:
    """Write every layer of ``export`` to ``path`` as GeoPackage or KML."""
    driver = DRIVERS[fmt]
    name_column = fmt == "kml"
    for index, layer in enumerate(export.layers):
        if name_column and "name" in layer.field_names:
            name_column_here = False
        else:
            name_column_here = name_column
        schema = _schema(layer, fmt, name_column_here)
        reader = pa.RecordBatchReader.from_batches(schema, _batches(layer, schema, fmt, name_column_here))
        kwargs: dict[str, Any] = {}
        if fmt == "gpkg":
            kwargs["layer_metadata"] = _flat(metadata)
            if index == 0:
                kwargs["dataset_metadata"] = _flat(metadata)
                # GeoPackage 1.2: what QGIS 3.22 / GDAL 3.6 read without a version warning
                # (GDAL >= 3.9 writes 1.4 by default, which they flag as newer than they know)
                kwargs["dataset_options"] = {"VERSION": "1.2"}
        elif index == 0:
            marking = metadata.get("marking")
            kwargs["dataset_options"] = {
                "NAME": f"[{marking}] {export.title}" if marking else export.title,
                "DESCRIPTION": "\n".join(metadata_lines(metadata))}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            pyogrio.write_arrow(reader, str(path), layer=layer.name, driver=driver, geometry_name="geometry",
                                geometry_type=layer.geometry_type, crs="EPSG:4326", append=index > 0,
                                **kwargs)
    if fmt == "kml":  # GDAL writes no <Style>: give the placemarks the map's colours
        from pks_geo.export.kml_style import add_styles

        add_styles(path)
