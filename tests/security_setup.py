"""Data the risk, personnel, patrol and export tests (and bench/bench_export.py) insert themselves.

Each test module builds its own database (boundaries loaded) and adds exactly the elections,
TPS and incidents its assertions are about, so the expected numbers can be worked out by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from pks_geo import schema
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths

DESC = "Rahasia: korban bernama Fulan bin Fulan"
"""A description the export tests look for: it must never reach a viewer."""


def boundary_engine(database_factory, ks_boundary_paths: list[Path]) -> Engine:  # type: ignore[no-untyped-def]
    """A fresh migrated database with the Konawe Selatan boundaries loaded."""
    engine = get_engine(database_factory.create())
    schema.upgrade(engine)
    load_boundary_paths(engine, ks_boundary_paths, progress=False)
    return engine


def add_election(conn: Connection, code: str, voting_day: date, kind: str = "pilkada") -> None:
    conn.execute(text("INSERT INTO election (code, name, kind, voting_day) VALUES (:c, :n, :k, :d)"),
                 {"c": code, "n": f"Pemilihan {code}", "k": kind, "d": voting_day})


def inside(conn: Connection, desa_kode: str) -> tuple[float, float]:
    """A point inside the desa polygon (lon, lat)."""
    return tuple(conn.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_PointOnSurface(geom) AS p FROM admin_area "
        "WHERE kode = :k) s"),
        {"k": desa_kode}).one())


def offset(conn: Connection, lon: float, lat: float, east_m: float,
           north_m: float = 0.0) -> tuple[float, float]:
    """The point ``east_m``/``north_m`` metres from (lon, lat), computed in UTM 51S."""
    return tuple(conn.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Transform(ST_Translate(ST_Transform("
        "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), 32751), :dx, :dy), 4326) AS p) s"),
        {"lon": lon, "lat": lat, "dx": east_m, "dy": north_m}).one())


def add_tps(conn: Connection, election: str, desa_kode: str, no: int, lonlat: tuple[float, float] | None,
            dpt: int | None = 200, kategori: str | None = None) -> str:
    kode_tps = desa_kode.replace(".", "") + f"{no:03d}"
    conn.execute(text("""
        INSERT INTO polling_site (election_code, kode_tps, no_tps, desa_kode, kecamatan_kode, dpt, geom,
                                  location_precision, alamat, kategori_kerawanan, source)
        VALUES (:e, :k, :no, :desa, :kec, :dpt,
                CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                     ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END,
                :prec, :alamat, :kat, 'test')"""),
        {"e": election, "k": kode_tps, "no": no, "desa": desa_kode, "kec": desa_kode[:8], "dpt": dpt,
         "lon": lonlat[0] if lonlat else None, "lat": lonlat[1] if lonlat else None,
         "prec": "exact" if lonlat else "desa", "alamat": f"TPS {no}", "kat": kategori})
    return kode_tps


def add_incident(conn: Connection, ext_id: str, day: date, kategori: str, lonlat: tuple[float, float] | None,
                 desa_kode: str, *, election: str | None = None, precision: str = "exact",
                 meninggal: int | None = None, luka: int | None = None, description: str = DESC) -> int:
    return conn.execute(text("""
        INSERT INTO incident (source, external_id, event_date, kategori, description, meninggal, luka,
                              location_precision, geom, desa_kode, kecamatan_kode, election_code, actor1)
        VALUES ('test', :x, :d, :k, :desc, :m, :l, :p,
                CASE WHEN CAST(:lon AS float8) IS NULL THEN NULL
                     ELSE ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) END,
                :desa, :kec, :e, 'Kelompok A')
        RETURNING id"""),
        {"x": ext_id, "d": day, "k": kategori, "desc": description, "m": meninggal, "l": luka, "p": precision,
         "lon": lonlat[0] if lonlat else None, "lat": lonlat[1] if lonlat else None,
         "desa": desa_kode, "kec": desa_kode[:8], "e": election}).scalar_one()


SYNTHETIC_TPS_SQL = text("""
INSERT INTO polling_site (election_code, kode_tps, no_tps, desa_kode, kecamatan_kode, dpt, geom,
                          location_precision, source)
SELECT :election, replace(d.kode, '.', '') || lpad(n::text, 3, '0'), n, d.kode, d.parent_kode,
       150 + (hashtext(d.kode || n) & 255), ST_PointOnSurface(d.geom), 'exact', 'synthetic'
FROM (SELECT kode, parent_kode, geom, row_number() OVER (ORDER BY kode) AS r
      FROM admin_area WHERE level = 'desa') d
