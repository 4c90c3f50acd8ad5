"""Opportunities and their stage history.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
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
    )
    op.create_index("ix_opportunities_owner_status", "opportunities", ["team_id", "owner_id", "status"])
    op.create_index("ix_opportunities_team_created", "opportunities", ["team_id", "created_at"])
    op.create_index("ix_opportunities_team_closed", "opportunities", ["team_id", "status", "closed_at"])
    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "opportunity_id",
            sa.Integer(),
            sa.ForeignKey("opportunities.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("from_stage", sa.String(40), nullable=True),
        sa.Column("to_stage", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(32), nullable=False),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_stage_changes_opportunity", "stage_changes", ["opportunity_id", "changed_at"])
    op.create_index("ix_stage_changes_team_changed", "stage_changes", ["team_id", "changed_at"])


def downgrade() -> None:
    op.drop_table("stage_changes")
    op.drop_table("opportunities")
