"""Schema additions for incident and TPS import: none needed so far.

The tables of revision 0002 already carry what the importers use: the unique keys
(source, external_id) and (election_code, kode_tps) that re-imports upsert on (and whose
leading column serves per-source lookups such as ``pks-geo demo --remove``), ``row_hash``,
the GiST index on ``admin_area.geom`` that locating joins against, and the CHECK
constraints on kategori, stage, precision and counts. Staging happens in temporary tables.
This revision is kept (empty) so that later ingest changes have their place in the chain.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28
"""

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
