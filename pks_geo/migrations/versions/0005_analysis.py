"""Schema additions for the analysis work: a per-table data version for caches and ETags.

``data_version`` holds one row per table that maps and statistics are computed from. A
statement-level trigger bumps the row's version (once per transaction) whenever the table
changes, so the choropleth API can answer "has anything changed?" with one indexed read
instead of scanning 100,000 incidents, and a cache of simplified geometries knows when to
rebuild. The bump is part of the writing transaction: a reader never sees a new version
with old data. Statement triggers (not row triggers) keep bulk imports cheap.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

VERSIONED_TABLES = ("admin_area", "incident", "polling_site", "election", "election_stage")

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION pks_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version
       SET version = version + 1, changed_at = clock_timestamp(), last_txid = txid_current()
     WHERE table_name = TG_TABLE_NAME
       AND last_txid IS DISTINCT FROM txid_current();
    RETURN NULL;
END
$$
"""


def upgrade() -> None:
    op.create_table(
        "data_version",
        sa.Column("table_name", sa.String(63), primary_key=True),
        sa.Column("version", sa.BigInteger, nullable=False, server_default="1"),
        sa.Column("changed_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_txid", sa.BigInteger),
    )
    op.execute(BUMP_FUNCTION)
    for table in VERSIONED_TABLES:
        op.execute(sa.text("INSERT INTO data_version (table_name) VALUES (:t)").bindparams(t=table))
        op.execute(f"CREATE TRIGGER pks_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                   f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION pks_bump_data_version()")


def downgrade() -> None:
    for table in VERSIONED_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS pks_data_version ON {table}")
    op.execute("DROP FUNCTION IF EXISTS pks_bump_data_version()")
    op.drop_table("data_version")
