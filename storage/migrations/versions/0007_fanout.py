"""Fan-out at scale: the workspaces table (jobs walk it instead of the history tables; bulk time-zone
refresh bookkeeping), the outbox as a queue (`due_at`, and indexes for taking, periods and recent
questions), and an index for each rep's last opening. Existing workspaces and reps are backfilled.

Revision ID: 0007
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from storage.types import UtcDateTime

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("team_id", sa.String(32), primary_key=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("zones_refreshed_at", UtcDateTime(), nullable=True),
        sa.Column("zones_due_at", UtcDateTime(), nullable=True),
        sa.Column("zones_lease_by", sa.String(80), nullable=True),
        sa.Column("zones_lease_until", UtcDateTime(), nullable=True),
    )
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
    op.execute("INSERT INTO workspaces (team_id, created_at) SELECT DISTINCT team_id, CURRENT_TIMESTAMP FROM reps")


def downgrade() -> None:
    op.drop_index("ix_activities_day", table_name="activities")
    op.drop_index("ix_opportunities_created", table_name="opportunities")
    op.drop_index("ix_opportunities_owner_created", table_name="opportunities")
    op.drop_index("ix_scheduled_messages_team_claimed", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_period", table_name="scheduled_messages")
    op.drop_index("ix_scheduled_messages_queue", table_name="scheduled_messages")
    with op.batch_alter_table("scheduled_messages") as batch:
        batch.drop_column("due_at")
    op.drop_table("workspaces")
