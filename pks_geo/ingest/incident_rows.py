"""Validation of one incident record: the single rule book for every way incidents arrive.

Every incident importer (ACLED, district-team sheet, GeoJSON, demo data) and the HTTP API
call :func:`validate_incident`, so a date, a count or a kategori means the same thing
whichever door it came through.

Interface (stable; the API imports it)
--------------------------------------
``validate_incident(fields, row, *, calendar=None, taxonomy=None)
-> tuple[IncidentRecord | None, list[Issue]]``

``fields``
    A mapping of field name -> value. Names are matched case-insensitively with spaces
    trimmed; either the district-sheet names or the ``incident`` column names may be used
    (see :data:`FIELD_NAMES`): ``id``/``external_id``, ``tanggal``/``event_date``,
    ``kategori``, ``deskripsi``/``description``, ``lat``/``latitude``, ``lon``/``longitude``,
    ``kode_desa``/``desa_kode``, ``desa``, ``kecamatan``, ``meninggal``, ``luka``,
    ``sumber``, ``tahapan``/``stage``, ``election``/``election_code``, ``original_type``,
    ``sub_type``, ``actor1``, ``actor2``, ``place_name``, ``date_precision``,
    ``location_precision``, ``counted``, ``status``. Values may be strings (as read from
    CSV/JSON), numbers, ``date``/``datetime`` (XLSX) or None; unknown names are ignored.
``row``
    The line/row/feature number used in the returned issues (None for API calls).
``calendar``
    The :class:`~pks_geo.ingest.elections.ElectionCalendar` used to tag election and stage.
    Pass ``calendar_from_db(conn)`` so that codes exist in the database; the default is
    the calendar of ``data/elections.toml``.
``taxonomy``
    Defaults to ``data/taxonomy.toml``.

Returns ``(record, issues)``. When ``record`` is None the row is refused and ``issues``
are the reasons (at least one). When ``record`` is set, ``issues`` are warnings. Each
:class:`~pks_geo.ingest.report.Issue` names ``row``, ``field`` (the name the caller
used, e.g. ``"event_date"`` or ``"tanggal"``) and ``reason``.

Rules: dates ``YYYY-MM-DD``, ``DD/MM/YYYY``, ``DD-MM-YYYY``, ``14 January 2018`` (English
or Indonesian month names), ``date``/``datetime``; impossible and future dates refused.
kategori: code, Indonesian or English label or alias from the taxonomy. Counts: empty
means unknown (None), never 0; negative or fractional refused. lat/lon: ``.`` or ``,``
decimal mark; both or neither; values that cannot be coordinates refused (a latitude
beyond 90 whose longitude could be a latitude is left for the locator's swap check).
A location is required: coordinates, a desa code, or a desa name. Election and stage
come from the calendar when the date falls in a stage window; an explicit ``tahapan``
wins (with a warning when it disagrees with the calendar). Without ``id`` a stable id is
derived from the content (``h-`` + hash), so re-importing the same row is recognised.

The record is not located here: :mod:`pks_geo.ingest.locate` fills ``desa_kode``,
``kecamatan_kode``, ``location_precision`` and may swap ``lat``/``lon``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from pks_geo.ingest.codes import normalize_kode
from pks_geo.ingest.elections import ElectionCalendar, file_calendar
from pks_geo.ingest.reasons import reason
from pks_geo.ingest.report import Issue
from pks_geo.ingest.taxonomy import Taxonomy, load_taxonomy
from pks_geo.ingest.values import (
    CACHE_LIMIT,
    FieldError,
    clean_text,
    content_hash,
    parse_coordinate,
    parse_count,
    parse_date,
    parse_flag,
    parse_stage,
)
from pks_geo.models import INCIDENT_STATUS, KATEGORI, LOCATION_PRECISION

FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "external_id": ("id", "external_id"),
    "tanggal": ("tanggal", "event_date"),
    "date_precision": ("date_precision",),
    "kategori": ("kategori",),
    "original_type": ("original_type",),
    "sub_type": ("sub_type",),
    "actor1": ("actor1",),
    "actor2": ("actor2",),
    "meninggal": ("meninggal",),
    "luka": ("luka",),
    "deskripsi": ("deskripsi", "description"),
    "sumber": ("sumber",),
    "place_name": ("place_name", "lokasi"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "kode_desa": ("kode_desa", "desa_kode"),
    "desa": ("desa", "kelurahan", "desa_kelurahan"),
    "kecamatan": ("kecamatan",),
    "tahapan": ("tahapan", "stage"),
    "election": ("election", "election_code", "pemilihan"),
    "location_precision": ("location_precision",),
    "counted": ("counted",),
    "status": ("status",),
}
"""canonical name -> accepted names (first present wins)."""
_ALIAS = {alias: canonical for canonical, names in FIELD_NAMES.items() for alias in names}

MAX_LENGTHS = {"external_id": 100, "original_type": 200, "sub_type": 200}
@dataclass(slots=True)
class IncidentRecord:
    """A validated incident: the columns of table ``incident`` plus the location inputs.

    ``lat``/``lon``/``kode_desa``/``desa_name``/``kecamatan_name`` are what the input said;
    ``desa_kode``/``kecamatan_kode``/``location_precision`` are filled by the locator.
    ``location_precision`` may arrive as a hint (ACLED: exact, near, kabupaten).
    """

    external_id: str
    event_date: date
    kategori: str
    row_hash: str
    date_precision: int = 1
    original_type: str | None = None
    sub_type: str | None = None
    actor1: str | None = None
    actor2: str | None = None
    meninggal: int | None = None
    luka: int | None = None
    description: str | None = None
    sumber: str | None = None
    place_name: str | None = None
    lat: float | None = None
    lon: float | None = None
    kode_desa: str | None = None
    desa_name: str | None = None
    kecamatan_name: str | None = None
    location_precision: str | None = None
    counted: bool = True
    election_code: str | None = None
    stage: str | None = None
    status: str = "unverified"
    row: int | None = None
    source: str | None = None
    desa_kode: str | None = None
    kecamatan_kode: str | None = None

    def column_values(self) -> dict[str, object]:
        """Values for the ``incident`` table (geometry as EWKT, or None)."""
        geom = (f"SRID=4326;POINT({self.lon!r} {self.lat!r})"
                if self.lat is not None and self.lon is not None else None)
        return {
            "source": self.source, "external_id": self.external_id, "event_date": self.event_date,
            "date_precision": self.date_precision, "kategori": self.kategori,
            "original_type": self.original_type, "sub_type": self.sub_type, "actor1": self.actor1,
            "actor2": self.actor2, "meninggal": self.meninggal, "luka": self.luka,
            "description": self.description, "sumber": self.sumber, "place_name": self.place_name,
            "location_precision": self.location_precision, "geom": geom,
            "desa_kode": self.desa_kode, "kecamatan_kode": self.kecamatan_kode,
            "counted": self.counted, "election_code": self.election_code, "stage": self.stage,
            "status": self.status, "row_hash": self.row_hash,
        }


# --- the validation ---------------------------------------------------------------------

_KEYS: dict[object, str | None] = {}
"""Caller's field name -> canonical name (None: ignored); names repeat on every row."""
TEXT_FIELDS = ("original_type", "sub_type", "actor1", "actor2", "deskripsi", "sumber", "place_name")


