"""Create, change and delete single incidents (editors, through the API and the web form).

A record typed by an editor passes the same rule book as an imported row
(:func:`~pks_geo.ingest.incident_rows.validate_incident`) and the same PostGIS locating
(:func:`~pks_geo.ingest.locate.locate_record`): a point outside every loaded desa is refused,
swapped coordinates are swapped back with a warning. Each change is written together with
its audit event (before/after) in one transaction, so nothing is half-stored or unaudited.

Field names are the ``incident`` column names (``event_date``, ``description``,
``desa_kode``, ``election_code``, ``stage`` ...) or the district sheet's (``tanggal``,
``deskripsi``, ``kode_desa`` ...), plus ``lat``/``lon`` (or a GeoJSON Point geometry).
Errors are ``{field: message}`` in the name the caller used.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, text

from pks_geo import audit
from pks_geo.ingest.elections import ElectionCalendar, calendar_from_db
from pks_geo.ingest.incident_rows import FIELD_NAMES, IncidentRecord, validate_incident
from pks_geo.ingest.locate import locate_record
from pks_geo.ingest.reasons import joined
from pks_geo.ingest.report import Issue

MANUAL_SOURCE = "manual"
"""Source of incidents recorded by hand when the caller names none."""
CANONICAL = {alias: canonical for canonical, names in FIELD_NAMES.items() for alias in names}
API_NAMES = {"tanggal": "event_date", "deskripsi": "description", "tahapan": "stage",
             "election": "election_code", "kode_desa": "desa_kode"}
"""Validator field name -> the name the API uses when the caller did not name the field."""
READ_ONLY = frozenset({"id", "kecamatan_kode", "desa_nama", "kecamatan_nama", "created_by",
                       "created_at", "updated_at", "row_hash"})
IDENTITY = frozenset({"source", "external_id", "id"})
"""Fixed once stored: (source, external_id) is how re-imports recognise a record."""
LOCATION = frozenset({"lat", "lon", "kode_desa", "desa", "kecamatan", "location_precision"})
ELECTION = frozenset({"tahapan", "election"})
COLUMNS = ("source", "external_id", "event_date", "date_precision", "kategori", "original_type",
           "sub_type", "actor1", "actor2", "meninggal", "luka", "description", "sumber",
           "place_name", "location_precision", "desa_kode", "kecamatan_kode", "counted",
           "election_code", "stage", "status")
"""Columns an edit writes (``geom`` and ``row_hash`` are handled beside them)."""


class EditError(Exception):
    """A refused edit: HTTP-like ``status`` (400, 404, 409, 422) and ``errors`` {field: message}."""

    def __init__(self, status: int, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.status = status
        self.errors = errors


def issues_to_errors(issues: list[Issue]) -> dict[str, str]:
    """{field: message}; several messages for one field are joined with '; '."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for issue in issues:
        name = issue.field or "record"
        grouped[API_NAMES.get(name, name)].append(issue.reason)
    return {name: joined(reasons) for name, reasons in grouped.items()}


def fields_from_body(body: dict[str, Any], *, patch: bool) -> dict[str, object]:
    """Plain fields from a JSON object or a GeoJSON Feature; unknown and read-only names refused."""
    errors: dict[str, str] = {}
    fields: dict[str, object] = {}
    if body.get("type") == "Feature":
        props = body.get("properties")
        if not isinstance(props, dict):
            raise EditError(400, {"properties": "a Feature needs a properties object"})
        fields.update(props)
        if "geometry" in body:
            geometry = body["geometry"]
            if geometry is None:
                fields.update(lat=None, lon=None)
            elif (isinstance(geometry, dict) and geometry.get("type") == "Point"
                  and isinstance(geometry.get("coordinates"), list)
                  and len(geometry["coordinates"]) in (2, 3)):
                fields.update(lon=geometry["coordinates"][0], lat=geometry["coordinates"][1])
            else:
                errors["geometry"] = "geometry must be a GeoJSON Point [lon, lat] or null"
    else:
        fields.update(body)
    for name, value in fields.items():
        key = name.strip().lower()
        if patch and key in IDENTITY:
            errors[name] = "cannot be changed (it identifies the record)"
        elif key in READ_ONLY:
            errors[name] = "read-only (set by the server)"
        elif key not in CANONICAL and key != "source":
            errors[name] = "unknown field"
        elif value is not None and not isinstance(value, str | int | float | bool):
            errors[name] = "must be a string, number, boolean or null"
    if errors:
        raise EditError(400, errors)
    if patch and not fields:
        raise EditError(400, {"body": "no fields to change"})
    return fields


