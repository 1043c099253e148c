"""Schema additions for users, tokens and audit (owned by the auth work).

- user names are unique regardless of case, so ``Budi`` and ``budi`` cannot be two accounts;
- tokens are listed and revoked per user (index on ``api_token.user_id``);
- the audit trail is read newest first and by actor (indexes on ``at`` and ``actor``).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_app_user_username_lower", "app_user", [sa.text("lower(username)")],
                    unique=True)
    op.create_index("ix_api_token_user_id", "api_token", ["user_id"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_actor", "audit_event", ["actor"])


def downgrade() -> None:
    op.drop_index("ix_audit_event_actor", table_name="audit_event")
    op.drop_index("ix_audit_event_at", table_name="audit_event")
    op.drop_index("ix_api_token_user_id", table_name="api_token")
    op.drop_index("uq_app_user_username_lower", table_name="app_user")
