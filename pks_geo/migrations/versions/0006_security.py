"""Schema additions: manual TPS risk overrides (owned by the risk/patrol work).

``tps_risk_override`` holds the category a person set by hand for one TPS of one election,
with the reason. It is keyed by (election, kode_tps), not by ``polling_site.id``, so that
re-importing the TPS list keeps the decision. Who set it, and every change, is in
``audit_event`` (entity ``tps_risk_override``), written in the same transaction.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tps_risk_override",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("election_code", sa.String(64), sa.ForeignKey("election.code", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("kode_tps", sa.String(13), nullable=False),
        sa.Column("kategori", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.UniqueConstraint("election_code", "kode_tps", name="tps_risk_override_election_tps_key"),
        sa.CheckConstraint("kode_tps ~ '^[0-9]{13}$'", name="tps_risk_override_kode_tps_check"),
        sa.CheckConstraint("kategori IN ('kurang rawan', 'rawan', 'sangat rawan')",
                           name="tps_risk_override_kategori_check"),
        sa.CheckConstraint("length(btrim(reason)) >= 5", name="tps_risk_override_reason_check"),
    )


def downgrade() -> None:
    op.drop_table("tps_risk_override")
