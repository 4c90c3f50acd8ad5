"""Undone requests: each `undo` by its Slack request, so a replayed one removes nothing more."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0011"
down_revision = "0007"


def upgrade() -> None:
    ops.create_table(
        "undone_requests",
        *ops.rep(),
        sa.Column("request_key", sa.String(100), nullable=False),
        sa.Column("undone_at", UtcDateTime(), nullable=False),
        sa.Column("removed", sa.Text(), nullable=True),
    )
    op.create_index("uq_undone_requests_request", "undone_requests", ["team_id", "request_key"], unique=True)
    op.create_index("ix_undone_requests_rep", "undone_requests", ["team_id", "user_id", "undone_at"])


def downgrade() -> None:
    ops.drop_table("undone_requests", indexes=("ix_undone_requests_rep", "uq_undone_requests_request"))
