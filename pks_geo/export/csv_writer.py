"""CSV roster: one row per feature of the dataset's roster layer, with ``lon``/``lat``.

The file holds the header row and the data rows only, so Excel, LibreOffice and pandas open it
cleanly (``#`` metadata lines at the top showed as data rows in Excel, issue 19). The metadata
(marking first, filters, who and when) is its companion ``<name>.metadata.txt``:
``/api/v1/export/<dataset>.txt`` with the same parameters ("Unduh metadata (TXT)" in the map's
export menu; the CLI writes it beside the CSV). Polygons (choropleth, hotspots) get the coordinates of a point
inside the area. Rows are written batch by batch (memory flat); layers that come from
PostGIS are written by PostgreSQL's own ``COPY ... CSV``.

Formula injection (OWASP "CSV Injection"): a text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is written with a leading single quote, so Excel, LibreOffice
and Google Sheets show it as text instead of running it (``=HYPERLINK(...)`` in a description,
``@SUM(...)`` in a TPS address). Numbers stay numbers: numeric columns are never touched, and a
text cell that is a plain decimal number (``-4.05``) is left as it is, since a spreadsheet reads
it as that number and nothing else. :func:`neutralise` here and :func:`neutralise_sql` (for the
``COPY`` path) apply the same rule.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import orjson
import shapely

from pks_geo.export.metadata import metadata_lines
from pks_geo.export.model import DatasetExport, Layer

MIMETYPE = "text/csv; charset=utf-8"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
PLAIN_NUMBER_SQL = r"^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"


def neutralise(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_sql(expr: str) -> str:
    """The same rule as :func:`neutralise` as a SQL expression over a text column ``expr``."""
    return (f"CASE WHEN {expr} ~ '^[-=+@\\t\\r]' AND {expr} !~ '{PLAIN_NUMBER_SQL}' "
            f"THEN '''' || {expr} ELSE {expr} END")


def _cell(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "json":
        return orjson.dumps(value, option=orjson.OPT_SERIALIZE_NUMPY, default=str).decode()
    if kind == "bool":
        return "true" if value else "false"
    if isinstance(value, str):
        return neutralise(value)
    return value


def label_points(geometries: list[Any]) -> list[tuple[float | None, float | None]]:
    """(lon, lat) of each GeoJSON geometry text: the point itself, else a point inside it."""
    geoms = shapely.from_geojson([g if g is None or isinstance(g, str) else g.decode() for g in geometries])
    out: list[tuple[float | None, float | None]] = []
    for geom in geoms:
        if geom is None or geom.is_empty:
            out.append((None, None))
            continue
        point = geom if geom.geom_type == "Point" else geom.point_on_surface()
        out.append((round(point.x, 6), round(point.y, 6)))
    return out


def _rows(layer: Layer) -> Iterator[bytes]:
    kinds = [kind for _, kind in layer.fields]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    # QUOTE_MINIMAL quotes only the line terminator's characters: a lone CR would end the row
    # for every reader, so a row holding one is written with every field quoted
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow([*layer.field_names, "lon", "lat"])
    for batch in layer.batches():
        points = label_points([row[-1] for row in batch])
        for row, (lon, lat) in zip(batch, points, strict=True):
            cells = ([_cell(v, k) for v, k in zip(row[:-1], kinds, strict=True)]
                     + ["" if lon is None else lon, "" if lat is None else lat])
            has_cr = any(isinstance(cell, str) and "\r" in cell for cell in cells)
            (quoted if has_cr else writer).writerow(cells)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    rest = buffer.getvalue()
    if rest:
        yield rest.encode("utf-8")


def metadata_text(metadata: dict[str, Any]) -> bytes:
    """The export's metadata as ``key: value`` lines (marking first): the CSV's companion file."""
    first = {"marking": metadata["marking"]} if metadata.get("marking") else {}
    return "".join(f"{line}\n" for line in metadata_lines({**first, **metadata})).encode("utf-8")


def csv_chunks(export: DatasetExport, metadata: dict[str, Any]) -> Iterator[bytes]:
    layer = export.layer(export.roster)
    yield from (layer.csv_batches() if layer.csv_batches is not None else _rows(layer))
