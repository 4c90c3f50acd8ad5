"""Logged selling time (deal work and prospecting) and quotas."""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    ops.create_table(
        "activities",
        *ops.rep(),
        sa.Column("kind", sa.String(16), nullable=False),
        ops.opportunity(nullable=True),
        sa.Column("touches", sa.Integer(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(300), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        indexes={
            "ix_activities_rep_day": ["team_id", "user_id", "occurred_on"],
            "ix_activities_team_day": ["team_id", "occurred_on"],
            "ix_activities_opportunity": ["opportunity_id", "occurred_on"],
        },
    )
    ops.create_table(
        "quotas",
        *ops.rep(),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("set_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("team_id", "user_id", "period_start", name="uq_quotas_rep_period"),
    )


def downgrade() -> None:
    op.drop_table("quotas")
    op.drop_table("activities")
