"""ORM models. Geometries are stored in EPSG:4326; metric work reprojects to EPSG:32751.

The schema itself is owned by Alembic (``pks_geo/migrations``); these classes mirror it
so that application code can use typed ORM access where it is convenient.
"""

from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, DateTime, Float, String, func
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
