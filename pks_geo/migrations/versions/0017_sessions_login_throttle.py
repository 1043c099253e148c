"""Revocable sessions and log-in throttling that hold across serve processes.

- ``app_user.session_generation``: every session cookie carries the generation its user had at
  log-in; log-out, a password change, disabling and a role change raise it, so every session of
  that user (in every browser, on every serve process) stops working on its next request.
- ``login_throttle``: failed log-ins counted per user name and per client address in a fixed
  window. PostgreSQL, not an in-process counter or Flask-Limiter's memory storage, because
  several ``serve`` processes share one database and no Redis/Memcached is part of the stack.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("app_user", sa.Column("session_generation", sa.Integer(), nullable=False,
                                        server_default="0"))
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("login_throttle")
    op.drop_column("app_user", "session_generation")
