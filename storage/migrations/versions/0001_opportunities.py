"""Opportunities and their stage history."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0001"
down_revision = None


def upgrade() -> None:
    ops.create_table(
        "opportunities",
        ops.team(),
        sa.Column("owner_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("name_key", sa.String(480), nullable=False),
        sa.Column("account", sa.String(120), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("stage", sa.String(40), nullable=False),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("next_step", sa.String(300), nullable=True),
        sa.Column("lost_reason", sa.String(500), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("last_change_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        indexes={
            "ix_opportunities_owner_status": ["team_id", "owner_id", "status"],
            "ix_opportunities_team_created": ["team_id", "created_at"],
            "ix_opportunities_team_closed": ["team_id", "status", "closed_at"],
        },
    )
    ops.create_table(
        "stage_changes",
        ops.team(),
        ops.opportunity(),
        sa.Column("from_stage", sa.String(40), nullable=True),
        sa.Column("to_stage", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(32), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        indexes={
            "ix_stage_changes_opportunity": ["opportunity_id", "changed_at"],
            "ix_stage_changes_team_changed": ["team_id", "changed_at"],
        },
    )


def downgrade() -> None:
    op.drop_table("stage_changes")
    op.drop_table("opportunities")
