"""Polling-station (TPS) lists -> table ``polling_site`` of one election.

A TPS is identified by KPU's 13 digits (desa code without dots + 3-digit number), given
as ``kode_tps`` or as ``kode_desa`` + ``no_tps``. Its desa is the one its code names;
coordinates, when given, are checked against that desa (see :mod:`pks_geo.ingest.locate`).
Same transaction, duplicate, dry-run and re-import rules as the incident import.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from tqdm import tqdm

from pks_geo.ingest.codes import normalize_kode
from pks_geo.ingest.copy_rows import copy_into
from pks_geo.ingest.incident_load import (
    PROGRESS_EVERY,
    InspectCallback,
    ProgressCallback,
    RefusedImport,
    check_source,
    gc_paused,
    row_rejection,
    sort_issues,
)
from pks_geo.ingest.locate import create_locate_table, locate_tps, located_issues
from pks_geo.ingest.reasons import reason
from pks_geo.ingest.report import ImportFailed, ImportReport, Issue
from pks_geo.ingest.sheet import read_table
from pks_geo.ingest.table_statistics import analyze_tables
from pks_geo.ingest.taxonomy import label_key
from pks_geo.ingest.values import FieldError, clean_text, content_hash, parse_coordinate, parse_count
from pks_geo.models import KERAWANAN

KERAWANAN_WORDS = {label_key(k): k for k in KERAWANAN} | {
    "aman": "kurang rawan", "rawani": "rawan", "rawan1": "rawan", "rawanii": "sangat rawan",
    "rawan2": "sangat rawan",
}
"""Accepted spellings; the older Polri scale (aman / rawan I / rawan II) maps with a warning."""
DPT_WARN = 800
"""More voters than this at one TPS is implausible (KPU caps: 500 in 2019, 800 in 2018)."""


@dataclass(slots=True)
class TpsRecord:
    kode_tps: str
    no_tps: int
    kode_desa: str
    row_hash: str
    dpt: int | None = None
    lat: float | None = None
    lon: float | None = None
    alamat: str | None = None
    kategori_kerawanan: str | None = None
    row: int | None = None


def _tps_code(fields: dict[str, object], errors: list[Issue], row: int | None
              ) -> tuple[str, int, str] | None:
    number: int | None
    kode_tps = clean_text(fields.get("kode_tps"))
    kode_desa_text = clean_text(fields.get("kode_desa"))
    no_text = clean_text(fields.get("no_tps"))
    if kode_tps is not None:
        digits = kode_tps.replace(".", "").replace(" ", "")
        if not (digits.isdigit() and len(digits) == 13):
            errors.append(Issue(row, "kode_tps", reason("tps_code_digits", text=kode_tps)))
            return None
        kode_desa, number = normalize_kode(digits[:10]), int(digits[10:])
    elif kode_desa_text is not None and no_text is not None:
        kode_desa = normalize_kode(kode_desa_text)
        try:
            number = parse_count(no_text)
        except FieldError as exc:
            errors.append(Issue(row, "no_tps", exc.reason))
            return None
    else:
        errors.append(Issue(row, "kode_tps", reason("tps_code_missing")))
        return None
    if kode_desa is None or kode_desa.count(".") != 3:
        errors.append(Issue(row, "kode_desa", reason("not_desa_code", text=kode_desa_text or kode_tps)))
        return None
    if number is None or not 1 <= number <= 999:
        errors.append(Issue(row, "no_tps", reason("tps_number_range", number=number)))
        return None
    if kode_desa_text and normalize_kode(kode_desa_text) not in (kode_desa, None) and kode_tps:
        errors.append(Issue(row, "kode_desa",
                            reason("tps_code_disagrees", kode_desa=kode_desa_text, kode_tps=kode_tps)))
        return None
    return kode_desa.replace(".", "") + f"{number:03d}", number, kode_desa


def validate_tps(fields: dict[str, object], row: int | None) -> tuple[TpsRecord | None, list[Issue]]:
    """Check one TPS row; same contract as :func:`validate_incident` (None + reasons, or warnings)."""
    errors: list[Issue] = []
    warnings: list[Issue] = []
    code = _tps_code(fields, errors, row)
    values: dict[str, object] = {}
    for name, reader in (("dpt", parse_count), ("lat", parse_coordinate), ("lon", parse_coordinate)):
        try:
            values[name] = reader(fields.get(name))
        except FieldError as exc:
            errors.append(Issue(row, name, exc.reason))
    if (values.get("lat") is None) != (values.get("lon") is None) and not errors:
        errors.append(Issue(row, "lat", reason("lat_lon_together")))
    dpt = values.get("dpt")
    if isinstance(dpt, int) and dpt > DPT_WARN:
        warnings.append(Issue(row, "dpt", reason("dpt_unusual", dpt=dpt)))
    kerawanan_text = clean_text(fields.get("kategori_kerawanan"))
    kerawanan = KERAWANAN_WORDS.get(label_key(kerawanan_text)) if kerawanan_text else None
    if kerawanan_text and kerawanan is None:
        errors.append(Issue(row, "kategori_kerawanan",
                            reason("unknown_kerawanan", text=kerawanan_text, known=", ".join(KERAWANAN))))
    elif kerawanan and label_key(kerawanan_text or "") != label_key(kerawanan):
        warnings.append(Issue(row, "kategori_kerawanan", reason("kerawanan_read_as", text=kerawanan_text,
                                                                          category=kerawanan)))
    if errors or code is None:
        return None, errors
    alamat = clean_text(fields.get("alamat"))
    kode_tps, number, kode_desa = code
    row_hash = content_hash((kode_tps, dpt, values["lat"], values["lon"], alamat, kerawanan))
    return TpsRecord(kode_tps, number, kode_desa, row_hash, dpt, values["lat"], values["lon"],  # type: ignore[arg-type]
                     alamat, kerawanan, row), warnings


STAGE_DDL = """
CREATE TEMP TABLE tps_stage (
    idx integer PRIMARY KEY, row integer, kode_tps text, no_tps integer, dpt integer, alamat text,
    kategori_kerawanan text, content_hash text
) ON COMMIT DROP
"""
STAGE_COLUMNS = ("idx", "row", "kode_tps", "no_tps", "dpt", "alamat", "kategori_kerawanan",
                 "content_hash")
CONTENT = ("no_tps", "desa_kode", "kecamatan_kode", "dpt", "geom", "location_precision", "alamat",
           "kategori_kerawanan", "source", "row_hash")
UPSERT = text(f"""
INSERT INTO polling_site (election_code, kode_tps, {", ".join(CONTENT)})
SELECT :election, d.kode_tps, d.no_tps, l.desa_kode, l.kecamatan_kode, d.dpt, l.geom,
       l.location_precision, d.alamat, d.kategori_kerawanan, :source,
       encode(sha256(convert_to(concat_ws('|', d.content_hash, l.desa_kode, l.location_precision,
           ST_AsEWKT(l.geom)), 'UTF8')), 'hex')
