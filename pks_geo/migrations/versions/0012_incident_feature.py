"""A cache of finished GeoJSON Feature texts, one per incident, for fast streaming exports.

PostgreSQL writes ``ST_AsGeoJSON`` of a row at about 100 MB/s on the project machine, which
capped the streaming incident export at a sixteenth of what ``orjson`` serialises. The texts
only change when an incident or an area name changes, so they are kept here and rebuilt by
the export itself (:mod:`pks_geo.export.feature_cache`) when the ``data_version`` of
``incident`` or ``admin_area`` has moved on since the last build (the versions of the build
are in ``incident_feature_state``). Imports write nothing here, so they stay as fast as they were.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # ``ord`` is the export order (event_date, id) at build time; the table is rebuilt in that
    # order, so streaming by its primary key reads the heap sequentially and never sorts.
    # The filter columns are copies of the incident's, so the maps' WHERE clause applies here
    # without a join. No foreign key: the cache is used only while the versions match.
    op.execute("""
        CREATE TABLE incident_feature (
            ord bigint PRIMARY KEY,
            incident_id bigint NOT NULL,
            counted boolean NOT NULL,
            event_date date NOT NULL,
            kategori text NOT NULL,
            source text NOT NULL,
            status text,
            election_code text,
            stage text,
            desa_kode text,
            kecamatan_kode text,
            feature bytea NOT NULL
        )""")
    op.execute("ALTER TABLE incident_feature ALTER COLUMN feature SET STORAGE EXTERNAL")
    op.execute("""
        CREATE TABLE incident_feature_state (
            id smallint PRIMARY KEY CHECK (id = 1),
            incident_version bigint NOT NULL,
            admin_area_version bigint NOT NULL,
            built_at timestamptz NOT NULL DEFAULT now()
        )""")


def downgrade() -> None:
    op.execute("DROP TABLE incident_feature_state")
    op.execute("DROP TABLE incident_feature")
