"""Fan-out at scale: every workspace gets a row, the outbox becomes a queue, bulk time-zone bookkeeping.

The workspaces table (0005) gains the bulk time-zone refresh's columns and a row for every workspace (jobs
walk it instead of the history tables); the outbox gets `due_at` and indexes for taking, periods and
recent questions; each rep's last opening gets an index. Existing workspaces and reps are backfilled.

Revision ID: 0007
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0007"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.alter_column("updated_at", existing_type=UtcDateTime(), nullable=True)
        batch.add_column(sa.Column("created_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_refreshed_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_due_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_lease_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("zones_lease_until", UtcDateTime(), nullable=True))
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.add_column(sa.Column("due_at", UtcDateTime(), nullable=True))
    op.create_index("ix_scheduled_messages_queue", "scheduled_messages", ["team_id", "kind", "status", "due_at"])
    op.create_index("ix_scheduled_messages_period", "scheduled_messages", ["team_id", "kind", "period_key"])
    op.create_index("ix_scheduled_messages_team_claimed", "scheduled_messages", ["team_id", "claimed_at"])
    op.create_index("ix_opportunities_owner_created", "opportunities", ["team_id", "owner_id", "created_at"])
    op.create_index("ix_opportunities_created", "opportunities", ["created_at", "team_id", "owner_id"])
    op.create_index("ix_activities_day", "activities", ["occurred_on", "team_id", "user_id"])
    # Everyone who already used the bot gets a settings row, and every workspace a row: from now on they
    # are added when a deal is opened or time is logged, so no tick has to scan the history for them.
    op.execute(
        "INSERT INTO reps (team_id, user_id, coaching_enabled, created_at) "
        "SELECT team_id, user_id, TRUE, CURRENT_TIMESTAMP FROM ("
        " SELECT team_id, owner_id AS user_id FROM opportunities UNION SELECT team_id, user_id FROM activities"
        ") AS used WHERE NOT EXISTS ("
        " SELECT 1 FROM reps WHERE reps.team_id = used.team_id AND reps.user_id = used.user_id)"
    )
    op.execute(
        "INSERT INTO workspaces (team_id, created_at) SELECT DISTINCT team_id, CURRENT_TIMESTAMP FROM reps "
        "WHERE NOT EXISTS (SELECT 1 FROM workspaces WHERE workspaces.team_id = reps.team_id)"
    )
    op.execute("UPDATE workspaces SET created_at = CURRENT_TIMESTAMP WHERE created_at IS NULL")


def downgrade() -> None:
    op.drop_index("ix_activities_day", table_name="activities")
    op.drop_index("ix_opportunities_created", table_name="opportunities")
    op.drop_index("ix_opportunities_owner_created", table_name="opportunities")
    op.drop_index("ix_scheduled_messages_team_claimed", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_period", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_queue", table_name="scheduled_messages")
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.drop_column("due_at")
    with op.batch_alter_table("workspaces") as batch:
        for column in ("zones_lease_until", "zones_lease_by", "zones_due_at", "zones_refreshed_at", "created_at"):
            batch.drop_column(column)
