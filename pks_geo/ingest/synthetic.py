"""Synthetic incidents and TPS over any loaded area, for benchmarks and demonstrations at scale.

Real incident data exist for one kabupaten; Polda and Bawaslu work at province level and the
nation has ~800,000 TPS. To measure maps, tiles and statistics at those sizes the generator
scatters N incidents and N TPS over the loaded areas below ``within``, set-based inside
PostGIS: the N points are shared out among the areas (a seeded multinomial draw), then
``ST_GeneratePoints`` places each area's share inside its polygon and one
``INSERT ... SELECT`` writes them all, so 100,000 rows take a few seconds.

Rules that keep synthetic rows apart from real ones:

- the ``source`` must start with ``synthetic`` (default ``synthetic``), so that
  :func:`remove_synthetic` can never delete an ACLED or district-team import;
- incidents get ``created_by = 'pks-geo synth'`` and ids ``syn-<run>-<n>``;
- incidents are shared out by surface, TPS evenly among the desa (they follow people);
- points lie inside their area, which is also their ``desa_kode``/``kecamatan_kode``
  (incidents fall in the finest loaded level: desa, else kecamatan; TPS need desa);
- incident dates are uniform in 2017-2024 and tagged with the election and stage whose
  window contains them (as the importers do); TPS belong to one election (default: the
  latest loaded) and are numbered after the TPS already in their desa.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

from pks_geo.ingest.codes import normalize_kode
from pks_geo.ingest.table_statistics import analyze_tables
from pks_geo.models import KATEGORI

DEFAULT_SOURCE = "synthetic"
CREATED_BY = "pks-geo synth"
MAX_TPS_PER_DESA = 999
"""The KPU code has three digits for the TPS number."""
DATE_FROM, DATE_TO = "2017-01-01", "2024-12-31"
OVERSAMPLE = "c.n + c.n / 10 + 10"
"""``ST_GeneratePoints`` sometimes returns a point or two fewer than asked (PostGIS samples a
grid and gives up after a fixed number of tries), so a few more are asked for and the first
``n`` of each area kept: the row count is then exactly the requested one."""


class SynthError(ValueError):
    """Bad generator input; ``parameter`` names the option (``--within``, ``--tps``, ...)."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(f"{parameter}: {message}")
        self.parameter = parameter


@dataclass(frozen=True)
class SynthResult:
    incidents: int
    tps: int
    incident_level: str | None
    areas: int
    source: str
    election: str | None
    seconds: float

    def summary(self) -> str:
        parts = []
        if self.incidents:
            parts.append(f"{self.incidents} incidents in {self.areas} {self.incident_level}")
        if self.tps:
            parts.append(f"{self.tps} TPS of {self.election}")
        return f"synthetic data ({self.source}): {', '.join(parts)} in {self.seconds:.1f} s"


AREAS_SQL = text("""
SELECT kode, parent_kode, area_km2 FROM admin_area
WHERE level = :level AND (CAST(:within AS text) IS NULL OR kode = :within OR kode LIKE :within || '.%')
ORDER BY kode
""")

INSERT_INCIDENTS = text(f"""
WITH share AS (
    SELECT * FROM unnest(CAST(:kodes AS text[]), CAST(:counts AS integer[])) AS c(kode, n) WHERE n > 0
), pts AS (
    SELECT a.kode, a.level, a.parent_kode, d.path[1] AS k, d.geom
    FROM share c JOIN admin_area a USING (kode)
    CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(a.geom, {OVERSAMPLE}, CAST(:seed AS integer))) d
    WHERE d.path[1] <= c.n
), rnd AS (
    SELECT pts.*,
           (DATE '{DATE_FROM}' + floor(random() * (DATE '{DATE_TO}' - DATE '{DATE_FROM}' + 1))::int) AS day,
           row_number() OVER (ORDER BY pts.kode, pts.k) AS n
    FROM pts
)
INSERT INTO incident (source, external_id, event_date, date_precision, kategori, location_precision, geom,
                      desa_kode, kecamatan_kode, counted, election_code, stage, status, meninggal, luka,
                      sumber, created_by)
SELECT :source, 'syn-' || :run || '-' || r.n, r.day, 1,
       (CAST(:kategori AS text[]))[1 + floor(random() * cardinality(CAST(:kategori AS text[])))::int],
       'exact', r.geom,
       CASE WHEN r.level = 'desa' THEN r.kode END,
       CASE WHEN r.level = 'desa' THEN r.parent_kode ELSE r.kode END,
       true, t.election_code, t.stage,
       CASE WHEN random() < 0.7 THEN 'verified' ELSE 'unverified' END,
       CASE WHEN random() < 0.3 THEN NULL ELSE (random() < 0.05)::int END,
       CASE WHEN random() < 0.3 THEN NULL ELSE floor(random() * random() * 4)::int END,
       'synthetic', '{CREATED_BY}'
FROM rnd r
LEFT JOIN LATERAL (
    SELECT s.election_code, s.stage FROM election_stage s JOIN election e ON e.code = s.election_code
    WHERE r.day BETWEEN s.start_date AND s.end_date
    ORDER BY abs(e.voting_day - r.day), e.code LIMIT 1
) t ON true
""")

