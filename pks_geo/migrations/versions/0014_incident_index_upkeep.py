"""Cheaper index upkeep for incident imports: SP-GiST for the points, no kategori index.

Every imported incident updates each index of ``incident``; after the reference checks of
0013, index upkeep is most of an import's server time. Measured on 100,000 points
(PostgreSQL 15, PostGIS 3.3):

* the point index as SP-GiST (a quad-tree, PostGIS's ``spgist_geometry_ops_2d``) costs
  about a quarter less to maintain than GiST and answers the same operators the maps use
  (``&&`` for tiles and bounding boxes, ``ST_Covers``/``ST_DWithin``/``ST_Intersects``);
  no query orders incidents by distance (``<->``);
* ``kategori`` has at most eleven values, so a filter on it keeps about a tenth of the
  rows, where PostgreSQL reads the table (or uses the date, area or point index that comes
  with the filter) rather than that index: it was paid for on every insert and not used.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-28
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_incident_kategori", table_name="incident")
    op.drop_index("ix_incident_geom", table_name="incident")
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="spgist")


def downgrade() -> None:
    op.drop_index("ix_incident_geom", table_name="incident")
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="gist")
    op.create_index("ix_incident_kategori", "incident", ["kategori"])
