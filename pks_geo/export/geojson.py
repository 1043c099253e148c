"""Streaming RFC 7946 GeoJSON: one FeatureCollection written as a generator of byte chunks.

The collection header (with the ``metadata`` foreign member, RFC 7946 section 6.1) goes out
first, then the features batch by batch, so memory stays flat however many features there
are. Layers that come from PostGIS hand over ready Feature texts (``ST_AsGeoJSON`` of the
row, fetched as bytes), so nothing is decoded and re-encoded here; other layers are encoded
with orjson. Coordinates are WGS 84 longitude/latitude and there is no ``crs`` member.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from pks_geo.export.model import DatasetExport, Layer

MIMETYPE = "application/geo+json"
_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _feature_chunks(layer: Layer) -> Iterator[bytes]:
    names = layer.field_names
    for batch in layer.batches():
        parts = []
        for row in batch:
            geometry = row[-1]
            if geometry is None:
                geom = b"null"
            else:
                geom = geometry if isinstance(geometry, bytes) else geometry.encode()
            props = orjson.dumps(dict(zip(names, row, strict=False)), option=_OPTIONS, default=str)
            parts.append(b'{"type":"Feature","geometry":' + geom + b',"properties":' + props + b"}")
        if parts:
            yield b",".join(parts)


def geojson_chunks(export: DatasetExport, metadata: dict[str, Any]) -> Iterator[bytes]:
    """The whole FeatureCollection, in chunks of about one batch each."""
    yield (b'{"type":"FeatureCollection","metadata":' + orjson.dumps(metadata, default=str)
           + b',"features":[')
    first = True
    for layer in export.layers:
        chunks = layer.geojson_batches() if layer.geojson_batches is not None else _feature_chunks(layer)
        for chunk in chunks:
            if not chunk:
                continue
            yield chunk if first else b"," + chunk
            first = False
    yield b"]}"
