"""ACLED event exports (CSV or XLSX) -> incident fields for :func:`validate_incident`.

Current exports (31 columns), upper-case headers and the older layout (``data_id`` first,
no ``disorder_type``/``civilian_targeting``/``tags``) all read the same, because columns
are looked up by name. ``event_id_cnty`` is the stable id, so a re-import updates an
event in place. The kategori comes from the editable table in ``data/taxonomy.toml``;
the ACLED event and sub-event types are kept as ``original_type``/``sub_type``.

geo_precision 1 -> ``exact``, 2 -> ``near``, 3 -> ``kabupaten`` (a region centroid: stored,
not counted in any desa or kecamatan).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from pks_geo.ingest.report import Issue
from pks_geo.ingest.sheet import Table, read_grid, require_columns
from pks_geo.ingest.taxonomy import Taxonomy, load_taxonomy

REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
GEO_PRECISION: dict[object, str] = {"1": "exact", "2": "near", "3": "kabupaten", "": "exact",
                                    None: "exact", 1: "exact", 2: "near", 3: "kabupaten"}
"""ACLED geo_precision (text from CSV, numbers from XLSX; 2.0 == 2 as a key) -> precision."""
COPIED = {"id": "event_id_cnty", "tanggal": "event_date", "date_precision": "time_precision",
          "actor1": "actor1", "actor2": "actor2", "meninggal": "fatalities", "deskripsi": "notes",
          "sumber": "source", "place_name": "location", "lat": "latitude", "lon": "longitude"}
"""incident field -> ACLED column copied as is (validated by validate_incident)."""
LABELS = {**COPIED, "kategori": "event_type", "location_precision": "geo_precision",
          "original_type": "event_type", "sub_type": "sub_event_type"}
"""incident field -> ACLED column, so messages name the column the user sees."""


def looks_like_acled(columns: list[str]) -> bool:
    return "event_id_cnty" in columns and "event_type" in columns


class AcledMapper:
    """Turns ACLED rows (lists, by column position) into incident field dicts."""

    def __init__(self, columns: list[str], taxonomy: Taxonomy) -> None:
        position = {name: i for i, name in enumerate(columns) if name}
        self.copied = [(field, position[col]) for field, col in COPIED.items() if col in position]
        self.event = position["event_type"]
        self.sub = position.get("sub_event_type")
        self.geo = position.get("geo_precision")
        self.taxonomy = taxonomy
        self.kinds: dict[tuple[str, str], tuple[str | None, str | None]] = {}

    def _kind(self, event_type: object, sub_type: object) -> tuple[str | None, str | None]:
        """(kategori, warning) per type pair, computed once per distinct pair."""
        key = (str(event_type or "").strip(), str(sub_type or "").strip())
        if key not in self.kinds:
            kategori = self.taxonomy.acled_kategori(*key) if key[0] else None
            warning = None
            if kategori is None and key[0]:
                kategori = "lainnya"
                warning = (f"ACLED type {key[0]!r} / {key[1]!r} is not in the mapping table "
                           "(data/taxonomy.toml); stored as lainnya")
            self.kinds[key] = (kategori, warning)
        return self.kinds[key]

    def fields(self, line: int, values: list[object], warnings: list[Issue]) -> dict[str, object] | Issue:
        """One ACLED row as incident fields, or the Issue that refuses it."""
        width = len(values)
        event_type = values[self.event] if self.event < width else None
        sub_type = values[self.sub] if self.sub is not None and self.sub < width else None
        geo = values[self.geo] if self.geo is not None and self.geo < width else None
        precision = GEO_PRECISION.get(geo.strip() if isinstance(geo, str) else geo)
        if precision is None:
            return Issue(line, "geo_precision", f"must be 1, 2 or 3, got {geo!r}")
        kategori, warning = self._kind(event_type, sub_type)
        if warning:
            warnings.append(Issue(line, "event_type", warning))
        out: dict[str, object] = {f: values[i] for f, i in self.copied if i < width}
        out["kategori"] = kategori
        out["original_type"] = event_type
        out["sub_type"] = sub_type
        out["location_precision"] = precision
        return out


def read_acled(path: Path, taxonomy: Taxonomy | None = None) -> Table:
    """Read an ACLED export; rows carry incident field names (see :data:`LABELS`).

    From CSV the rows are lazy (parsed and mapped while the importer consumes them, so
    storing can start before the whole file is read); from XLSX they are a list."""
    grid = read_grid(path)
    require_columns(path, grid.columns, *((name,) for name in REQUIRED))
    mapper = AcledMapper(grid.columns, taxonomy or load_taxonomy())
    table = Table(path, grid.columns, issues=grid.issues, warnings=list(grid.warnings), labels=dict(LABELS),
                  encoding=grid.encoding, delimiter=grid.delimiter, size_hint=grid.size_hint)
    rows = _mapped(grid.lines, mapper, table)
    table.rows = rows if grid.size_hint is not None else list(rows)
    return table


def _mapped(lines: Iterable[tuple[int, list[object]]], mapper: AcledMapper,
            table: Table) -> Iterator[tuple[int, dict[str, object]]]:
    for line, values in lines:
        fields = mapper.fields(line, values, table.warnings)
        if isinstance(fields, Issue):
            table.issues.append(fields)
        else:
            yield line, fields
