"""The incident point index back to GiST: SP-GiST on geometry crashes PostgreSQL 15.

Migration 0014 made ``ix_incident_geom`` an SP-GiST index to save about a quarter of its
upkeep during imports. On PostgreSQL 15 (Debian 15.18) with PostGIS 3.3.2 any Index Only
Scan on an SP-GiST geometry index kills the backend with signal 11, and the postmaster then
restarts every connection of every client. The planner picks that plan whenever its
statistics say the table is tiny (after ``synth --remove`` and an autovacuum ANALYZE), so
one ``count(*)`` of the OGC items endpoint took the whole server down.

GiST answers the same operators, supports index-only scans safely and is what DESIGN.md
fixes for geometry columns. The import cost it brings back is measured in bench/README.md.
``tests/test_spatial_index_safety.py`` forces an index-only plan on every spatial index of
the schema and fails if the server does not survive it.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_incident_geom", table_name="incident")
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="gist")


def downgrade() -> None:
    op.drop_index("ix_incident_geom", table_name="incident")
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="spgist")
