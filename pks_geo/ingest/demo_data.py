"""The demo dataset: synthetic incidents 2017-2019 and TPS lists, clearly labelled "contoh".

Shown by ``pks-geo demo`` so that the maps and statistics have something to work on
before real data are imported. Everything is seeded, so loading twice changes nothing,
and everything carries source ``contoh`` (descriptions start with ``[CONTOH]``), so
:func:`remove_demo` can delete it without touching real data.

What it looks like:

* a few hundred incidents clustered in a hot spot of six adjoining desa (a random desa and
  the five nearest to it; points within 1.5 km of each desa centre) plus scattered ones
  elsewhere, so the Gi* layer has a real cluster to show with its defaults; most fall in
  election stages, with far more per day in kampanye, masa tenang and pemungutan suara; the
  kategori mix follows the stage (politik uang in masa tenang, unjuk rasa during rekapitulasi, sengketa lahan
  outside elections); about one in ten is located only to its desa;
* TPS for ``pilgub-sultra-2018`` and ``pemilu-2019`` in every desa of the region:
  several per desa (more in kelurahan), 150-300 voters each, points inside the desa,
  vulnerability higher in the hotspot desa.

Rows go through the same validation, locating and storing as imported files.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.elections import ElectionCalendar, calendar_from_db
from pks_geo.ingest.incident_rows import validate_incident
from pks_geo.ingest.incident_store import store_incidents
from pks_geo.ingest.report import ImportFailed, ImportReport
from pks_geo.ingest.table_statistics import analyze_tables
from pks_geo.ingest.taxonomy import load_taxonomy
from pks_geo.ingest.tps import TpsRecord, store_tps, validate_tps

DEMO_SOURCE = "contoh"
SEED = 20240917
INCIDENTS = 360
HOTSPOTS = 6
HOTSPOT_SHARE = 0.55
ELECTION_SHARE = 0.75
TPS_ELECTIONS = ("pilgub-sultra-2018", "pemilu-2019")
INCIDENT_ELECTIONS = {"pilkades-2017": 0.2, "pilgub-sultra-2018": 0.35, "pemilu-2019": 0.45}
STAGE_WEIGHTS = {"pendaftaran": 0.08, "kampanye": 0.40, "masa_tenang": 0.14, "pemungutan_suara": 0.16,
                 "rekapitulasi": 0.14, "pasca": 0.08}
KATEGORI_MIX: dict[str | None, dict[str, float]] = {
    "pendaftaran": {"unjuk_rasa": 3, "intimidasi": 2, "netralitas": 2, "ujaran_kebencian": 1.5,
                    "lainnya": 1.5},
    "kampanye": {"perusakan": 5, "ujaran_kebencian": 4, "politik_uang": 3, "intimidasi": 3,
                 "bentrok": 2, "netralitas": 2, "unjuk_rasa": 1},
    "masa_tenang": {"politik_uang": 9, "intimidasi": 4, "perusakan": 3, "ujaran_kebencian": 2,
                    "bentrok": 2},
    "pemungutan_suara": {"intimidasi": 5, "bentrok": 4, "politik_uang": 4, "perusakan": 3,
                         "kerusuhan": 2, "netralitas": 2},
    "rekapitulasi": {"unjuk_rasa": 9, "kerusuhan": 4, "intimidasi": 3, "bentrok": 2, "perusakan": 2},
    "pasca": {"unjuk_rasa": 3, "bentrok": 2.5, "kekerasan": 2, "kerusuhan": 1.5, "lainnya": 1},
    None: {"sengketa_lahan": 7, "bentrok": 5, "kekerasan": 4, "unjuk_rasa": 2, "lainnya": 2},
}
"""Relative frequency of each kategori per stage (None: outside any election)."""
VIOLENT = {"bentrok", "kerusuhan", "kekerasan"}
SUMBER = ("Laporan Polsek (contoh)", "Media lokal (contoh)", "Bawaslu (contoh)", "Warga (contoh)")
KERAWANAN_WEIGHTS = {True: (0.25, 0.45, 0.30), False: (0.75, 0.22, 0.03)}
"""(kurang rawan, rawan, sangat rawan) for TPS in hotspot desa (True) and elsewhere."""

CLUSTER_SQL = text("""
SELECT a.kode FROM admin_area a, admin_area s
WHERE s.kode = :seed AND a.level = 'desa' AND a.kode LIKE :prefix
ORDER BY ST_Distance(a.geom, s.geom), ST_Distance(ST_Centroid(a.geom), ST_Centroid(s.geom)), a.kode
LIMIT :n
""")
"""The seed desa and its nearest desa: touching polygons first (distance 0), then by centroid."""

DESA_SQL = text("""
SELECT kode, nama, jenis FROM admin_area
WHERE level = 'desa' AND kode LIKE :prefix ORDER BY kode
""")
POINTS_SQL = text("""
SELECT w.kode, ST_X(p.geom), ST_Y(p.geom)
FROM unnest(CAST(:kodes AS text[]), CAST(:counts AS int[]), CAST(:radii AS float8[]))
     WITH ORDINALITY AS w(kode, n, radius, seed)
