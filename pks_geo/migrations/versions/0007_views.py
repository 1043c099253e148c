"""Schema additions: saved views and embeds (owned by the briefing work).

A saved view is a named choropleth (metric, filters, classification, extent) with a short
URL-safe id, so a print map, an embed or a self-contained HTML file can name it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_view",
        sa.Column("id", sa.String(16), primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("layers", JSONB, nullable=False),
        sa.Column("metric", sa.String(32), nullable=False),
        sa.Column("smooth", sa.String(16)),
        sa.Column("filters", JSONB, nullable=False),
        sa.Column("classification", JSONB, nullable=False),
        sa.Column("extent", JSONB),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(),
                  nullable=False),
        sa.CheckConstraint("id ~ '^[A-Za-z0-9_-]{8,16}$'", name="saved_view_id_check"),
        sa.CheckConstraint("length(btrim(title)) > 0", name="saved_view_title_check"),
        sa.CheckConstraint("jsonb_typeof(layers) = 'array'", name="saved_view_layers_check"),
        sa.CheckConstraint("extent IS NULL OR (jsonb_typeof(extent) = 'array' "
                           "AND jsonb_array_length(extent) = 4)", name="saved_view_extent_check"),
    )
    op.create_index("ix_saved_view_created_by", "saved_view", ["created_by"])


def downgrade() -> None:
    op.drop_table("saved_view")
