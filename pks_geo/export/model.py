"""The shape every export is made of, whatever its format: layers of typed rows.

A dataset (choropleth, incidents, TPS risk, patrol plan ...) is turned into one or more
:class:`Layer` objects; each writer (GeoJSON, CSV, GeoPackage, KML, GPX) reads layers and
knows nothing about datasets. Rows come in *batches* from a generator, so a writer that
streams holds one batch in memory at a time, not the whole export.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from pks_geo.queries.filters import ParameterError

FIELD_TYPES = ("str", "int", "float", "bool", "date", "json")
"""``json`` fields hold lists/dicts: nested in GeoJSON, JSON text in every other format."""

Row = tuple
"""Values in the layer's field order, then the geometry as GeoJSON text (or ``None``)."""


class ExportForbidden(PermissionError):
    """The requester's role may not export this dataset; ``required`` is the role needed."""

    def __init__(self, dataset: str, required: str) -> None:
        super().__init__(f"exporting {dataset} needs the role {required!r} or higher")
        self.dataset = dataset
        self.required = required


class ExportError(ParameterError):
    """A bad export request (unknown dataset/format, a format that cannot carry the data)."""


@dataclass
class Layer:
    name: str
    geometry_type: str
    """GDAL geometry type: ``Point``, ``LineString``, ``Polygon``, ``MultiPolygon`` or ``Unknown``."""
    fields: list[tuple[str, str]]
    """(name, type) in row order; types from :data:`FIELD_TYPES`."""
    batches: Callable[[], Iterator[list[Row]]]
    label_field: str | None = None
    """Field shown as the feature name in KML and GPX."""
    geojson_batches: Callable[[], Iterator[bytes]] | None = None
    """Optional fast path: comma-joined GeoJSON Feature texts, one chunk per batch."""
    csv_batches: Callable[[], Iterator[bytes]] | None = None
    """Optional fast path: CSV bytes (header first) with ``lon``/``lat`` columns."""

    @property
    def field_names(self) -> list[str]:
        return [name for name, _ in self.fields]


@dataclass
class DatasetExport:
    """What a dataset builder returns: its layers and what the metadata must say about them."""

    dataset: str
    title: str
    layers: list[Layer]
    roster: str
    """Name of the layer written to CSV and GPX (one table of points)."""
    sources: list[str] = field(default_factory=list)
    parameters: dict[str, object] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    election: str | None = None
    filters: dict[str, object] = field(default_factory=dict)
    """The validated filters as applied (echoed in the metadata)."""
    gpx_routes: bool = False
    """GPX: write the roster as routes (``route_fid`` / ``route_name`` fields), not waypoints."""

    def layer(self, name: str) -> Layer:
        return next(layer for layer in self.layers if layer.name == name)