def canonical_name(key: object) -> str | None:
    """The canonical field for a caller's name (case and surrounding spaces ignored)."""
    try:
        return _KEYS[key]
    except KeyError:
        canonical = _ALIAS.get(key.strip().lower()) if isinstance(key, str) else None
        if len(_KEYS) < CACHE_LIMIT:
            _KEYS[key] = canonical
        return canonical


class _Row:
    """One row being validated: values by canonical name, and the problems found so far.

    Problems are kept as (canonical name, reason) and turned into Issues named the way the
    caller named the field only at the end, so the common (clean) row pays nothing for it."""

    __slots__ = ("fields", "values", "errors", "warnings")

    def __init__(self, fields: dict[str, object]) -> None:
        self.fields = fields
        values: dict[str, object] = {}
        for key, value in fields.items():
            canonical = canonical_name(key)
            if canonical is not None and canonical not in values:
                values[canonical] = value
        self.values = values
        self.errors: list[tuple[str, str]] = []
        self.warnings: list[tuple[str, str]] = []

    def text(self, canonical: str) -> str | None:
        value = self.values.get(canonical)
        if value is None:
            return None
        if value.__class__ is str:
            return value.strip() or None  # type: ignore[attr-defined]
        return clean_text(value)

    def check_lengths(self, texts: dict[str, str | None]) -> None:
        for canonical, limit in MAX_LENGTHS.items():
            value = texts.get(canonical)
            if value is not None and len(value) > limit:
                self.errors.append((canonical, reason("too_long", limit=limit)))

    def read(self, canonical: str, reader: Callable[[object], object]) -> object:
        try:
            return reader(self.values.get(canonical))
        except FieldError as exc:
            self.errors.append((canonical, exc.reason))
            return None

    def issues(self, found: list[tuple[str, str]], row: int | None) -> list[Issue]:
        names: dict[str, Any] = {}
        for key in self.fields:
            canonical = canonical_name(key)
            if canonical is not None:
                names.setdefault(canonical, key)
        return [Issue(row, names.get(canonical, canonical), reason) for canonical, reason in found]