JOIN admin_area a ON a.kode = w.kode
CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(
    CASE WHEN w.radius > 0 THEN ST_CollectionExtract(ST_Intersection(a.geom, ST_Buffer(
        ST_PointOnSurface(a.geom)::geography, w.radius)::geometry), 3)
    ELSE a.geom END, w.n, CAST(:seed AS int) + CAST(w.seed AS int))) p
ORDER BY w.seed, p.path
""")
"""Seeded random points inside each desa (or within ``radius`` metres of its centre)."""


@dataclass(frozen=True)
class Desa:
    kode: str
    nama: str
    jenis: str


def _points(conn: Connection, wanted: dict[str, int], radius: float, seed: int
            ) -> dict[str, list[tuple[float, float]]]:
    """``wanted[kode]`` points inside each desa, as (lon, lat), deterministic for ``seed``."""
    kodes = sorted(k for k, n in wanted.items() if n > 0)
    out: dict[str, list[tuple[float, float]]] = {k: [] for k in kodes}
    if kodes:
        rows = conn.execute(POINTS_SQL, {"kodes": kodes, "counts": [wanted[k] for k in kodes],
                                         "radii": [radius] * len(kodes), "seed": seed})
        for kode, lon, lat in rows:
            out[kode].append((lon, lat))
    return out


def _pick(rng: random.Random, weights: dict) -> object:  # type: ignore[type-arg]
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _incident_day(rng: random.Random, calendar: ElectionCalendar) -> tuple[date, str | None]:
    """A day and its stage: mostly inside an election's stage window, else any day 2017-2019."""
    elections = {e.code: e for e in calendar.elections}
    if rng.random() < ELECTION_SHARE:
        election = elections.get(str(_pick(rng, INCIDENT_ELECTIONS)))
        if election is not None:
            stage = str(_pick(rng, {s: w for s, w in STAGE_WEIGHTS.items() if s in election.stages}))
            start, end = election.stages[stage]
            return start + timedelta(days=rng.randrange((end - start).days + 1)), stage
    day = date(2017, 1, 1) + timedelta(days=rng.randrange(3 * 365))
    hit = calendar.stage_for(day)
    return day, hit[1] if hit else None


def _counts(rng: random.Random, kategori: str) -> tuple[object, object]:
    """(meninggal, luka): violent kategori injure more; about one in five is left unknown."""
    if rng.random() < 0.2:
        return "", ""
    if kategori in VIOLENT:
        return (1 if rng.random() < 0.08 else 0), rng.choice((0, 0, 1, 1, 2, 3, 5))
    return 0, (1 if rng.random() < 0.1 else 0)


def demo_incident_fields(conn: Connection, desa: list[Desa], hotspots: list[Desa],
                         calendar: ElectionCalendar, rng: random.Random) -> list[dict[str, object]]:
    """The demo incidents as import fields (the district-sheet names)."""
    labels = load_taxonomy()
    plans = []
    for number in range(1, INCIDENTS + 1):
        place = rng.choice(hotspots) if rng.random() < HOTSPOT_SHARE else rng.choice(desa)
        day, stage = _incident_day(rng, calendar)
        kategori = str(_pick(rng, KATEGORI_MIX[stage]))
        plans.append((number, place, day, stage, kategori, rng.random() < 0.1))
    hot = {d.kode for d in hotspots}
    wanted_hot: dict[str, int] = {}
    wanted_other: dict[str, int] = {}
    for _, place, *_rest, by_desa in plans:
        if not by_desa:
            target = wanted_hot if place.kode in hot else wanted_other
            target[place.kode] = target.get(place.kode, 0) + 1
    points = _points(conn, wanted_hot, 1500.0, SEED) | _points(conn, wanted_other, 0.0, SEED + 1)
    fields = []
    for number, place, day, stage, kategori, by_desa in plans:
        meninggal, luka = _counts(rng, kategori)
        row: dict[str, object] = {
            "id": f"contoh-{day.year}-{number:04d}", "tanggal": day.isoformat(), "kategori": kategori,
            "deskripsi": (f"[CONTOH] Data sintetis: {labels.label(kategori).lower()} di "
                          f"{place.jenis} {place.nama}" + (f" (tahapan {stage.replace('_', ' ')})"
                                                           if stage else "") + "."),
            "meninggal": meninggal, "luka": luka, "sumber": rng.choice(SUMBER),
            "status": "verified" if rng.random() < 0.7 else "unverified",
        }
        if by_desa:
            row["kode_desa"] = place.kode
        else:
            row["lon"], row["lat"] = points[place.kode].pop()
        fields.append(row)
    return fields


