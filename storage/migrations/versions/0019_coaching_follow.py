"""Coaching that follows through: "not yet" counts and detach plans, close-date changes, stage weights.

How many times a checkpoint was answered "not yet" and when the rep said
they would detach (a date or a condition), kept with the obstacle; and every change of a deal's close date,
so a date pushed again and again is seen; and the CRM's probability of winning in each of our stages.

Revision ID: 0019_coaching_follow
Revises: 0018_salesforce
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0019_coaching_follow"
down_revision = "0018_salesforce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obstacles") as batch:
        batch.add_column(sa.Column("not_yets", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("detach_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("detach_condition", sa.String(300), nullable=True))
    op.create_table(
        "close_date_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("team_id", sa.String(32), nullable=False),
        sa.Column(
            "opportunity_id", sa.Integer(), sa.ForeignKey("opportunities.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("changed_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_close_date_changes_opportunity", "close_date_changes", ["team_id", "opportunity_id"])
    with op.batch_alter_table("crm_sync_state") as batch:
        batch.add_column(sa.Column("stage_weights", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crm_sync_state") as batch:
        batch.drop_column("stage_weights")
    op.drop_index("ix_close_date_changes_opportunity", table_name="close_date_changes")
    op.drop_table("close_date_changes")
    with op.batch_alter_table("obstacles") as batch:
        batch.drop_column("detach_condition")
        batch.drop_column("detach_on")
        batch.drop_column("not_yets")
