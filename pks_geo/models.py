"""ORM models. Geometries are stored in EPSG:4326; metric work reprojects to EPSG:32751.

The schema itself is owned by Alembic (``pks_geo/migrations``); these classes mirror it
so that application code can use typed ORM access where it is convenient.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

STORAGE_SRID = 4326
METRIC_SRID = 32751
"""WGS 84 / UTM zone 51S, which covers Konawe Selatan (areas, distances, densities)."""

LEVELS = ("provinsi", "kabupaten", "kecamatan", "desa")
JENIS = ("provinsi", "kabupaten", "kota", "kecamatan", "desa", "kelurahan", "desa_adat")


class Base(DeclarativeBase):
    pass


class AdminArea(Base):
    """A province, kabupaten/kota, kecamatan or desa/kelurahan, keyed by its Kemendagri code."""

    __tablename__ = "admin_area"
    __table_args__ = (
        CheckConstraint(f"level IN {LEVELS!r}", name="admin_area_level_check"),
    )

    kode: Mapped[str] = mapped_column(String(16), primary_key=True)
    nama: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16), index=True)
    jenis: Mapped[str | None] = mapped_column(String(16))
    parent_kode: Mapped[str | None] = mapped_column(String(16), index=True)
    geom = mapped_column(Geometry("MULTIPOLYGON", srid=STORAGE_SRID, spatial_index=False))
    area_km2: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(500))
    loaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # migration 0008: web-mercator copies for vector tiles, maintained by PostgreSQL
    geom_3857 = mapped_column(Geometry("MULTIPOLYGON", srid=3857, spatial_index=False),
                              Computed("ST_Transform(geom, 3857)"))
    geom_3857_lo = mapped_column(Geometry("GEOMETRY", srid=3857, spatial_index=False),
                                 Computed("ST_Simplify(ST_Transform(geom, 3857), 150, true)"))


# --- incidents, elections, polling stations (TPS) -------------------------------------

KATEGORI = ("bentrok", "kerusuhan", "unjuk_rasa", "kekerasan", "intimidasi", "perusakan",
            "politik_uang", "ujaran_kebencian", "sengketa_lahan", "netralitas", "lainnya")
"""Incident taxonomy codes (FORMATS.md); labels live in data/taxonomy.toml."""
LOCATION_PRECISION = ("exact", "near", "desa", "kecamatan", "kabupaten")
INCIDENT_STATUS = ("unverified", "verified")
STAGES = ("pendaftaran", "kampanye", "masa_tenang", "pemungutan_suara", "rekapitulasi", "pasca")
KERAWANAN = ("kurang rawan", "rawan", "sangat rawan")
ROLES = ("viewer", "analyst", "editor", "admin")
"""Ordered: each role can do everything the roles before it can."""


class Election(Base):
    """An election (``pemilu-2019``) with its voting day; stages are in :class:`ElectionStage`."""

    __tablename__ = "election"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    voting_day: Mapped[date] = mapped_column(Date)
    region_kode: Mapped[str | None] = mapped_column(String(16))


class ElectionStage(Base):
    """A stage window (kampanye, masa_tenang, ...) of one election; dates inclusive."""

    __tablename__ = "election_stage"
    __table_args__ = (UniqueConstraint("election_code", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)


class Incident(Base):
    """One conflict incident, identified by (source, external_id) across re-imports."""

    __tablename__ = "incident"
    __table_args__ = (UniqueConstraint("source", "external_id"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    source: Mapped[str] = mapped_column(String(100))
    external_id: Mapped[str] = mapped_column(String(100))
    event_date: Mapped[date] = mapped_column(Date, index=True)
    date_precision: Mapped[int] = mapped_column(SmallInteger, default=1)
    kategori: Mapped[str] = mapped_column(String(32))  # no index: see migration 0014
    original_type: Mapped[str | None] = mapped_column(String(200))
    sub_type: Mapped[str | None] = mapped_column(String(200))
    actor1: Mapped[str | None] = mapped_column(Text)
    actor2: Mapped[str | None] = mapped_column(Text)
    meninggal: Mapped[int | None] = mapped_column(Integer)
    luka: Mapped[int | None] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text)
    """Sensitive: may name people. Only analysts and above may read it."""
    sumber: Mapped[str | None] = mapped_column(Text)
    place_name: Mapped[str | None] = mapped_column(Text)
    location_precision: Mapped[str] = mapped_column(String(16))
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False), nullable=True)
    desa_kode: Mapped[str | None] = mapped_column(String(16), index=True)
    kecamatan_kode: Mapped[str | None] = mapped_column(String(16), index=True)
    counted: Mapped[bool] = mapped_column(Boolean, default=True)
    """False for events located only to a region (ACLED geo_precision 3): stored, not counted."""
    election_code: Mapped[str | None] = mapped_column(String(64), index=True)
    stage: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(16), default="unverified")
    row_hash: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class PollingSite(Base):
    """A polling station (TPS) of one election, identified by its 13-digit KPU code."""

    __tablename__ = "polling_site"
    __table_args__ = (UniqueConstraint("election_code", "kode_tps"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code"))
    kode_tps: Mapped[str] = mapped_column(String(13))
    no_tps: Mapped[int] = mapped_column(Integer)
    desa_kode: Mapped[str] = mapped_column(String(16), index=True)
    kecamatan_kode: Mapped[str] = mapped_column(String(16), index=True)
    dpt: Mapped[int | None] = mapped_column(Integer)
    geom = mapped_column(Geometry("POINT", srid=STORAGE_SRID, spatial_index=False), nullable=True)
    location_precision: Mapped[str] = mapped_column(String(16))
    alamat: Mapped[str | None] = mapped_column(Text)
    kategori_kerawanan: Mapped[str | None] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(100))
    row_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- users, tokens, audit -------------------------------------------------------------


class User(Base):
    __tablename__ = "app_user"
    __table_args__ = (Index("uq_app_user_username_lower", text("lower(username)"), unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(300))
    role: Mapped[str] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    session_generation: Mapped[int] = mapped_column(Integer, server_default=text("0"))
    """Raised by log-out, password change, disable and role change: ends every session at once."""


class LoginThrottle(Base):
    """Failed log-ins per ``user:<name>`` and per ``addr:<client address>`` in a fixed window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ApiToken(Base):
    """An API token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class AuditEvent(Base):
    """Who changed what, when, with the record before and after (JSON)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    action: Mapped[str] = mapped_column(String(32))
    entity: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[str] = mapped_column(String(100))
    before = mapped_column(JSONB, nullable=True)
    after = mapped_column(JSONB, nullable=True)