def demo_tps_fields(conn: Connection, desa: list[Desa], hotspots: list[Desa], election: str,
                    rng: random.Random, seed: int) -> list[dict[str, object]]:
    """A TPS list for ``election``: every desa, several TPS each, 150-300 voters per TPS."""
    hot = {d.kode for d in hotspots}
    few = election.startswith("pilgub")  # fewer, larger TPS than in the 2019 general election
    sizes = {d.kode: (rng.randint(4, 8) if few else rng.randint(5, 10)) if d.jenis == "kelurahan"
             else (rng.randint(2, 4) if few else rng.randint(2, 5)) for d in desa}
    points = _points(conn, sizes, 0.0, seed)
    rows: list[dict[str, object]] = []
    for d in desa:
        for number, (lon, lat) in enumerate(points[d.kode], start=1):
            kerawanan = rng.choices(("kurang rawan", "rawan", "sangat rawan"),
                                    weights=KERAWANAN_WEIGHTS[d.kode in hot])[0]
            rows.append({"kode_desa": d.kode, "no_tps": number,
                         "dpt": rng.randint(180, 300) if few else rng.randint(150, 290),
                         "lat": lat, "lon": lon, "kategori_kerawanan": kerawanan,
                         "alamat": f"CONTOH: TPS {number:03d} {d.jenis.title()} {d.nama}"})
    return rows


def load_demo(engine: Engine, region_kode: str) -> list[ImportReport]:
    """Load (or confirm, unchanged) the demo incidents and TPS of ``region_kode``, one transaction."""
    rng = random.Random(SEED)
    reports = []
    with engine.begin() as conn:
        desa = [Desa(*row) for row in conn.execute(DESA_SQL, {"prefix": f"{region_kode}.%"})]
        if not desa:
            raise ImportFailed(f"no desa of {region_kode} are loaded: load the boundaries first")
        calendar = calendar_from_db(conn)
        missing = [code for code in (*INCIDENT_ELECTIONS, *TPS_ELECTIONS) if code not in calendar.codes]
        if missing:
            raise ImportFailed(f"elections {', '.join(sorted(set(missing)))} are not loaded: "
                               "run 'pks-geo elections load' first")
        seed = rng.sample(desa, min(HOTSPOTS, len(desa)))[0]
        near = set(conn.scalars(CLUSTER_SQL, {"seed": seed.kode, "prefix": f"{region_kode}.%",
                                              "n": HOTSPOTS}))
        hotspots = [d for d in desa if d.kode in near]
        report = ImportReport(source=f"demo incidents ({DEMO_SOURCE})")
        records = []
        for number, fields in enumerate(demo_incident_fields(conn, desa, hotspots, calendar, rng), 1):
            record, issues = validate_incident(fields, number, calendar=calendar)
            report.read += 1
            if record is None:
                report.rejected.extend(issues)
            else:
                records.append(record)
        store_incidents(conn, records, DEMO_SOURCE, report, created_by="demo")
        reports.append(report)
        for offset, election in enumerate(TPS_ELECTIONS, start=2):
            tps_report = ImportReport(source=f"demo TPS {election} ({DEMO_SOURCE})")
            tps: list[TpsRecord] = []
            for number, fields in enumerate(demo_tps_fields(conn, desa, hotspots, election, rng,
                                                            SEED + offset), 1):
                tps_record, issues = validate_tps(fields, number)
                tps_report.read += 1
                if tps_record is None:
                    tps_report.rejected.extend(issues)
                else:
                    tps.append(tps_record)
            store_tps(conn, tps, election, DEMO_SOURCE, tps_report, replace_other=False)
            reports.append(tps_report)
    analyze_tables(engine, "incident", "polling_site")
    return reports


def remove_demo(engine: Engine) -> tuple[int, int]:
    """Delete the demo rows (source ``contoh``) and nothing else; returns (incidents, TPS)."""
    with engine.begin() as conn:
        incidents = conn.execute(text("DELETE FROM incident WHERE source = :s"), {"s": DEMO_SOURCE})
        tps = conn.execute(text("DELETE FROM polling_site WHERE source = :s"), {"s": DEMO_SOURCE})
    analyze_tables(engine, "incident", "polling_site")
    return incidents.rowcount, tps.rowcount
