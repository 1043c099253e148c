"""Exports: datasets (choropleth, hotspots, incidents, tps, patrol-plan) in five formats.

:func:`prepare_export` checks the role, builds the dataset's layers and metadata and writes
the audit event (who exported what, when, with which filters) *before* a byte leaves, so a
refused or failed request leaves no trace of data and every export leaves a trace of itself.
The returned :class:`PreparedExport` streams the file (``chunks``) or writes it (``write``).

Who may export what: every role from ``viewer`` gets aggregates (choropleth, hotspots, TPS
with risk, patrol plan); the ``incidents`` dataset, the only one with descriptions and victim
details, needs ``analyst``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pks_geo import audit
from pks_geo.config import Settings
from pks_geo.export import csv_writer, geojson, gpx, ogr
from pks_geo.export.context import ExportContext
from pks_geo.export.datasets_areas import build_choropleth_export, build_hotspots_export
from pks_geo.export.datasets_incidents import build as build_incidents
from pks_geo.export.datasets_security import build_patrol, build_tps
from pks_geo.export.metadata import build_metadata, export_marking
from pks_geo.export.model import DatasetExport, ExportError, ExportForbidden
from pks_geo.queries.region import region_name

__all__ = ["DATASETS", "FORMATS", "ExportContext", "ExportError", "ExportForbidden", "PreparedExport",
           "prepare_export"]

DATASETS: dict[str, tuple[str, Callable[[ExportContext], DatasetExport]]] = {
    "choropleth": ("viewer", build_choropleth_export),
    "hotspots": ("viewer", build_hotspots_export),
    "incidents": ("analyst", build_incidents),
    "tps": ("viewer", build_tps),
    "patrol-plan": ("viewer", build_patrol),
}
"""dataset -> (minimum role, builder)."""

OPERATIONAL = frozenset({"tps", "patrol-plan"})
"""Datasets with operational detail (post positions, risk factors, patrol routes): a logged-in
user only, whatever role anonymous visitors are given."""

FORMATS: dict[str, tuple[str, str]] = {
    "geojson": ("geojson", geojson.MIMETYPE),
    "gpkg": ("gpkg", ogr.MIMETYPES["gpkg"]),
    "kml": ("kml", ogr.MIMETYPES["kml"]),
    "gpx": ("gpx", gpx.MIMETYPE),
    "csv": ("csv", csv_writer.MIMETYPE),
    "txt": ("metadata.txt", "text/plain; charset=utf-8"),
}
"""format -> (file extension, MIME type). ``txt`` is the export's metadata alone (marking first,
``key: value`` lines): the companion of a CSV, which holds only the header and the rows so that
Excel opens it cleanly."""

CHUNK = 1 << 20


@dataclass
class PreparedExport:
    export: DatasetExport
    fmt: str
    metadata: dict[str, Any]

    @property
    def mimetype(self) -> str:
        return FORMATS[self.fmt][1]

    @property
    def filename(self) -> str:
        day = self.metadata["generated_at"][:10]
        parts = ["pks-geo", self.export.dataset, self.export.election or "", day]
        return "-".join(p for p in parts if p) + "." + FORMATS[self.fmt][0]

    def _write_file(self, path: Path) -> None:
        if self.fmt in ogr.DRIVERS:
            ogr.write_ogr(self.export, self.metadata, self.fmt, path)
        else:
            gpx.write_gpx(self.export, self.metadata, path)

    def chunks(self) -> Iterator[bytes]:
        """The file's bytes: streamed as written (GeoJSON, CSV) or read back from a temporary
        file that is removed afterwards (GeoPackage, KML, GPX are written by GDAL)."""
        if self.fmt == "geojson":
            yield from geojson.geojson_chunks(self.export, self.metadata)
            return
        if self.fmt == "csv":
            yield from csv_writer.csv_chunks(self.export, self.metadata)
            return
        if self.fmt == "txt":
            yield csv_writer.metadata_text(self.metadata)
            return
        folder = Path(tempfile.mkdtemp(prefix="pks-geo-export-"))
        try:
            path = folder / self.filename
            self._write_file(path)
            with path.open("rb") as handle:
                while block := handle.read(CHUNK):
                    yield block
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def write(self, path: Path) -> int:
        """Write the export to ``path``; returns its size in bytes."""
        path = Path(path)
        if self.fmt in ("geojson", "csv", "txt"):
            with path.open("wb") as handle:
                for chunk in self.chunks():
                    handle.write(chunk)
            if self.fmt == "csv":  # the metadata beside it (the CSV holds rows only)
                companion = path.with_name(path.stem + ".metadata.txt")
                companion.write_bytes(csv_writer.metadata_text(self.metadata))
        else:
            if path.exists():
                path.unlink()
            self._write_file(path)
        return path.stat().st_size


def check_request(dataset: str, fmt: str) -> None:
    if dataset not in DATASETS:
        raise ExportError("dataset", f"unknown dataset {dataset!r}; expected one of {', '.join(DATASETS)}")
    if fmt not in FORMATS:
        raise ExportError("format", f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")


def prepare_export(ctx: ExportContext, dataset: str, fmt: str, *, marking: str | None = None,
                   now: datetime | None = None) -> PreparedExport:
    """Check, build and audit one export (raises ExportError / ExportForbidden / ParameterError)."""
    check_request(dataset, fmt)
    minimum, builder = DATASETS[dataset]
    if not ctx.allowed(minimum) or (dataset in OPERATIONAL and not ctx.signed_in):
        raise ExportForbidden(dataset, minimum)
    export = builder(ctx)
    metadata = build_metadata(export, fmt, filters=export.filters, actor=ctx.actor, role=ctx.role,
                              marking=export_marking(marking), generated_at=now or datetime.now(UTC),
                              region=region_name(ctx.engine, Settings.from_env().region))
    with ctx.engine.begin() as conn:
        audit.record(conn, actor=ctx.actor, action="export", entity="export", entity_id=f"{dataset}.{fmt}",
                     after={"dataset": dataset, "format": fmt, "role": ctx.role, "election": export.election,
                            "filters": export.filters, "marking": metadata["marking"],
                            "layers": metadata["layers"]})
    return PreparedExport(export, fmt, metadata)