EXISTING_TPS = text("""
SELECT desa_kode, max(no_tps) FROM polling_site
WHERE election_code = :election AND desa_kode = ANY(:kodes) GROUP BY desa_kode
""")
INSERT_TPS = text(f"""
WITH share AS (
    SELECT * FROM unnest(CAST(:kodes AS text[]), CAST(:counts AS integer[]), CAST(:first AS integer[]))
           AS c(kode, n, first_no) WHERE n > 0
), pts AS (
    SELECT a.kode, a.parent_kode, c.first_no + d.path[1] - 1 AS no_tps, d.geom
    FROM share c JOIN admin_area a USING (kode)
    CROSS JOIN LATERAL ST_Dump(ST_GeneratePoints(a.geom, {OVERSAMPLE}, CAST(:seed AS integer))) d
    WHERE d.path[1] <= c.n
)
INSERT INTO polling_site (election_code, kode_tps, no_tps, desa_kode, kecamatan_kode, dpt, geom,
                          location_precision, source)
SELECT :election, replace(p.kode, '.', '') || lpad(p.no_tps::text, 3, '0'), p.no_tps, p.kode, p.parent_kode,
       150 + floor(random() * 151)::int, p.geom, 'exact', :source
FROM pts p
""")


def check_source(source: str) -> str:
    """Synthetic sources must say so in their name (see the module docstring)."""
    source = (source or "").strip()
    if not source.startswith(DEFAULT_SOURCE) or len(source) > 100:
        raise SynthError("--source", f"a synthetic source name must start with {DEFAULT_SOURCE!r} "
                                     f"(at most 100 characters), got {source!r}")
    return source


def _within(conn: Connection, within: str | None) -> str | None:
    if within is None:
        return None
    kode = normalize_kode(within)
    if kode is None:
        raise SynthError("--within", f"expected a Kemendagri code like 74.05, got {within!r}")
    if conn.execute(text("SELECT 1 FROM admin_area WHERE kode = :k"), {"k": kode}).first() is None:
        raise SynthError("--within", f"area {kode} is not loaded")
    return kode


def _areas(conn: Connection, level: str, within: str | None) -> list[tuple[str, str | None, float]]:
    return [tuple(row) for row in conn.execute(AREAS_SQL, {"level": level, "within": within})]  # type: ignore[misc]


def _share(rng: np.random.Generator, total: int, areas: list[tuple[str, str | None, float]],
           by_area: bool = True) -> list[int]:
    """``total`` points shared out in proportion to area (incidents), or evenly (TPS, which
    follow people rather than surface)."""
    weights = np.array([max(a[2] or 0.0, 1e-6) if by_area else 1.0 for a in areas], dtype="float64")
    return [int(n) for n in rng.multinomial(total, weights / weights.sum())]


def _election(conn: Connection, election: str | None) -> str:
    if election is not None:
        if conn.execute(text("SELECT 1 FROM election WHERE code = :c"), {"c": election}).first() is None:
            raise SynthError("--election", f"unknown election {election!r}; load it with "
                                           "'pks-geo elections load' first")
        return election
    code = conn.execute(text("SELECT code FROM election ORDER BY voting_day DESC, code LIMIT 1")).scalar()
    if code is None:
        raise SynthError("--election", "TPS belong to an election and none is loaded; "
                                       "run 'pks-geo elections load' first")
    return str(code)