# --- analysis: data versions for caches and ETags (migration 0005) ----------------------


class DataVersion(Base):
    """Bumped by a statement trigger whenever its table changes (once per transaction)."""

    __tablename__ = "data_version"

    table_name: Mapped[str] = mapped_column(String(63), primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_txid: Mapped[int | None] = mapped_column(BigInteger)


# --- security planning: TPS risk overrides (migration 0006) ---------------------------------


class TpsRiskOverride(Base):
    """A category set by hand for one TPS of one election, with its reason (audited)."""

    __tablename__ = "tps_risk_override"
    __table_args__ = (UniqueConstraint("election_code", "kode_tps",
                                       name="tps_risk_override_election_tps_key"),)

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    election_code: Mapped[str] = mapped_column(ForeignKey("election.code", ondelete="CASCADE"))
    kode_tps: Mapped[str] = mapped_column(String(13))
    kategori: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


# --- briefings: saved views (migration 0007) ------------------------------------------------


class SavedView(Base):
    """A named choropleth (metric, filters, classification, extent) with a short URL-safe id,
    printed as a briefing map, embedded in an iframe or saved as a self-contained HTML file."""

    __tablename__ = "saved_view"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    layers = mapped_column(JSONB, nullable=False)
    metric: Mapped[str] = mapped_column(String(32))
    smooth: Mapped[str | None] = mapped_column(String(16))
    filters = mapped_column(JSONB, nullable=False)
    classification = mapped_column(JSONB, nullable=False)
    extent = mapped_column(JSONB, nullable=True)
    created_by: Mapped[str] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
