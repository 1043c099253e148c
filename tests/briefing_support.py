"""Shared set-up for the briefing tests (saved views, print maps, embeds).

Each test module gets a database of its own (they insert incidents, users and views) with
the Konawe Selatan boundaries, a fixed set of incidents whose descriptions and actors carry
marker strings (so a test can prove they never reach a map), and one user per role with an
API token.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from sqlalchemy import Engine, text

from pks_geo import schema
from pks_geo.auth import tokens, users
from pks_geo.db import get_engine
from pks_geo.ingest.boundary_load import load_boundary_paths
from pks_geo.web.background import serve_in_background

SECRET_DESCRIPTION = "URAIAN-RAHASIA-7731"
SECRET_ACTOR = "PELAKU-RAHASIA-4410"
TEST_SECRET_KEY = "briefing-test-secret-key-0123456789"

INCIDENTS_SQL = text("""
INSERT INTO incident (source, external_id, event_date, kategori, location_precision, geom,
                      desa_kode, kecamatan_kode, description, actor1)
SELECT 'uji-briefing', d.kode || '-' || g, DATE '2024-01-01' + CAST((d.rn * 7 + g) % 300 AS integer),
       (ARRAY['bentrok', 'intimidasi', 'politik_uang'])[1 + (d.rn + g) % 3], 'exact',
       ST_PointOnSurface(d.geom), d.kode, d.parent_kode,
       :description || ' ' || d.kode, :actor
FROM (SELECT kode, parent_kode, geom, CAST(row_number() OVER (ORDER BY kode) AS integer) AS rn
      FROM admin_area WHERE level = 'desa') d
CROSS JOIN generate_series(1, 3) g
WHERE g <= d.rn % 4
""")
"""Desa number n (by code) gets n mod 4 incidents: zero, one, two or three."""

ROLE_USERS = {"viewer": "vera", "analyst": "anton", "analyst2": "ani", "admin": "adi"}


@dataclass(frozen=True)
class BriefingDb:
    url: str
    engine: Engine
    tokens: dict[str, str]
    """Bearer token per key of :data:`ROLE_USERS`."""

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def make_briefing_db(database_factory, boundary_paths: list[Path]) -> BriefingDb:  # type: ignore[no-untyped-def]
    url = database_factory.create()
    engine = get_engine(url)
    schema.upgrade(engine)
    load_boundary_paths(engine, boundary_paths, progress=False)
    with engine.begin() as conn:
        conn.execute(INCIDENTS_SQL, {"description": SECRET_DESCRIPTION, "actor": SECRET_ACTOR})
    issued = {}
    for key, name in ROLE_USERS.items():
        role = "analyst" if key == "analyst2" else key
        users.add_user(engine, name, role, "password-123", actor="test")
        issued[key] = tokens.create_token(engine, name, "tests", actor="test")[1]
    return BriefingDb(url=url, engine=engine, tokens=issued)


def serve(app: Flask):  # type: ignore[no-untyped-def]
    """Run ``app`` under waitress on a free loopback port; yields its base URL."""
    return serve_in_background(app)
