"""Schema additions for scale: web-mercator copies of the area polygons for vector tiles.

Every vector tile is cut in web mercator (EPSG:3857). Transforming each polygon on every
tile request cost a third of a desa tile's time, and at low zooms (a whole province in a
few tiles) the full-detail outlines made tiles of 200-450 kB. Two stored generated columns
keep what tiles need ready, maintained by PostgreSQL itself whenever ``geom`` changes (no
trigger, no code path that could forget them):

- ``geom_3857``: ``geom`` in EPSG:3857, with a GiST index (the tile's bounding-box filter);
- ``geom_3857_lo``: the same simplified with a 150 m tolerance (collapsed parts kept), for
  tiles at zoom <= 9, where 150 m is at most half a pixel. At zoom 8 it cuts the province's
  heaviest desa tiles from ~220 kB / 60 ms to ~70 kB / 12 ms.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

LO_TOLERANCE_M = 150


def upgrade() -> None:
    op.execute("ALTER TABLE admin_area ADD COLUMN geom_3857 geometry(MultiPolygon, 3857) "
               "GENERATED ALWAYS AS (ST_Transform(geom, 3857)) STORED")
    op.execute("ALTER TABLE admin_area ADD COLUMN geom_3857_lo geometry(Geometry, 3857) "
               f"GENERATED ALWAYS AS (ST_Simplify(ST_Transform(geom, 3857), {LO_TOLERANCE_M}, true)) STORED")
    op.create_index("ix_admin_area_geom_3857", "admin_area", ["geom_3857"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_admin_area_geom_3857", table_name="admin_area")
    op.execute("ALTER TABLE admin_area DROP COLUMN geom_3857_lo")
    op.execute("ALTER TABLE admin_area DROP COLUMN geom_3857")
