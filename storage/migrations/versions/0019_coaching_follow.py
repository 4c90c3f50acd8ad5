"""Coaching that follows through: "not yet" counts and detach plans, close-date changes, stage weights.

How many times a checkpoint was answered "not yet" and when the rep said
they would detach (a date or a condition), kept with the obstacle; and every change of a deal's close date,
so a date pushed again and again is seen; and the CRM's probability of winning in each of our stages.
"""

import sqlalchemy as sa

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0019_coaching_follow"
down_revision = "0018_salesforce"


def upgrade() -> None:
    ops.add_columns(
        "obstacles",
        sa.Column("not_yets", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("detach_on", sa.Date(), nullable=True),
        sa.Column("detach_condition", sa.String(300), nullable=True),
    )
    ops.create_table(
        "close_date_changes",
        ops.team(),
        ops.opportunity(),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
        indexes={"ix_close_date_changes_opportunity": ["team_id", "opportunity_id"]},
    )
    ops.add_columns("crm_sync_state", sa.Column("stage_weights", sa.Text(), nullable=True))


def downgrade() -> None:
    ops.drop_columns("crm_sync_state", "stage_weights")
    ops.drop_table("close_date_changes", indexes=("ix_close_date_changes_opportunity",))
    ops.drop_columns("obstacles", "detach_condition", "detach_on", "not_yets")