CROSS JOIN generate_series(1, :per_desa) AS n
WHERE d.r <= :n_desa
""")

SYNTHETIC_INCIDENTS_SQL = text("""
INSERT INTO incident (source, external_id, event_date, kategori, description, meninggal, luka,
                      location_precision, geom, desa_kode, kecamatan_kode, election_code, sumber, place_name)
SELECT 'synthetic', 'S' || :batch || '-' || g.n,
       :first_day + (g.n % :days),
       (ARRAY['bentrok','kerusuhan','unjuk_rasa','kekerasan','intimidasi','perusakan','politik_uang',
              'ujaran_kebencian','sengketa_lahan','netralitas','lainnya'])[1 + g.n % 11],
       'Kejadian sintetis nomor ' || g.n || ' di desa ' || d.nama, g.n % 3, g.n % 5,
       'exact', ST_PointOnSurface(d.geom), d.kode, d.parent_kode, NULL, 'Polsek (sintetis)', d.nama
FROM generate_series(1, :n) AS g(n)
JOIN (SELECT kode, parent_kode, nama, geom, row_number() OVER (ORDER BY kode) - 1 AS r
      FROM admin_area WHERE level = 'desa') d ON d.r = g.n % 351
""")


def synthetic_tps(engine: Engine, election: str, n_desa: int = 351, per_desa: int = 3) -> None:
    with engine.begin() as conn:
        conn.execute(SYNTHETIC_TPS_SQL, {"election": election, "n_desa": n_desa, "per_desa": per_desa})


def synthetic_incidents(engine: Engine, n: int, first_day: date, days: int = 365, batch: str = "a") -> None:
    with engine.begin() as conn:
        conn.execute(SYNTHETIC_INCIDENTS_SQL, {"n": n, "first_day": first_day, "days": days, "batch": batch})


JURISDICTIONS = """
[defaults]
reserve_share = 0.25
reserve_source = "test"

[polres.p]
name = "Polres Uji"
post = "polres-uji"
available = 10

[polsek.a]
name = "Polsek A"
polres = "p"
kecamatan = ["74.05.03"]
available = 10
post = "polsek-a"

[polsek.b]
name = "Polsek B"
polres = "p"
kecamatan = ["74.05.11"]
available = 4
post = "polsek-b"
"""

PROFILES = """
[defaults]
profile = "uji"

[profile.uji]
name = "Profil uji (pola Pemilu 2019)"
source = "test: DOMAIN.md Pemilu 2019 pattern"
kurang_rawan = { tps = 4, police = 2, linmas = 6 }
rawan = { tps = 2, police = 4, linmas = 8 }
sangat_rawan = { tps = 2, police = 6, linmas = 8 }

[profile.tanpa-linmas]
name = "Profil tanpa Linmas"
source = "test"
kurang_rawan = { tps = 8, police = 1 }
rawan = { tps = 1, police = 1 }
sangat_rawan = { tps = 1, police = 2, assumed = true, note = "assumed for the test" }
"""

PATROL = """
max_tps = 3
max_diameter_m = 6000
speed_kmh = 30
stop_minutes = 10
detour_factor = 1.5
return_to_post = true
sector_buffer_m = 300
"""


def write_security_dir(folder: Path, posts: list[tuple[str, str, str, str, float, float]],
                       jurisdictions: str = JURISDICTIONS, profiles: str = PROFILES,
                       patrol: str = PATROL) -> Path:
    """A data/security folder for tests: the project's risk.toml, the given posts
    (id, kind, name, polsek, lon, lat) and small jurisdictions/profiles."""
    from pks_geo.planning.security_data import SECURITY_DIR

    folder.mkdir(parents=True, exist_ok=True)
    lines = ["# test posts", "id,kind,name,polsek,kecamatan_kode,lon,lat,source"]
    lines += [f"{pid},{kind},{name},{polsek},,{lon:.7f},{lat:.7f},test"
              for pid, kind, name, polsek, lon, lat in posts]
    (folder / "posts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "jurisdictions.toml").write_text(jurisdictions, encoding="utf-8")
    (folder / "profiles.toml").write_text(profiles, encoding="utf-8")
    (folder / "patrol.toml").write_text(patrol, encoding="utf-8")
    risk = (SECURITY_DIR / "risk.toml").read_text(encoding="utf-8")
    (folder / "risk.toml").write_text(risk, encoding="utf-8")
    return folder


def token_for(engine: Engine, username: str, role: str) -> dict[str, str]:
    """An ``Authorization`` header for a new user of ``role``."""
    from pks_geo.auth.tokens import create_token
    from pks_geo.auth.users import add_user

    add_user(engine, username, role, "password-" + username, actor="test")
    _, token = create_token(engine, username, "test", actor="test")
    return {"Authorization": f"Bearer {token}"}