def synthesize(engine: Engine, *, incidents: int = 0, tps: int = 0, within: str | None = None,
               seed: int = 0, source: str = DEFAULT_SOURCE, election: str | None = None) -> SynthResult:
    """Insert ``incidents`` incidents and ``tps`` TPS below ``within``, in one transaction."""
    started = time.perf_counter()
    source = check_source(source)
    for name, value in (("--incidents", incidents), ("--tps", tps)):
        if value < 0:
            raise SynthError(name, f"must be 0 or more, got {value}")
    rng = np.random.default_rng(seed)
    pg_seed = int(seed % 2_000_000_000) + 1  # ST_GeneratePoints wants a seed above zero
    level: str | None = None
    n_areas = 0
    election_code = None
    with engine.begin() as conn:
        kode = _within(conn, within)
        conn.execute(text("SELECT setseed(:s)"), {"s": (seed % 1_000_000) / 1_000_000})
        if incidents:
            level, areas = next(((lvl, a) for lvl in ("desa", "kecamatan") if (a := _areas(conn, lvl, kode))),
                                (None, []))
            if not areas:
                raise SynthError("--within", f"no desa or kecamatan boundaries loaded"
                                             f"{' below ' + kode if kode else ''}")
            n_areas = len(areas)
            inserted = conn.execute(INSERT_INCIDENTS, {
                "kodes": [a[0] for a in areas], "counts": _share(rng, incidents, areas), "seed": pg_seed,
                "source": source, "run": secrets.token_hex(4), "kategori": list(KATEGORI)}).rowcount
            _check_count("incidents", inserted, incidents)
        if tps:
            election_code = _election(conn, election)
            _insert_tps(conn, rng, tps, kode, election_code, pg_seed, source)
    analyze_tables(engine, "incident", "polling_site")
    return SynthResult(incidents, tps, level, n_areas, source, election_code, time.perf_counter() - started)


def _insert_tps(conn: Connection, rng: np.random.Generator, total: int, within: str | None,
                election: str, seed: int, source: str) -> None:
    desa = _areas(conn, "desa", within)
    if not desa:
        raise SynthError("--tps", f"TPS are placed in desa and no desa boundaries are loaded"
                                  f"{' below ' + within if within else ''}")
    counts = _share(rng, total, desa, by_area=False)
    kodes = [d[0] for d in desa]
    existing: dict[str, Any] = {kode: last for kode, last in
                                conn.execute(EXISTING_TPS, {"election": election, "kodes": kodes})}
    first = [int(existing.get(k) or 0) + 1 for k in kodes]
    crowded = [k for k, n, f in zip(kodes, counts, first, strict=True) if n and f - 1 + n > MAX_TPS_PER_DESA]
    if crowded:
        raise SynthError("--tps", f"{len(crowded)} desa would get more than {MAX_TPS_PER_DESA} TPS "
                                  f"(e.g. {crowded[0]}); ask for fewer TPS or a larger area")
    inserted = conn.execute(INSERT_TPS, {"kodes": kodes, "counts": counts, "first": first, "seed": seed,
                                         "election": election, "source": source}).rowcount
    _check_count("TPS", inserted, total)


def _check_count(what: str, inserted: int, wanted: int) -> None:
    """Exactly N rows or nothing: a shortfall aborts (and so rolls back) the transaction."""
    if inserted != wanted:
        raise RuntimeError(f"generated {inserted} {what} instead of {wanted}; nothing was stored")


def remove_synthetic(engine: Engine, source: str = DEFAULT_SOURCE) -> tuple[int, int]:
    """Delete the incidents and TPS of a synthetic ``source``; returns (incidents, tps) removed."""
    source = check_source(source)
    with engine.begin() as conn:
        n_incidents = conn.execute(text("DELETE FROM incident WHERE source = :s"), {"s": source}).rowcount
        n_tps = conn.execute(text("DELETE FROM polling_site WHERE source = :s"), {"s": source}).rowcount
    analyze_tables(engine, "incident", "polling_site")
    return n_incidents, n_tps
