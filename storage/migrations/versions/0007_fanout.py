"""Fan-out at scale: every workspace gets a row, the outbox becomes a queue, bulk time-zone bookkeeping.

The workspaces table (0005) gains the bulk time-zone refresh's columns and a row for every workspace (jobs
walk it instead of the history tables); the outbox gets `due_at` and indexes for taking, periods and
recent questions; each rep's last opening gets an index. Existing workspaces and reps are backfilled.
"""

import sqlalchemy as sa
from alembic import op

from storage.migrations import ops
from storage.types import UtcDateTime

revision = "0007"
down_revision = "0008"

INDEXES = (
    ("scheduled_messages", "ix_scheduled_messages_queue", ["team_id", "kind", "status", "due_at"]),
    ("scheduled_messages", "ix_scheduled_messages_period", ["team_id", "kind", "period_key"]),
    ("scheduled_messages", "ix_scheduled_messages_team_claimed", ["team_id", "claimed_at"]),
    ("opportunities", "ix_opportunities_owner_created", ["team_id", "owner_id", "created_at"]),
    ("opportunities", "ix_opportunities_created", ["created_at", "team_id", "owner_id"]),
    ("activities", "ix_activities_day", ["occurred_on", "team_id", "user_id"]),
)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.alter_column("updated_at", existing_type=UtcDateTime(), nullable=True)
        batch.add_column(sa.Column("created_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_refreshed_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_due_at", UtcDateTime(), nullable=True))
        batch.add_column(sa.Column("zones_lease_by", sa.String(80), nullable=True))
        batch.add_column(sa.Column("zones_lease_until", UtcDateTime(), nullable=True))
    ops.add_columns("scheduled_messages", sa.Column("due_at", UtcDateTime(), nullable=True))
    for table, name, columns in INDEXES:
        op.create_index(name, table, columns)
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
    for table, name, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    ops.drop_columns("scheduled_messages", "due_at")
    ops.drop_columns(
        "workspaces", "zones_lease_until", "zones_lease_by", "zones_due_at", "zones_refreshed_at", "created_at"
    )
