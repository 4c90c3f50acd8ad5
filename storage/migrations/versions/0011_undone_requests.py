"""Undone requests: each `undo` by its Slack request, so a replayed one removes nothing more.

Revision ID: 0011
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0011"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "undone_requests",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column("user_id", sa.String(32), nullable=False),
        sa.Column("request_key", sa.String(100), nullable=False),
        sa.Column("undone_at", UtcDateTime(), nullable=False),
        sa.Column("removed", sa.Text(), nullable=True),
    )
    op.create_index("uq_undone_requests_request", "undone_requests", ["team_id", "request_key"], unique=True)
    op.create_index("ix_undone_requests_rep", "undone_requests", ["team_id", "user_id", "undone_at"])


def downgrade() -> None:
    op.drop_index("ix_undone_requests_rep", table_name="undone_requests")
    op.drop_index("uq_undone_requests_request", table_name="undone_requests")
    op.drop_table("undone_requests")