def _read_kategori(r: _Row, taxonomy: Taxonomy) -> str | None:
    text = r.text("kategori")
    if text is None:
        r.errors.append(("kategori", reason("required")))
        return None
    code = taxonomy.kategori(text)
    if code is None:
        r.errors.append(("kategori", reason("unknown_kategori", text=text, codes=", ".join(KATEGORI))))
    return code


def _read_date(r: _Row) -> date | None:
    raw = r.values.get("tanggal")
    if not isinstance(raw, date) and clean_text(raw) is None:
        r.errors.append(("tanggal", reason("required")))
        return None
    day = r.read("tanggal", parse_date)
    if not isinstance(day, date):
        return None
    if day > date.today():
        r.errors.append(("tanggal", reason("date_in_future", date=day.isoformat())))
        return None
    if day.year < 1900:
        r.errors.append(("tanggal", reason("date_before_1900", date=day.isoformat())))
        return None
    return day


def _read_point(r: _Row) -> tuple[float | None, float | None]:
    lat = r.read("lat", parse_coordinate)
    lon = r.read("lon", parse_coordinate)
    if (lat is None) != (lon is None):
        missing = "lon" if lon is None else "lat"
        if not any(name == missing for name, _ in r.errors):
            r.errors.append((missing, reason("lat_lon_together")))
        return None, None
    if not isinstance(lat, float) or not isinstance(lon, float):
        return None, None
    if abs(lon) > 180 or abs(lat) > 180 or (abs(lat) > 90 and abs(lon) > 90):
        r.errors.append(("lat", reason("not_wgs84", lat=lat, lon=lon)))
        return None, None
    return lat, lon


def _read_location(r: _Row) -> tuple[str | None, str | None, str | None]:
    kode_text = r.text("kode_desa")
    kode_desa = normalize_kode(kode_text) if kode_text else None
    if kode_text and (kode_desa is None or kode_desa.count(".") != 3):
        r.errors.append(("kode_desa", reason("bad_desa_code", text=kode_text)))
    return kode_desa, r.text("desa"), r.text("kecamatan")


