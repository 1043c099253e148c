"""A road network for patrol routes: pgRouting plus ``road_edge`` / ``road_vertex``.

Without roads, patrol routes are straight lines (kept on land round bays); with an OSM or
official roads file loaded (``pks-geo roads load``), the cost between a post and its TPS is
the shortest road distance (``pgr_dijkstraCostMatrix``) and routes are drawn along the roads.

``road_edge`` is the graph pgRouting reads: one row per stretch of road between two junctions
(``source``/``target`` are ``road_vertex`` ids), ``cost``/``reverse_cost`` in metres
(``reverse_cost`` < 0 for one-way roads against their direction). ``road_vertex`` holds the
junctions and dead ends, with a GiST index so that a TPS snaps to its nearest vertex by a KNN
scan.

The extension is created only when the server has it (Debian ``postgresql-15-pgrouting``,
installed by ``scripts/install-system-deps.sh``): a server without it must still be able to
upgrade; ``roads load`` then says what to install, and patrol plans stay straight-line.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("DO $$ BEGIN IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pgrouting') "
               "THEN CREATE EXTENSION IF NOT EXISTS pgrouting; END IF; END $$")
    op.create_table(
        "road_vertex",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
    )
    op.create_index("ix_road_vertex_geom", "road_vertex", ["geom"], postgresql_using="gist")
    op.create_table(
        "road_edge",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.BigInteger, nullable=False),
        sa.Column("target", sa.BigInteger, nullable=False),
        sa.Column("cost", sa.Float, nullable=False),
        sa.Column("reverse_cost", sa.Float, nullable=False),
        sa.Column("length_m", sa.Float, nullable=False),
        sa.Column("highway", sa.String(64)),
        sa.Column("name", sa.Text),
        sa.Column("geom", Geometry("LINESTRING", srid=4326, spatial_index=False), nullable=False),
        sa.CheckConstraint("length_m >= 0", name="road_edge_length_check"),
    )
    op.create_index("ix_road_edge_geom", "road_edge", ["geom"], postgresql_using="gist")
    op.create_index("ix_road_edge_source", "road_edge", ["source"])
    op.create_index("ix_road_edge_target", "road_edge", ["target"])


def downgrade() -> None:
    op.drop_table("road_edge")
    op.drop_table("road_vertex")
    op.execute("DROP EXTENSION IF EXISTS pgrouting")
