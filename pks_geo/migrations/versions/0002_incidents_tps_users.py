"""Elections and stages, incidents, polling stations (TPS), users, API tokens, audit.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import JSONB

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

KATEGORI = ("bentrok", "kerusuhan", "unjuk_rasa", "kekerasan", "intimidasi", "perusakan",
            "politik_uang", "ujaran_kebencian", "sengketa_lahan", "netralitas", "lainnya")
STAGES = ("pendaftaran", "kampanye", "masa_tenang", "pemungutan_suara", "rekapitulasi", "pasca")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join("'" + v + "'" for v in values)
    return f"{column} IN ({quoted})"


def _timestamps() -> list[sa.Column]:
    return [
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "election",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("voting_day", sa.Date, nullable=False),
        sa.Column("region_kode", sa.String(16)),
    )
    op.create_table(
        "election_stage",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("election_code", sa.String(64),
                  sa.ForeignKey("election.code", ondelete="CASCADE"), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("end_date", sa.Date, nullable=False),
        sa.UniqueConstraint("election_code", "stage"),
        sa.CheckConstraint(_in("stage", STAGES), name="election_stage_stage_check"),
        sa.CheckConstraint("start_date <= end_date", name="election_stage_dates_check"),
    )
    op.create_table(
        "incident",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("external_id", sa.String(100), nullable=False),
        sa.Column("event_date", sa.Date, nullable=False),
        sa.Column("date_precision", sa.SmallInteger, nullable=False, server_default="1"),
        sa.Column("kategori", sa.String(32), nullable=False),
        sa.Column("original_type", sa.String(200)),
        sa.Column("sub_type", sa.String(200)),
        sa.Column("actor1", sa.Text),
        sa.Column("actor2", sa.Text),
        sa.Column("meninggal", sa.Integer),
        sa.Column("luka", sa.Integer),
        sa.Column("description", sa.Text),
        sa.Column("sumber", sa.Text),
        sa.Column("place_name", sa.Text),
        sa.Column("location_precision", sa.String(16), nullable=False),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("desa_kode", sa.String(16), sa.ForeignKey("admin_area.kode")),
        sa.Column("kecamatan_kode", sa.String(16), sa.ForeignKey("admin_area.kode")),
        sa.Column("counted", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("election_code", sa.String(64), sa.ForeignKey("election.code")),
        sa.Column("stage", sa.String(32)),
        sa.Column("status", sa.String(16), nullable=False, server_default="unverified"),
        sa.Column("row_hash", sa.String(64)),
        sa.Column("created_by", sa.String(100)),
        *_timestamps(),
        sa.UniqueConstraint("source", "external_id", name="incident_source_external_id_key"),
        sa.CheckConstraint(_in("kategori", KATEGORI), name="incident_kategori_check"),
        sa.CheckConstraint(_in("location_precision",
                               ("exact", "near", "desa", "kecamatan", "kabupaten")),
                           name="incident_location_precision_check"),
        sa.CheckConstraint(_in("status", ("unverified", "verified")),
                           name="incident_status_check"),
        sa.CheckConstraint("date_precision IN (1, 2, 3)", name="incident_date_precision_check"),
        sa.CheckConstraint("meninggal IS NULL OR meninggal >= 0", name="incident_meninggal_check"),
        sa.CheckConstraint("luka IS NULL OR luka >= 0", name="incident_luka_check"),
        sa.CheckConstraint("stage IS NULL OR " + _in("stage", STAGES), name="incident_stage_check"),
    )
    op.create_index("ix_incident_event_date", "incident", ["event_date"])
    op.create_index("ix_incident_kategori", "incident", ["kategori"])
    op.create_index("ix_incident_desa_kode", "incident", ["desa_kode"])
    op.create_index("ix_incident_kecamatan_kode", "incident", ["kecamatan_kode"])
    op.create_index("ix_incident_election_code", "incident", ["election_code"])
    op.create_index("ix_incident_geom", "incident", ["geom"], postgresql_using="gist")

    op.create_table(
        "polling_site",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("election_code", sa.String(64), sa.ForeignKey("election.code"), nullable=False),
        sa.Column("kode_tps", sa.String(13), nullable=False),
        sa.Column("no_tps", sa.Integer, nullable=False),
        sa.Column("desa_kode", sa.String(16), sa.ForeignKey("admin_area.kode"), nullable=False),
        sa.Column("kecamatan_kode", sa.String(16), sa.ForeignKey("admin_area.kode"),
                  nullable=False),
        sa.Column("dpt", sa.Integer),
        sa.Column("geom", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("location_precision", sa.String(16), nullable=False),
        sa.Column("alamat", sa.Text),
        sa.Column("kategori_kerawanan", sa.String(16)),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("row_hash", sa.String(64)),
        *_timestamps(),
        sa.UniqueConstraint("election_code", "kode_tps", name="polling_site_election_tps_key"),
        sa.CheckConstraint("kode_tps ~ '^[0-9]{13}$'", name="polling_site_kode_tps_check"),
        sa.CheckConstraint("dpt IS NULL OR dpt >= 0", name="polling_site_dpt_check"),
        sa.CheckConstraint("kategori_kerawanan IS NULL OR "
                           + _in("kategori_kerawanan", ("kurang rawan", "rawan", "sangat rawan")),
                           name="polling_site_kerawanan_check"),
    )
    op.create_index("ix_polling_site_desa_kode", "polling_site", ["desa_kode"])
    op.create_index("ix_polling_site_kecamatan_kode", "polling_site", ["kecamatan_kode"])
    op.create_index("ix_polling_site_geom", "polling_site", ["geom"], postgresql_using="gist")

    op.create_table(
        "app_user",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("username", sa.String(100), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(300), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint(_in("role", ("viewer", "analyst", "editor", "admin")),
                           name="app_user_role_check"),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("app_user.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.Column("revoked", sa.Boolean, nullable=False, server_default=sa.false()),
    )
    op.create_table(
        "audit_event",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(32), nullable=False),
        sa.Column("entity_id", sa.String(100), nullable=False),
        sa.Column("before", JSONB),
        sa.Column("after", JSONB),
    )
    op.create_index("ix_audit_event_entity", "audit_event", ["entity", "entity_id"])


def downgrade() -> None:
    for table in ("audit_event", "api_token", "app_user", "polling_site", "incident",
                  "election_stage", "election"):
        op.drop_table(table)