def _read_election(r: _Row, day: date | None, calendar: ElectionCalendar
                   ) -> tuple[str | None, str | None]:
    stage = r.read("tahapan", parse_stage)
    election = r.text("election")
    if election is not None and election not in calendar.codes:
        known = ", ".join(sorted(calendar.codes)) or "none loaded"
        r.errors.append(("election", reason("unknown_election", election=election, known=known)))
        return None, None
    if day is None:
        return election, stage  # type: ignore[return-value]
    hit = calendar.stage_for(day)
    if hit is not None and election in (None, hit[0]):
        if stage is not None and stage != hit[1]:
            r.warnings.append(("tahapan", reason("stage_differs", stage=stage, calendar_stage=hit[1],
                                                 election=hit[0], date=day.isoformat())))
        return hit[0], stage or hit[1]  # type: ignore[return-value]
    if stage is not None and election is None:
        election = calendar.election_for(day)
        if election is None:
            r.warnings.append(("tahapan", reason("no_election_near", date=day.isoformat())))
    return election, stage  # type: ignore[return-value]


def _read_flags(r: _Row) -> tuple[int, str | None, bool, str]:
    date_precision = r.read("date_precision", parse_count)
    if date_precision is None:
        date_precision = 1
    elif date_precision not in (1, 2, 3):
        r.errors.append(("date_precision", reason("bad_date_precision", value=date_precision)))
    precision = r.text("location_precision")
    if precision is not None and precision not in LOCATION_PRECISION:
        r.errors.append(("location_precision", reason("not_one_of", allowed=", ".join(LOCATION_PRECISION))))
    counted = r.read("counted", parse_flag)
    status = r.text("status") or "unverified"
    if status not in INCIDENT_STATUS:
        r.errors.append(("status", reason("not_one_of", allowed=", ".join(INCIDENT_STATUS))))
    return date_precision, precision, counted is not False, status  # type: ignore[return-value]


def validate_incident(fields: dict[str, object], row: int | None, *,
                      calendar: ElectionCalendar | None = None,
                      taxonomy: Taxonomy | None = None) -> tuple[IncidentRecord | None, list[Issue]]:
    """Check and normalise one incident; see the module docstring for the contract."""
    r = _Row(fields)
    day = _read_date(r)
    kategori = _read_kategori(r, taxonomy or load_taxonomy())
    date_precision, precision, counted, status = _read_flags(r)
    meninggal = r.read("meninggal", parse_count)
    luka = r.read("luka", parse_count)
    lat, lon = _read_point(r)
    kode_desa, desa_name, kecamatan_name = _read_location(r)
    if lat is None and kode_desa is None and desa_name is None and not r.errors:
        r.errors.append(("lat", reason("no_location")))
    election, stage = _read_election(r, day, calendar if calendar is not None else file_calendar())
    texts = [r.text(name) for name in TEXT_FIELDS]
    external_id = r.text("external_id")
    r.check_lengths({"external_id": external_id, "original_type": texts[0], "sub_type": texts[1]})
    if r.errors or day is None or kategori is None:
        return None, r.issues(r.errors, row)

    row_hash = content_hash((external_id, day.toordinal(), date_precision, kategori, *texts, meninggal,
                             luka, lat, lon, kode_desa, desa_name, kecamatan_name, precision, counted,
                             election, stage, status))
    original_type, sub_type, actor1, actor2, description, sumber, place_name = texts
    record = IncidentRecord(
        external_id=external_id or f"h-{row_hash[:24]}", event_date=day, kategori=kategori,
        row_hash=row_hash, date_precision=date_precision, original_type=original_type,
        sub_type=sub_type, actor1=actor1, actor2=actor2, meninggal=meninggal,  # type: ignore[arg-type]
        luka=luka, description=description, sumber=sumber, place_name=place_name,  # type: ignore[arg-type]
        lat=lat, lon=lon, kode_desa=kode_desa, desa_name=desa_name, kecamatan_name=kecamatan_name,
        location_precision=precision, counted=counted, election_code=election, stage=stage,
        status=status, row=row)
    return record, r.issues(r.warnings, row) if r.warnings else []