def _check_source(value: object) -> str:
    source = str(value).strip() if value is not None else ""
    if not source or len(source) > 100:
        raise EditError(422, {"source": "must be 1-100 characters"})
    return source


def _validate_and_locate(conn: Connection, fields: dict[str, object]
                         ) -> tuple[IncidentRecord, dict[str, str]]:
    if not any(CANONICAL.get(k.strip().lower()) == "counted" for k in fields):
        fields = {**fields, "counted": True}  # the default; the locator may still clear it
    calendar = calendar_from_db(conn)
    record, issues = validate_incident(fields, None, calendar=calendar)
    if record is None:
        raise EditError(422, issues_to_errors(issues + _location_problems(conn, fields, calendar)))
    located, located_issues = locate_record(conn, record)
    if located is None:
        raise EditError(422, issues_to_errors(located_issues))
    return located, issues_to_errors(issues + located_issues)


LOCATION_PROBE = {"tanggal": "2000-01-01", "kategori": "lainnya"}
"""Stand-ins for the two fields every record needs, so that the location can be checked alone."""


def _location_problems(conn: Connection, fields: dict[str, object],
                       calendar: ElectionCalendar) -> list[Issue]:
    """Why the location alone would be refused, when other fields already failed.

    An editor should see every mistake at once: a future date must not hide that the point
    lies outside the district. Location errors of the fields themselves (an unreadable
    latitude) are already among the first round's issues, so only locating is checked here.
    """
    located_fields = {k: v for k, v in fields.items() if CANONICAL.get(k.strip().lower()) in LOCATION}
    probe, issues = validate_incident({**located_fields, **LOCATION_PROBE}, None, calendar=calendar)
    if probe is None:
        return []
    located, problems = locate_record(conn, probe)
    return problems if located is None else []


PLACE_SQL = text("""
SELECT d.nama AS desa, k.nama AS kecamatan, i.location_precision
FROM incident i
LEFT JOIN admin_area d ON d.kode = i.desa_kode
LEFT JOIN admin_area k ON k.kode = i.kecamatan_kode
WHERE i.id = :id
""")


def located_in(engine: Engine, incident_id: int) -> dict[str, str | None] | None:
    """Desa and kecamatan names an incident was placed in (what the form reports after saving)."""
    with engine.connect() as conn:
        row = conn.execute(PLACE_SQL, {"id": incident_id}).mappings().first()
    return dict(row) if row else None


_STORED = """
SELECT source, external_id, event_date, date_precision, kategori, original_type, sub_type,
       actor1, actor2, meninggal, luka, description, sumber, place_name, location_precision,
       desa_kode, counted, election_code, stage, status, ST_Y(geom) AS lat, ST_X(geom) AS lon
FROM incident WHERE id = :id
"""
STORED_SQL = text(_STORED + " FOR UPDATE")
FORM_SQL = text(_STORED)


def _stored_fields(conn: Connection, incident_id: int) -> tuple[dict[str, object] | None, str]:
    """(the stored record as validator input in API names, its source), locked until the
    transaction ends; ``(None, "")`` when there is no such incident."""
    row = conn.execute(STORED_SQL, {"id": incident_id}).mappings().first()
    if row is None:
        return None, ""
    fields = {k: row[k] for k in row.keys() if k not in ("lat", "lon", "desa_kode", "source")}
    if row["location_precision"] == "desa" and row["desa_kode"]:
        fields["desa_kode"] = row["desa_kode"]  # re-derived from the desa, not from its old point
    else:
        fields.update(lat=row["lat"], lon=row["lon"])
    return fields, row["source"]


def merge_patch(stored: dict[str, object], changes: dict[str, object]) -> dict[str, object]:
    """The whole record after a PATCH. Changing any location field replaces the stored location
    (and ``counted``); changing the date without an election or stage re-derives them."""
    touched = {CANONICAL[k.strip().lower()] for k in changes}
    drop = set(touched)
    if touched & LOCATION:
        drop |= LOCATION | {"counted"}
    if "tanggal" in touched and not touched & ELECTION:
        drop |= ELECTION
    if "election" in touched and "tahapan" not in touched:
        drop.add("tahapan")
    kept = {k: v for k, v in stored.items() if CANONICAL.get(k) not in drop}
    return {**kept, **changes}


