"""Notify listeners when a data version moves on.

The web app keeps the rows of ``data_version`` in memory (:mod:`pks_geo.queries.version_watch`)
so that a cached vector tile or a ``304 Not Modified`` needs no database round trip at all.
For that it must hear of every change: the bump function of migration 0005 now also sends
``NOTIFY pks_data_version, '<table>'``. PostgreSQL delivers notifications only when the
changing transaction commits (never for a rollback) and folds duplicates within one
transaction, so listeners re-read the versions exactly when committed data changed.

Revision ID: 0011
Revises: 0008
Create Date: 2026-11-28
"""

from alembic import op

revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None

CHANNEL = "pks_data_version"

BUMP_WITH_NOTIFY = f"""
CREATE OR REPLACE FUNCTION pks_bump_data_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version
       SET version = version + 1, changed_at = clock_timestamp(), last_txid = txid_current()
     WHERE table_name = TG_TABLE_NAME
       AND last_txid IS DISTINCT FROM txid_current();
    IF FOUND THEN
        PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME);
    END IF;
    RETURN NULL;
END
$$
"""

BUMP_WITHOUT_NOTIFY = """
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
    op.execute(BUMP_WITH_NOTIFY)


def downgrade() -> None:
    op.execute(BUMP_WITHOUT_NOTIFY)
