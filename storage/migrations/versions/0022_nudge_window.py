"""Claims by kind, status and claim time: a tick finds its abandoned and unrendered claims without the sent history.

The (team, kind, status, claimed_at) index lets the queue's "taken but never rendered" and the retries'
"abandoned mid-send" stop at the few unfinished claims: SQLite's statistics, where nearly every row is
sent, otherwise choose the claim-time index and walk every message ever sent before the lease.
"""

from alembic import op

revision = "0022_nudge_window"
down_revision = "0021_crm_connections"


def upgrade() -> None:
    op.create_index(
        "ix_scheduled_messages_unfinished", "scheduled_messages", ["team_id", "kind", "status", "claimed_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_scheduled_messages_unfinished", table_name="scheduled_messages")
