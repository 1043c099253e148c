"""Embed links are recorded so they can be listed and revoked before they expire.

Until now an embed token was only signed, never stored: the one way to end a link before its
expiry was to rotate the secret key, which ends every link of every view. The Briefing page
lists a view's active links and lets the view's creator (or an admin) revoke one; the embed
routes refuse a token whose link is revoked. Each token carries a random link id (``j``);
tokens issued before this migration have none and stay valid until they expire.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "embed_link",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("view_id", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True)),
        sa.Column("revoked_by", sa.String(100)),
    )
    op.create_index("ix_embed_link_view_id", "embed_link", ["view_id"])


def downgrade() -> None:
    op.drop_table("embed_link")
