"""PostGIS extension and the administrative-area table.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "admin_area",
        sa.Column("kode", sa.String(16), primary_key=True),
        sa.Column("nama", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("jenis", sa.String(16)),
        sa.Column("parent_kode", sa.String(16)),
        sa.Column("geom", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=False),
        sa.Column("area_km2", sa.Float, nullable=False),
        sa.Column("source", sa.String(500), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("level IN ('provinsi', 'kabupaten', 'kecamatan', 'desa')",
                           name="admin_area_level_check"),
    )
    op.create_index("ix_admin_area_level", "admin_area", ["level"])
    op.create_index("ix_admin_area_parent_kode", "admin_area", ["parent_kode"])
    op.create_index("ix_admin_area_geom", "admin_area", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_table("admin_area")
