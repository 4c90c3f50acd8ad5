"""Entries remember the Slack request that made them; workspaces remember whether the app is installed.

A replayed request stores nothing twice; jobs skip a workspace that removed the app.
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0005"
down_revision = "0004"

KEYED = ("opportunities", "stage_changes", "activities", "coaching_answers")


def upgrade() -> None:
    for table in KEYED:
        op.add_column(table, sa.Column("request_key", sa.String(100), nullable=True))
        op.create_index(f"uq_{table}_request", table, ["team_id", "request_key"], unique=True)
    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("uninstalled_at", UtcDateTime(), nullable=True),
        sa.Column("uninstall_reason", sa.String(32), nullable=True),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("workspaces")
    for table in KEYED:
        op.drop_index(f"uq_{table}_request", table_name=table)
        ops.drop_columns(table, "request_key")