def _params(record: IncidentRecord) -> dict[str, object]:
    values = record.column_values()
    return {**{c: values[c] for c in COLUMNS}, "geom": values["geom"], "row_hash": values["row_hash"]}


INSERT_SQL = text(f"""
INSERT INTO incident ({", ".join(COLUMNS)}, geom, row_hash, created_by)
VALUES ({", ".join(":" + c for c in COLUMNS)}, ST_GeomFromEWKT(:geom), :row_hash, :actor)
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id
""")
UPDATE_SQL = text(f"""
UPDATE incident SET {", ".join(f"{c} = :{c}" for c in COLUMNS)},
    geom = ST_GeomFromEWKT(:geom), row_hash = :row_hash, updated_at = now()
WHERE id = :id AND (({", ".join(COLUMNS)}, ST_AsEWKT(geom))
    IS DISTINCT FROM ({", ".join(":" + c for c in COLUMNS)}, ST_AsEWKT(ST_GeomFromEWKT(:geom))))
RETURNING id
""")
"""Only writes (and bumps ``updated_at``) when some value really changes."""


def create_incident(engine: Engine, body: dict[str, Any], *, actor: str) -> tuple[int, dict[str, str]]:
    """Validate, locate, store and audit a new incident; returns (id, warnings)."""
    fields = fields_from_body(body, patch=False)
    source = _check_source(fields.pop("source", MANUAL_SOURCE))
    with engine.begin() as conn:
        record, warnings = _validate_and_locate(conn, fields)
        record.source = source
        new_id = conn.execute(INSERT_SQL, {**_params(record), "actor": actor}).scalar_one_or_none()
        if new_id is None:
            existing = conn.execute(text("SELECT id FROM incident WHERE source = :s AND external_id = :e"),
                                    {"s": source, "e": record.external_id}).scalar_one()
            raise EditError(409, {"external_id": f"incident {record.external_id!r} of source "
                                                 f"{source!r} already exists (id {existing})"})
        audit.record(conn, actor=actor, action="create", entity="incident", entity_id=new_id,
                     after=audit.incident_state(conn, new_id))
    return new_id, warnings


def update_incident(engine: Engine, incident_id: int, body: dict[str, Any], *,
                    actor: str) -> dict[str, str]:
    """Apply a partial change; unchanged values are not rewritten nor audited. Returns warnings."""
    changes = fields_from_body(body, patch=True)
    with engine.begin() as conn:
        stored, source = _stored_fields(conn, incident_id)
        if stored is None:
            raise EditError(404, {"id": f"no incident {incident_id}"})
        before = audit.incident_state(conn, incident_id)
        record, warnings = _validate_and_locate(conn, merge_patch(stored, changes))
        record.source = source
        changed = conn.execute(UPDATE_SQL, {**_params(record), "id": incident_id}).first()
        if changed is not None:
            audit.record(conn, actor=actor, action="update", entity="incident", entity_id=incident_id,
                         before=before, after=audit.incident_state(conn, incident_id))
    return warnings


def delete_incident(engine: Engine, incident_id: int, *, actor: str) -> None:
    """Delete an incident; the audit event keeps the whole record as ``before``."""
    with engine.begin() as conn:
        conn.execute(text("SELECT 1 FROM incident WHERE id = :id FOR UPDATE"), {"id": incident_id})
        before = audit.incident_state(conn, incident_id)
        if before is None:
            raise EditError(404, {"id": f"no incident {incident_id}"})
        conn.execute(text("DELETE FROM incident WHERE id = :id"), {"id": incident_id})
        audit.record(conn, actor=actor, action="delete", entity="incident", entity_id=incident_id,
                     before=before)


def form_values(engine: Engine, incident_id: int) -> dict[str, object] | None:
    """The stored values for an edit form (API names; ``lat``/``lon`` from the point)."""
    with engine.connect() as conn:
        row = conn.execute(FORM_SQL, {"id": incident_id}).mappings().first()
    return dict(row) if row else None