FROM tps_stage d JOIN tps_locate l USING (idx)
WHERE l.problem IS NULL
ON CONFLICT (election_code, kode_tps) DO UPDATE SET
    {", ".join(f"{c} = EXCLUDED.{c}" for c in CONTENT)}, updated_at = now()
WHERE polling_site.row_hash IS DISTINCT FROM EXCLUDED.row_hash
  AND (polling_site.source = EXCLUDED.source OR :replace_other)
RETURNING (xmax = 0) AS inserted
""")


def dedupe_tps(records: list[TpsRecord], report: ImportReport) -> list[TpsRecord]:
    """Exact duplicates once; the same kode_tps with different content refused in every row."""
    first: dict[str, TpsRecord] = {}
    conflicts: dict[str, list[TpsRecord]] = {}
    for record in records:
        seen = first.setdefault(record.kode_tps, record)
        if seen is record:
            continue
        if seen.row_hash == record.row_hash:
            report.warn(record.row, "kode_tps", f"exact duplicate of row {seen.row}: counted once",
                        record.kode_tps)
        else:
            conflicts.setdefault(record.kode_tps, [seen]).append(record)
    for kode, rows in conflicts.items():
        lines = ", ".join(str(r.row) for r in rows)
        for record in rows:
            report.reject(record.row, "kode_tps", f"TPS {kode} appears in rows {lines} with different "
                                                  "content", kode)
    return [r for r in first.values() if r.kode_tps not in conflicts]


def store_tps(conn: Connection, records: list[TpsRecord], election: str, source: str,
              report: ImportReport, *, keep_outside: bool = False, all_or_nothing: bool = False,
              replace_other: bool = True) -> None:
    """Locate and upsert TPS records of ``election`` (the caller owns the transaction).

    ``replace_other=False`` leaves TPS stored by another source untouched (demo data must
    never overwrite real lists)."""
    conn.execute(text("DROP TABLE IF EXISTS tps_stage"))
    conn.execute(text(STAGE_DDL))
    rows = {idx: r.row for idx, r in enumerate(records)}
    copy_into(conn, "tps_stage", STAGE_COLUMNS, (
        (idx, r.row, r.kode_tps, r.no_tps, r.dpt, r.alamat, r.kategori_kerawanan, r.row_hash)
        for idx, r in enumerate(records)))
    create_locate_table(conn, "tps_locate", (
        (idx, r.lon, r.lat, r.lat is not None, r.kode_desa, "kode_tps", None, True)
        for idx, r in enumerate(records)))
    locate_tps(conn, "tps_locate", keep_outside)
    problems = 0
    for idx, (problem, warnings) in located_issues(conn, "tps_locate").items():
        report.warnings.extend(dataclasses.replace(w, row=rows[idx]) for w in warnings)
        if problem is not None:
            problems += 1
            report.rejected.append(dataclasses.replace(problem, row=rows[idx]))
    if all_or_nothing and report.rejected:
        sort_issues(report)
        raise RefusedImport(report)
    staged = len(records) - problems
    flags = conn.execute(UPSERT, {"election": election, "source": source,
                                  "replace_other": replace_other}).scalars().all()
    report.inserted += sum(1 for f in flags if f)
    report.updated += sum(1 for f in flags if not f)
    report.unchanged += staged - len(flags)


def import_tps(engine: Engine, path: Path, election: str, *, source: str | None = None,
               dry_run: bool = False, keep_outside: bool = False, all_or_nothing: bool = False,
               progress: bool = True, on_progress: ProgressCallback | None = None,
               inspect: InspectCallback | None = None) -> ImportReport:
    """Import a TPS list (CSV/XLSX) for ``election``; same rules as incident imports
    (``on_progress``, ``inspect``: as :func:`~pks_geo.ingest.incident_load.import_incidents`)."""
    source = check_source(source, "kpu")
    with engine.connect() as conn:
        known = conn.execute(text("SELECT code FROM election ORDER BY code")).scalars().all()
    if election not in known:
        raise ImportFailed(f"unknown election {election!r} (loaded: {', '.join(known) or 'none'}; "
                           "run 'pks-geo elections load')")
    with gc_paused():
        table = read_table(path)
        table.require(("kode_tps", "kode_desa"))
        if "kode_tps" not in table.columns:
            table.require(("no_tps",))
        report = ImportReport(source=f"{path} [TPS {election}, source {source}]", dry_run=dry_run,
                              read=len(table.rows) + len(table.issues))  # type: ignore[arg-type]
        report.rejected.extend(table.issues)
        report.warnings.extend(table.warnings)
        records = []
        total = len(table.rows)  # type: ignore[arg-type]  # read_table gives a list
        for done, (line, fields) in enumerate(tqdm(table.rows, desc="validating", unit="row",
                                                   disable=not progress, leave=False), 1):
            if on_progress is not None and done % PROGRESS_EVERY == 0:
                on_progress(done, total)
            record, issues = validate_tps(fields, line)
            if record is None:
                report.rejected.append(row_rejection(issues))
            else:
                report.warnings.extend(issues)
                records.append(record)
    with engine.connect() as conn, conn.begin() as tx:
        store_tps(conn, dedupe_tps(records, report), election, source, report,
                  keep_outside=keep_outside, all_or_nothing=all_or_nothing)
        if inspect is not None:
            inspect(conn, report)
        if dry_run:
            tx.rollback()
    if not dry_run:
        analyze_tables(engine, "polling_site")
    sort_issues(report)
    return report
